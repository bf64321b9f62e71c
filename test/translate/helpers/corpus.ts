/** Reads the shared PAS 2.2.1 and X12 sample corpus in place (never copied into the repo). */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle } from '../../../src/translate/index.ts';
import { CORPUS_DIR } from '../../helpers/corpus.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CORPUS = CORPUS_DIR;
export const PAS_EXAMPLES = path.join(CORPUS, 'pas-2.2.1/examples');

export function example<T = Bundle>(name: string): T {
  return JSON.parse(readFileSync(path.join(PAS_EXAMPLES, name), 'utf8')) as T;
}

export function exampleNames(pattern: RegExp): string[] {
  return readdirSync(PAS_EXAMPLES).filter((f) => pattern.test(f)).sort();
}

export function x12Sample(name: string): string {
  return readFileSync(path.join(CORPUS, 'x12-samples', name), 'utf8');
}

export function golden(name: string): string {
  return readFileSync(path.join(here, '../golden', name), 'utf8');
}
