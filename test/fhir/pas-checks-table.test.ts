/** The PAS checks table cites real requirement ids (corpus requirements.csv) and names each row once. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAS_CHECKS } from '../../src/fhir/validate/index.ts';
import { CORPUS } from './helpers/pas-corpus.ts';

const REQUIREMENT_IDS = new Set(
  readFileSync(path.join(CORPUS, 'pas-2.2.1/requirements.csv'), 'utf8')
    .split('\n')
    .map((line) => /^hl7\.fhir\.us\.davinci-pas_2\.2\.1,([a-z-]+\d+),/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined),
);

describe('PAS checks table', () => {
  it('reads the requirement list', () => {
    expect(REQUIREMENT_IDS.has('spec-12')).toBe(true);
  });

  it('cites only requirement ids that exist in PAS 2.2.1', () => {
    const cited = PAS_CHECKS.flatMap((c) => c.requirements);
    expect(cited.filter((id) => !REQUIREMENT_IDS.has(id))).toEqual([]);
  });

  it('names every row once', () => {
    const ids = PAS_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
