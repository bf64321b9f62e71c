/**
 * Where the shared test corpus (IG examples, public X12 samples) is read in place: PRIORGATE_CORPUS,
 * else `../shared/corpus` beside the checkout, else the workspace's copy.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CORPUS_DIR: string =
  process.env['PRIORGATE_CORPUS'] ?? [path.resolve(root, '../shared/corpus'), '/work/shared/corpus'].find((d) => existsSync(d)) ?? path.resolve(root, '../shared/corpus');

export const PAS_EXAMPLES = path.join(CORPUS_DIR, 'pas-2.2.1/examples');
export const X12_SAMPLES = path.join(CORPUS_DIR, 'x12-samples');
