/** Small synthetic PAS request Bundles for rule tests (no real PHI). */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RULES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../rules');
export const NOW = new Date('2025-03-10T15:00:00Z');
export const GOLD_NPI = '1987654328';
export const OTHER_NPI = '1234567893';
const CPT = 'http://www.ama-assn.org/go/cpt';
const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';

export interface Line {
  code: string;
  pos?: string;
  quantity?: number;
  codes?: string[];
}

export function pasBundle(opts: { lines: Line[]; npi?: string; state?: string; stat?: boolean; patientId?: string; extra?: unknown[] }): any {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    identifier: { system: 'urn:test', value: 'b-1' },
    entry: [
      {
        fullUrl: 'urn:uuid:claim-1',
        resource: {
          resourceType: 'Claim',
          status: 'active',
          use: 'preauthorization',
          patient: { reference: `Patient/${opts.patientId ?? 'p1'}` },
          provider: { reference: 'Organization/prov' },
          insurer: { reference: 'Organization/ins' },
          priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: opts.stat ? 'stat' : 'normal' }] },
          item: opts.lines.map((l, i) => ({
            sequence: i + 1,
            productOrService: { coding: (l.codes ?? [l.code]).map((code) => ({ system: CPT, code })) },
            ...(l.pos ? { locationCodeableConcept: { coding: [{ system: POS, code: l.pos }] } } : {}),
            ...(l.quantity !== undefined ? { quantity: { value: l.quantity } } : {}),
          })),
        },
      },
      { fullUrl: 'urn:uuid:prov', resource: { resourceType: 'Organization', id: 'prov', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: opts.npi ?? OTHER_NPI }], name: 'Clinic' } },
      { fullUrl: 'urn:uuid:ins', resource: { resourceType: 'Organization', id: 'ins', identifier: [{ value: '99999' }], name: 'Plan' } },
      {
        fullUrl: `urn:uuid:${opts.patientId ?? 'p1'}`,
        resource: { resourceType: 'Patient', id: opts.patientId ?? 'p1', name: [{ family: 'Test', given: ['Pat'] }], ...(opts.state ? { address: [{ state: opts.state }] } : {}) },
      },
      ...(opts.extra ?? []).map((resource, i) => ({ fullUrl: `urn:uuid:extra-${i}`, resource })),
    ],
  };
}

/** A writable copy of the shipped rules directory. */
export function rulesCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'priorgate-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
  return dir;
}
