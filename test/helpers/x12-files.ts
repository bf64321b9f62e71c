/**
 * The X12 files the fidelity suites read: the public samples (read in place from the shared corpus)
 * and the TR3-style files written for the project (test/fixtures/x12, see its README).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { X12_SAMPLES } from './corpus.ts';

export const X12_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/x12');

export interface X12File {
  name: string;
  path: string;
  text: string;
  /** `corpus` for the public samples, `tr3` for ours. */
  origin: 'corpus' | 'tr3';
}

const list = (dir: string, origin: X12File['origin']): X12File[] =>
  readdirSync(dir)
    .filter((f) => !f.endsWith('.md'))
    .sort()
    .map((name) => ({ name, path: path.join(dir, name), text: readFileSync(path.join(dir, name), 'utf8'), origin }));

export const corpusFiles = (): X12File[] => list(X12_SAMPLES, 'corpus');
export const tr3Files = (): X12File[] => list(X12_FIXTURES, 'tr3');
export const allX12Files = (): X12File[] => [...corpusFiles(), ...tr3Files()];
export const x12File = (name: string): X12File => allX12Files().find((f) => f.name === name)!;
