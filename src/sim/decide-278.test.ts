import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decisionOf, pasRequestTo278, pendedAnswer, x12ResponseToPas, type Bundle } from '../translate/index.ts';
import { InMemoryControlNumbers, validateX12, writeX12 } from '../x12/index.ts';
import { respond278 } from './decide-278.ts';
import { PAS_EXAMPLES } from '../../test/helpers/corpus.ts';

const EXAMPLES = PAS_EXAMPLES;
const now = new Date('2026-11-25T10:00:00Z');

function surgical(memberId: string): Bundle {
  const b = JSON.parse(readFileSync(`${EXAMPLES}/Bundle-SurgicalRequestBundleExample.json`, 'utf8')) as Bundle;
  for (const e of b.entry ?? []) {
    const r = e.resource as Record<string, any>;
    if (r.resourceType === 'Coverage') {
      r.subscriberId = memberId;
      for (const i of r.identifier ?? []) i.value = memberId;
    }
    if (r.resourceType === 'Patient') for (const i of r.identifier ?? []) i.value = memberId;
  }
  return b;
}

function reviewCodes(bundle: Bundle): string[] {
  const cr = bundle.entry?.[0]?.resource as any;
  const codes: string[] = [];
  JSON.stringify(cr.item ?? [], (k, v) => {
    if (v && typeof v === 'object' && typeof v.url === 'string' && v.url.endsWith('extension-reviewAction')) {
      JSON.stringify(v, (_k, x) => (x?.system?.includes('codesystem.x12.org/005010/306') ? (codes.push(x.code), x) : x));
    }
    return v;
  });
  return codes;
}

describe('payer simulator decisions by the member id\'s last letter (CONTRACT.md)', () => {
  const cases: [string, string][] = [
    ['W1234A', 'A1'],
    ['W1234D', 'A3'],
    ['W1234P', 'A4'],
    ['W1234M', 'A6'],
    ['W1234E', 'A1'],
    ['W1234X', 'A1'],
  ];
  for (const [member, code] of cases) {
    it(`member ${member} → HCR01 ${code}, translated back into a PAS reviewAction`, () => {
      const req = surgical(member);
      const { segments } = pasRequestTo278(req, { now });
      const response = respond278(segments, { now, authNumber: 'AUTH42' });
      const d = decisionOf(response);
      expect(d.overall).toBe(code);
      const pas = x12ResponseToPas(response, { request: req, now, ids: () => 'id-1' });
      expect(reviewCodes(pas)).toContain(code);
      if (code === 'A1') expect(d.authNumber ?? d.items[0]?.authNumber).toMatch(/^AUTH42/);
    });
  }

  it('member ending in R → an AAA rejection (72), an error and never a denial', () => {
    const req = surgical('W1234R');
    const response = respond278(pasRequestTo278(req, { now }).segments, { now, authNumber: 'X' });
    const d = decisionOf(response);
    expect(d.overall).toBe('rejected');
    expect(d.aaa[0]).toMatchObject({ reason: '72' });
    const cr = x12ResponseToPas(response, { request: req, now, ids: () => 'i' }).entry?.[0]?.resource as any;
    expect(cr.outcome).toBe('error');
    expect(reviewCodes({ entry: [{ resource: cr }] } as Bundle)).not.toContain('A3');
  });

  it('a pended request is approved by the final follow-up answer', () => {
    const { segments } = pasRequestTo278(surgical('W1234P'), { now });
    expect(decisionOf(respond278(segments, { now, authNumber: 'F1', final: true })).overall).toBe('A1');
  });

  it('the gateway\'s own pended answer marks every line A4', () => {
    const { segments } = pasRequestTo278(surgical('W1234T'), { now });
    const d = decisionOf(pendedAnswer(segments, now));
    expect(d.overall).toBe('A4');
    expect(d.items.every((i) => i.code === 'A4')).toBe(true);
  });
});

describe('every simulator answer is a valid 278 response', () => {
  for (const member of ['V1A', 'V1D', 'V1P', 'V1M', 'V1R']) {
    for (const final of [false, true]) {
      it(`member ${member}${final ? ' (final follow-up)' : ''} passes the codec's validation`, () => {
        const body = respond278(pasRequestTo278(surgical(member), { now }).segments, { now, authNumber: 'Z9', final });
        const text = writeX12(
          { sender: { qualifier: 'ZZ', id: 'DEMOPAYER' }, receiver: { qualifier: 'ZZ', id: 'PRIORGATE' }, usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X217', transactions: [{ setId: '278', segments: body }] }] },
          { controlNumbers: new InMemoryControlNumbers(), now },
        );
        const r = validateX12(text);
        expect(r.errors.map((e) => e.message)).toEqual([]);
        expect(r.accepted).toBe(true);
      });
    }
  }
});
