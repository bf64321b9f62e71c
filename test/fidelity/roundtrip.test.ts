/**
 * Round trips (issue 14 acceptance): a 278 response read into a PAS response and written back as a
 * 278 response (what the payer simulator does to answer in X12 what a PAS answer says) keeps every
 * element the map says lands in FHIR — each public and TR3-style 278 response, value for value.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { pasResponseTo278 } from '../../src/sim/pas-response-to-278.ts';
import { fidelityOf, x12ResponseToPas, type Finding } from '../../src/translate/index.ts';
import { InMemoryControlNumbers, parseX12, validateX12, writeX12 } from '../../src/x12/index.ts';
import { allX12Files } from '../helpers/x12-files.ts';

const responses = allX12Files().filter((f) => parseX12(f.text).interchanges[0]?.groups[0]?.transactions[0]?.specName === '278 response' && !f.name.startsWith('envelope-'));
const key = (f: Finding) => `${f.loop} ${f.position} ${f.value}`;

describe('278 response → PAS response → 278 response', () => {
  it('there are samples to go round', () => expect(responses.length).toBeGreaterThanOrEqual(5));

  it.each(responses.map((f) => [f.name, f.text]))('%s keeps every mapped element', (_name, text) => {
    const body = bodyOf(parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!);
    const now = new Date(Date.UTC(2025, 0, 20));
    const pas = x12ResponseToPas(body, { now, ids: () => crypto.randomUUID() });
    const again = writeX12(
      { sender: { qualifier: 'ZZ', id: 'ACMEHEALTH' }, receiver: { qualifier: 'ZZ', id: 'PRIORGATE' }, usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'ACMEHEALTH', applicationReceiver: 'PRIORGATE', version: '005010X217', transactions: [{ setId: '278', segments: pasResponseTo278(pas as never, body, now) }] }] },
      { controlNumbers: new InMemoryControlNumbers(), now },
    );
    expect(validateX12(again).errors).toEqual([]);
    const landed = fidelityOf(text).findings.filter((f) => f.status === 'landed');
    const kept = new Set(fidelityOf(again).findings.map(key));
    expect(landed.length).toBeGreaterThan(20);
    expect(landed.filter((f) => !kept.has(key(f))).map(key)).toEqual([]);
  });
});
