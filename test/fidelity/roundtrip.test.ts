/**
 * Round trips (issue 14 acceptance): a 278 response read into a PAS response and written back as a
 * 278 response (what the payer simulator does to answer in X12 what a PAS answer says) keeps every
 * element the map says lands in FHIR — each public and TR3-style 278 response, value for value —
 * and the PAS response read on the way is a conformant PAS response Bundle.
 */
import { describe, expect, it } from 'vitest';
import { validatePasResponseBundle } from '../../src/fhir/validate/index.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { pasResponseTo278 } from '../../src/sim/pas-response-to-278.ts';
import { fidelityOf, x12ResponseToPas, type Bundle, type Finding } from '../../src/translate/index.ts';
import { InMemoryControlNumbers, parseX12, validateX12, writeX12, type Segment } from '../../src/x12/index.ts';
import { allX12Files, x12File } from '../helpers/x12-files.ts';

const responses = allX12Files().filter((f) => parseX12(f.text).interchanges[0]?.groups[0]?.transactions[0]?.specName === '278 response' && !f.name.startsWith('envelope-'));
const key = (f: Finding) => `${f.loop} ${f.position} ${f.value}`;
const now = new Date(Date.UTC(2025, 0, 20));

/** The 278 response read into PAS (without the request, as the fidelity check reads it) and written back. */
function roundTrip(text: string, keep: (s: Segment) => boolean = () => true): { pas: Bundle; again: string } {
  const body = bodyOf(parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!);
  const pas = x12ResponseToPas(body, { now, ids: () => crypto.randomUUID() });
  const again = writeX12(
    { sender: { qualifier: 'ZZ', id: 'ACMEHEALTH' }, receiver: { qualifier: 'ZZ', id: 'PRIORGATE' }, usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'ACMEHEALTH', applicationReceiver: 'PRIORGATE', version: '005010X217', transactions: [{ setId: '278', segments: pasResponseTo278(pas, body, now).filter(keep) }] }] },
    { controlNumbers: new InMemoryControlNumbers(), now },
  );
  return { pas, again };
}

type Issue = ReturnType<typeof validatePasResponseBundle>[number];
const entryOf = (pas: Bundle, i: Issue) => pas.entry?.[Number(i.expression?.match(/^Bundle\.entry\[(\d+)\]/)?.[1])]?.resource as { resourceType?: string } | undefined;
/**
 * Errors the translation has without the request at hand, not this suite's concern (the gateway
 * always reads a 278 response with the request, whose resources it echoes): parties built from
 * NM1s only (PI / MI ids without a system, no gender), the TR3-style files' NPIs, which are not
 * Luhn-valid, a Practitioner requester, and CDT codes, which PAS's requested-service value set
 * leaves out. Anything else — a sub-extension or element the profiles do not allow — fails.
 */
const KNOWN: { why: string; test: (pas: Bundle, i: Issue) => boolean }[] = [
  { why: 'party built from the NM1 alone', test: (pas, i) => ['Patient', 'Organization', 'Practitioner'].includes(entryOf(pas, i)?.resourceType ?? '') && /\.(identifier\[0\](\.system)?|gender|name)$/.test(i.expression ?? '') },
  { why: 'requester named as a person', test: (pas, i) => i.expression === 'Bundle.entry[0].resource.requestor' },
  { why: 'CDT is not in X12278RequestedServiceType', test: (_pas, i) => /ada\.org\/cdt/.test(i.diagnostics ?? '') },
];

/** Landed elements of the original that the written-back 278 no longer has. */
function lostOnTheWay(text: string, again: string): string[] {
  const kept = new Set(fidelityOf(again).findings.map(key));
  return fidelityOf(text).findings.filter((f) => f.status === 'landed' && !kept.has(key(f))).map(key);
}

describe('278 response → PAS response → 278 response', () => {
  it('there are samples to go round', () => expect(responses.length).toBeGreaterThanOrEqual(6));

  it.each(responses.map((f) => [f.name, f.text]))('%s keeps every mapped element', (_name, text) => {
    const { again } = roundTrip(text);
    expect(validateX12(again).errors).toEqual([]);
    expect(fidelityOf(text).counts.landed).toBeGreaterThan(20);
    expect(lostOnTheWay(text, again)).toEqual([]);
  });

  it.each(responses.map((f) => [f.name, f.text]))('%s reads into a PAS response Bundle with no errors beyond the known request-less ones', (_name, text) => {
    const { pas } = roundTrip(text);
    const issues = validatePasResponseBundle(pas).filter((i) => i.severity === 'error' && !KNOWN.some((k) => k.test(pas, i)));
    expect(issues, JSON.stringify(issues, null, 1)).toEqual([]);
  });

  it('a write-back that stops writing a party\'s contact, address or what the UMO asks for fails the round trip', () => {
    const { text } = x12File('x217-pended-additional-information.x12');
    const { again } = roundTrip(text, (s) => !['PER', 'N4', 'HI', 'PWK'].includes(s.tag));
    expect(lostOnTheWay(text, again)).toEqual(expect.arrayContaining([
      '2010A PER04 8005550100', '2010EB N401 CHICAGO', '2010EB PER06 review@acme.example', '2000F HI01-2 18748-4', '2000F HI02-2 11506-3',
      '2000E PWK06 SPN-0003-ATT1', '2000E PWK07 OPERATIVE PLAN AND IMAGING', '2000F PWK01 77',
    ]));
  });
});

describe('issue 14: 278 response positions that now land in PAS and go round', () => {
  const landed = (name: string) => new Set(fidelityOf(x12File(name).text).findings.filter((f) => f.status === 'landed').map((f) => `${f.loop} ${f.position}`));

  it.each([
    ['x217-institutional-dental-response.x12', [
      '2010A PER02', '2010A PER06', '2010B REF02', '2010B REF03', '2010C REF02', '2010C REF03', '2010C N302', '2010C N404', '2010C N407',
      '2000E REF01', '2000E REF02', '2010EA N407', '2010EA PER04', '2010EA PRV01', '2010EA PRV03',
      '2000F REF02', '2000F DTP03', '2000F SV201', '2000F SV202-2', '2000F SV205', '2000F SV206', '2000F SV210', '2000F HSD01', '2000F HSD02',
      '2010F REF03', '2010F PRV03', '2000F SV301-2', '2000F SV306', '2000F SV111', '2000F SV120',
    ]],
    ['x217-pended-additional-information.x12', ['2000E REF02', '2000E PWK07', '2010EB N301', '2010EB N403', '2010EB PER04', '2000F HI01-2', '2000F PWK06']],
    ['x217-provider-detail-response.x12', ['2010B REF02', '2010EA REF02', '2010EA PRV01', '2010EA PRV03']],
  ] as const)('%s', (name, positions) => {
    const have = landed(name);
    for (const p of positions) expect(have, p).toContain(p);
  });
});
