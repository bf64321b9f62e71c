/**
 * The whole PAS Bundle as an X12 275 006020X316 (PAS spec-28), pure: what the translator writes,
 * what our validator accepts and refuses in that form, that a payer's character set never touches
 * the binary data, and the 278's announcement of it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PayerSchema } from '../../src/rules/payers.ts';
import { bundleControlNumber, el, pasBundleTo275, pasRequestTo278, read275 } from '../../src/translate/index.ts';
import { fitForPayer, InMemoryControlNumbers, parseX12, validateX12, writeX12, type Segment } from '../../src/x12/index.ts';

const STORED = readFileSync('src/sim/examples/Bundle-MriLumbarRequestExample.json', 'utf8');
const now = new Date('2026-12-05T09:00:00Z');
const heading = { now, payer: { id: '99999', name: 'Demo Health Plan' }, submitter: { id: 'PRIORGATE', name: 'PRIORGATE' } };

function interchange(segments: Segment[], version = '006020X316'): string {
  return writeX12(
    {
      sender: { qualifier: 'ZZ', id: 'PRIORGATE' },
      receiver: { qualifier: 'ZZ', id: 'DEMOPAYER' },
      usage: 'T',
      groups: [{ functionalId: 'PI', applicationSender: 'PRIORGATE', applicationReceiver: 'DEMOPAYER', version, transactions: [{ setId: '275', segments }] }],
    },
    { controlNumbers: new InMemoryControlNumbers(7), now },
  );
}
const line = (s: Segment) => [s.tag, ...s.elements].join('*');

describe('the PAS Bundle as a 275 006020X316 (spec-28)', () => {
  it('spec-28: one 2000A with TRN*2*<trace>-PAS, CAT*AE*HL, EFI*05 and BDS*B64*<length>*<base64 of the stored bytes>, under the heading of every 275', () => {
    const { segments, controlNumber } = pasBundleTo275(STORED, { ...heading, authNumber: 'AUTH1' });
    const data = Buffer.from(STORED, 'utf8').toString('base64');
    expect(controlNumber).toBe('MRI-DEMO-0001-PAS');
    expect(segments.map(line)).toEqual([
      'BGN*02*MRI-DEMO-0001*20261205*0900',
      'NM1*PR*2*Demo Health Plan*****PI*99999',
      'NM1*41*2*PRIORGATE*****46*PRIORGATE',
      'NM1*1P*2*DR. JOE SMITH CORPORATION*****XX*8189991234',
      'NM1*QC*1*SMITH*JOE****MI*1122334455',
      'REF*BB*AUTH1',
      'LX*1',
      'TRN*2*MRI-DEMO-0001-PAS',
      'DTP*368*D8*20261205',
      'CAT*AE*HL',
      'EFI*05',
      `BDS*B64*${data.length}*${data}`,
    ]);
  });

  it('spec-28: our validator accepts it and the payer side reads back exactly the stored Bundle', () => {
    const text = interchange(pasBundleTo275(STORED, heading).segments);
    const v = validateX12(text);
    expect(v.accepted, v.ack).toBe(true);
    const back = read275(parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!.segments.slice(1, -1));
    expect(back.binaries.map((b) => [b.controlNumber, b.category, b.format, b.filter, b.declaredLength === b.actualLength])).toEqual([['MRI-DEMO-0001-PAS', 'AE', 'HL', 'B64', true]]);
    expect(back.binaries[0]!.text).toBe(STORED);
  });

  it('spec-28: the 006020X316 form refuses CAT02 other than HL, BDS01 other than B64, and a 5010 BIN in place of BDS', () => {
    const text = interchange(pasBundleTo275(STORED, heading).segments);
    for (const [from, to, position] of [['CAT*AE*HL~', 'CAT*AE*MB~', 'CAT'], ['BDS*B64*', 'BDS*ASC*', 'BDS'], ['BDS*B64*', 'BIN*', 'BIN']] as const) {
      const v = validateX12(text.replace(from, to));
      expect(v.accepted, `${to}: ${v.ack}`).toBe(false);
      expect(v.ack).toContain(`IK3*${position}*`);
    }
  });

  it('a payer\'s basic character set and pinned delimiters never touch binary data (BDS03, BIN02), only text', () => {
    const { segments } = pasBundleTo275(STORED, heading);
    const fitted = fitForPayer(segments, { characterSet: 'basic', delimiters: { element: '*', component: ':', repetition: '^', segment: '/' } });
    const bds = (body: Segment[]) => body.find((s) => s.tag === 'BDS')!;
    expect(el(bds(fitted.segments), 3)).toBe(el(bds(segments), 3));
    expect(el(bds(segments), 3)).toMatch(/[a-z]/);
    expect(fitted.segments.find((s) => s.tag === 'NM1' && el(s, 1) === 'PR')!.elements[2]).toBe('DEMO HEALTH PLAN');
    expect(fitted.changes.some((c) => c.tag === 'BDS')).toBe(false);
  });

  it('a payer that wants it announced: the 278 carries PWK*OZ*EL***AC*<the 275\'s TRN02> in 2000E, and still validates', () => {
    const bundle = JSON.parse(STORED);
    const opts = { now, payer: { id: '99999', name: 'Demo Health Plan' }, attachmentRoute: 'x12-275' as const };
    const plain = pasRequestTo278(bundle, opts);
    const announced = pasRequestTo278(bundle, { ...opts, announceBundle: true });
    const pwk = (segments: Segment[]) => segments.filter((s) => s.tag === 'PWK').map(line);
    const announcement = `PWK*OZ*EL***AC*${bundleControlNumber(announced.trace)}*PAS request Bundle`;
    expect(pwk(announced.segments).sort()).toEqual([...pwk(plain.segments), announcement].sort());
    // In 2000E (the patient event), before the first 2000F service line.
    const at = announced.segments.findIndex((s) => line(s) === announcement);
    expect(at).toBeLessThan(announced.segments.findIndex((s) => s.tag === 'HL' && el(s, 3) === 'SS'));
    expect(at).toBeGreaterThan(announced.segments.findIndex((s) => s.tag === 'HL' && el(s, 3) === 'EV'));
    expect(bundleControlNumber(announced.trace)).toBe(pasBundleTo275(STORED, heading).controlNumber);
    const text = writeX12(
      { sender: { qualifier: 'ZZ', id: 'PRIORGATE' }, receiver: { qualifier: 'ZZ', id: 'DEMOPAYER' }, usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'PRIORGATE', applicationReceiver: 'DEMOPAYER', version: '005010X217', transactions: [{ setId: '278', segments: announced.segments }] }] },
      { controlNumbers: new InMemoryControlNumbers(8), now },
    );
    expect(validateX12(text).accepted).toBe(true);
  });

  it('the payer setting names a form that can carry it: 006020X316 only', () => {
    const payer = (form: string) => ({ id: 'p', name: 'P', connector: 'core-soap', x12: { interchangeId: 'P', applicationId: 'P', umoId: '1', pasBundle275: { form } } });
    const ok = PayerSchema.parse(payer('006020X316'));
    expect(ok.x12!.pasBundle275).toEqual({ form: '006020X316', timing: 'after-278', announce: false });
    expect(PayerSchema.safeParse(payer('005010X210')).success).toBe(false);
  });
});
