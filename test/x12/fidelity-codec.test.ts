/**
 * The codec's side of issue 14: repetitions when ISA11 equals ISA16 (read by the element
 * definitions, or refused with a TA1, never cut to the first value), `x12 pretty` on files whose
 * segment terminator is a newline, 0x1D or CR, acknowledgments that agree with the verdict (junk
 * after an IEA, 999s acknowledged by TA1 only), and named 004010-era envelope deviations (strict by
 * default, warnings when a partner is configured to send them).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run as x12 } from '../../src/cli/commands/x12.ts';
import { ackAccepts, DEVIATION_NAMES, parseX12, validateX12, validateX12Stream, type Segment } from '../../src/x12/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { x12File } from '../helpers/x12-files.ts';

const ebs = (text: string): Segment[] => parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!.segments.filter((s) => s.tag === 'EB');
const ackSegments = (ack: string) => ack.split('~').map((s) => s.trim()).filter((s) => /^(TA1|AK9|IK5|IK3|IK4)\*/.test(s));

describe('ISA11 = ISA16 (the X279A1 271 examples use ^ for both)', () => {
  const shared = x12File('x279-271-shared-separator.x12').text;

  it('reads every service type of EB03 as a repetition: none is lost', () => {
    const eb = ebs(shared);
    expect(eb[1]!.elements[2]).toEqual({ repeats: ['1', '33', '35', '47', '86', '88', '98', 'AL', 'MH', 'UC'] });
    expect(eb[2]!.elements[2]).toEqual(eb[1]!.elements[2]);
    // 3 EBs x 10 service types: all 30 are there.
    expect(eb.flatMap((e) => (typeof e.elements[2] === 'object' && 'repeats' in (e.elements[2] as object) ? (e.elements[2] as { repeats: string[] }).repeats : []))).toHaveLength(30);
  });

  it('keeps a composite that does not repeat (EB13) as its components', () => {
    expect(ebs(shared)[4]!.elements[12]).toEqual(['HC', '99213']);
  });

  it('is accepted, the shared separator noted as a warning (TA1 E 027 beside the 999)', () => {
    const v = validateX12(shared);
    expect(v.accepted).toBe(true);
    expect(v.errors.map((e) => [e.severity, e.code])).toEqual([['warning', '027']]);
    expect(ackSegments(v.ack)).toEqual(['TA1*000009201*250115*1030*E*027', 'IK5*A', 'AK9*E*1*1*1']);
  });

  it('refuses with TA1 027 a repeatable composite (CTX01) that holds the shared character', () => {
    const v = validateX12(x12File('x231-999-ambiguous-repetition.x12').text);
    expect(v.accepted).toBe(false);
    expect(v.errors.filter((e) => e.severity === 'error').map((e) => [e.level, e.code, e.message])).toEqual([
      ['interchange', '027', 'CTX01 is a repeatable composite and ISA11 equals ISA16: its repetitions cannot be told from its components'],
    ]);
    expect(v.ack).toContain('TA1*000009302*250115*1030*R*027~');
  });
});

describe('x12 pretty whatever the segment terminator', () => {
  const base = x12File('lfh-x12__subscriber-health-benefit-check.271').text;
  it.each([
    ['newline', '\n'],
    ['0x1D', '\x1d'],
    ['CR', '\r'],
    ['CRLF after ~', '~\r\n'],
  ])('%s', async (_name, terminator) => {
    const text = base.replace(/~\r?\n?/g, terminator);
    const r = await runCommand(x12 as never, ['pretty', '-'], { stdin: text });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(26);
    expect(lines.find((l) => l.includes('EB*B')), r.stdout).toMatch(/^2110C\s+EB\*B\*\*1\^33\^35\^47\^86\^88\^98\^AL\^MH\^UC\*HM\*GOLD 123 PLAN\*27\*10\.00\*\*\*\*\*Y(\s+-- .*)?$/);
  });
});

describe('the acknowledgment is the verdict', () => {
  it('junk after the last IEA: the 999 accepts the interchange, a TA1 blaming none rejects the junk', () => {
    const text = `${x12File('x217-3.2.2-services-response.x12').text}NM1*IL*1*STRAY~`;
    const v = validateX12(text);
    expect(v.accepted).toBe(false);
    expect(ackSegments(v.ack)).toEqual(['IK5*A', 'AK9*A*1*1*1', 'TA1*000000000*250115*1030*R*024']);
    expect(ackAccepts(v.ack)).toBe(false);
  });

  it('an ISA problem is acknowledged the same in memory and streamed (the CLI path)', async () => {
    const text = x12File('envelope-4010-version.x12').text;
    const a = validateX12(text);
    const b = await validateX12Stream(Readable.from([text.slice(0, 50), text.slice(50)]));
    expect([a.accepted, a.ack]).toEqual([b.accepted, b.ack]);
    expect(a.ack).toContain('*R*017~');
  });

  it('999s are acknowledged by a TA1 alone, never by a 999', () => {
    const v = validateX12(x12File('x231-999-rejecting-278.x12').text);
    expect(v.accepted).toBe(true);
    expect(v.ackKind).toBe('TA1');
    expect(ackSegments(v.ack)).toEqual(['TA1*000009301*250115*1030*A*000']);
  });
});

describe('004010-era envelope deviations: strict by default, named leniency reported as warnings', () => {
  const cases: [string, string[], string[]][] = [
    ['envelope-4010-version.x12', ['017', '016'], ['TA1*000009203*250115*1030*E*017', 'IK5*A', 'AK9*E*1*1*1']],
    ['envelope-4010-isa11-u.x12', ['016'], ['TA1*000009102*250115*1030*E*016', 'IK5*A', 'AK9*E*1*1*1']],
    ['envelope-4010-unpadded.x12', ['006', '008'], ['TA1*000009301*250115*1030*E*006']],
    ['envelope-4010-st03-missing.x12', ['1'], ['IK3*ST*1**8', 'IK4*3*1705*1', 'IK5*E', 'AK9*E*1*1*1']],
    ['envelope-4010-all.x12', ['006', '017', '016', '1'], ['TA1*000009103*250115*1030*E*006', 'IK3*ST*1**8', 'IK4*3*1705*1', 'IK5*E', 'AK9*E*1*1*1']],
  ];

  it.each(cases)('%s is refused by default', (name, codes) => {
    const v = validateX12(x12File(name).text);
    expect(v.accepted).toBe(false);
    expect(v.errors.map((e) => e.code)).toEqual(codes);
    expect(v.errors.every((e) => e.severity === 'error' && e.deviation)).toBe(true);
  });

  it.each(cases)('%s is accepted with warnings when its deviations are named', (name, codes, ack) => {
    const v = validateX12(x12File(name).text, { lenient: DEVIATION_NAMES });
    expect(v.accepted, JSON.stringify(v.errors)).toBe(true);
    expect(v.errors.map((e) => [e.code, e.severity])).toEqual(codes.map((c) => [c, 'warning']));
    expect(ackSegments(v.ack)).toEqual(ack);
  });

  it('naming one deviation accepts only that one', () => {
    const v = validateX12(x12File('envelope-4010-version.x12').text, { lenient: ['isa12-version-00401'] });
    expect(v.accepted).toBe(false);
    expect(v.errors.map((e) => [e.code, e.severity])).toEqual([['017', 'warning'], ['016', 'error']]);
    expect(v.ack).toContain('*R*016~');
  });
});
