/**
 * Requirement coverage: every PAS-Payer SHALL / SHALL NOT of the IG's requirements.csv is cited by
 * the name of a test that runs (`spec-46: …`), or listed in REQUIREMENTS.md as not applicable or
 * open, with a reason. The names are read from the test files' syntax trees (requirements.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { citations, listed, payerShalls, readRequirements } from './requirements.ts';

const root = path.resolve('test');
const shalls = payerShalls();
const cited = citations(root, new Set(shalls.map((r) => r.id)));
const notes = listed(readFileSync(path.join(root, 'conformance/REQUIREMENTS.md'), 'utf8'));

describe('PAS-Payer requirements (requirements.csv)', () => {
  it('reads the 65 SHALL-level requirements of the PAS Payer actor', () => {
    expect(readRequirements().length).toBeGreaterThanOrEqual(119);
    expect(shalls.length).toBe(65);
  });

  it('every PAS-Payer SHALL is cited by a test or listed with a reason', () => {
    const missing = shalls.filter((r) => !cited.has(r.id) && !notes.has(r.id)).map((r) => `${r.id}: ${r.text.slice(0, 120)}`);
    expect(missing).toEqual([]);
  });

  it('REQUIREMENTS.md lists only PAS-Payer SHALLs that no test cites (a tested one leaves the list)', () => {
    const ids = new Set(shalls.map((r) => r.id));
    expect([...notes.keys()].filter((id) => !ids.has(id))).toEqual([]);
    expect([...notes.keys()].filter((id) => cited.has(id))).toEqual([]);
  });
});
