/**
 * Synthetic eligibility fixtures (never real PHI): a valid CoverageEligibilityRequest Bundle with
 * knobs for the member id (the simulator decides by its last letter), a dependent patient and
 * service types; X12 text helpers for hand-built 271s.
 */
import { readFileSync } from 'node:fs';
import { InMemoryControlNumbers, parseX12, writeX12, type Segment } from '../../src/x12/index.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { X12_SAMPLES } from '../helpers/corpus.ts';

export const CORPUS = X12_SAMPLES;
export const X12_ST = 'https://codesystem.x12.org/005010/1365';

export interface RequestKnobs {
  memberId?: string;
  id?: string;
  dependent?: boolean;
  serviceTypes?: string[];
  noBundleIdentifier?: boolean;
}

export function eligibilityBundle(k: RequestKnobs = {}): any {
  const id = k.id ?? `elig-${Math.random().toString(36).slice(2)}`;
  const patient = k.dependent
    ? { resourceType: 'Patient', id: 'kid', name: [{ family: 'Doe', given: ['Kim'] }], birthDate: '2015-06-01', gender: 'female' }
    : { resourceType: 'Patient', id: 'pat', name: [{ family: 'Doe', given: ['Jane', 'Q'] }], birthDate: '1980-02-03', gender: 'female' };
  const entries: any[] = [
    {
      fullUrl: 'urn:uuid:0c3d7a2e-0000-4000-8000-000000000001',
      resource: {
        resourceType: 'CoverageEligibilityRequest',
        identifier: [{ system: 'urn:test:elig', value: id }],
        status: 'active',
        purpose: ['benefits', 'validation'],
        patient: { reference: `Patient/${patient.id}` },
        servicedDate: '2026-03-04',
        created: '2026-03-04T09:00:00Z',
        provider: { reference: 'Organization/clinic' },
        insurer: { reference: 'Organization/payer' },
        insurance: [{ focal: true, coverage: { reference: 'Coverage/cov' } }],
        ...(k.serviceTypes ? { item: k.serviceTypes.map((code) => ({ category: { coding: [{ system: X12_ST, code }] } })) } : {}),
      },
    },
    { fullUrl: `http://example.org/fhir/Patient/${patient.id}`, resource: patient },
    {
      fullUrl: 'http://example.org/fhir/Coverage/cov',
      resource: {
        resourceType: 'Coverage',
        id: 'cov',
        status: 'active',
        subscriberId: k.memberId ?? 'M100A',
        beneficiary: { reference: `Patient/${patient.id}` },
        ...(k.dependent ? { subscriber: { reference: 'Patient/sub' } } : {}),
        relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: k.dependent ? 'child' : 'self' }] },
        payor: [{ reference: 'Organization/payer' }],
        class: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'group' }] }, value: 'GRP-REQ' }],
      },
    },
    { fullUrl: 'http://example.org/fhir/Organization/payer', resource: { resourceType: 'Organization', id: 'payer', name: 'Demo Health Plan', identifier: [{ system: 'urn:test:payer-id', value: '99999' }] } },
    { fullUrl: 'http://example.org/fhir/Organization/clinic', resource: { resourceType: 'Organization', id: 'clinic', name: 'Demo Clinic A', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }] } },
  ];
  if (k.dependent) {
    entries.push({ fullUrl: 'http://example.org/fhir/Patient/sub', resource: { resourceType: 'Patient', id: 'sub', name: [{ family: 'Doe', given: ['John'] }], birthDate: '1979-01-01', gender: 'male' } });
  }
  return { resourceType: 'Bundle', ...(k.noBundleIdentifier ? {} : { identifier: { system: 'urn:test:bundle', value: `b-${id}` } }), type: 'collection', entry: entries };
}

export function corpus(name: string): string {
  return readFileSync(`${CORPUS}/${name}`, 'utf8');
}

/** The body (BHT … before SE) of the first transaction of an X12 text. */
export function bodyOfText(text: string): Segment[] {
  const tx = parseX12(text, { validate: false }).interchanges[0]!.groups[0]!.transactions[0]!;
  return bodyOf(tx);
}

/** A 271 (or 270) body as an interchange, with chosen delimiters and line breaks. */
export function interchange(setId: '270' | '271', body: Segment[], opts: { delimiters?: any; lineBreak?: '' | '\n' | '\r\n' } = {}): string {
  return writeX12(
    {
      sender: { qualifier: 'ZZ', id: 'DEMOPAYER' },
      receiver: { qualifier: 'ZZ', id: 'PRIORGATE' },
      usage: 'T',
      groups: [{ functionalId: setId === '270' ? 'HS' : 'HB', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X279A1', transactions: [{ setId, segments: body }] }],
    },
    { controlNumbers: new InMemoryControlNumbers(), now: new Date('2026-03-04T10:00:00Z'), ...(opts.delimiters ? { delimiters: opts.delimiters } : {}), ...(opts.lineBreak !== undefined ? { lineBreak: opts.lineBreak } : {}) },
  );
}

/** Hand-written segments: `EB*C*IND*30***23*1500`, `^` between repeats, `:` between components. */
export function segs(text: string): Segment[] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [tag, ...els] = line.split('*');
      return {
        tag: tag!,
        elements: els.map((e) => (e.includes('^') ? { repeats: e.split('^').map((r) => (r.includes(':') ? r.split(':') : r)) } : e.includes(':') ? e.split(':') : e)),
      };
    });
}

/** A roster of `n` members whose ids end A, A, A, I, R in turn (active ×3, inactive, AAA 72), then `extra` lines. */
export function roster(n: number, extra = ''): string {
  const rows = Array.from({ length: n }, (_, i) => `B${String(i).padStart(5, '0')}${'AAAIR'[i % 5]},Pat,Doe${i},1980-02-${String((i % 28) + 1).padStart(2, '0')},${['', '98', 'UC'][i % 3]}`);
  return `member_id,first_name,last_name,birth_date,service_type\n${rows.join('\n')}\n${extra}`;
}
