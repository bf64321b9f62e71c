/**
 * Hostile X12: delimiter, envelope, byte and segment mutations of the real samples in
 * corpus/x12-samples. The validator never throws and always answers an interchange that starts with
 * ISA; every acknowledgment it writes passes its own validator, stays in the X12 character sets and
 * has consistent counts. `POST /payer/x12` never answers 5xx, answers the same TA1/999 as
 * `priorgate validate` (up to its own envelope numbers and date) and numbers acknowledgments from
 * the control-number sequence. Plus the regressions of issue 18 items 3 and 4.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as validateCommand } from '../../src/cli/commands/validate.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { parseX12, validateX12, validateX12Stream } from '../../src/x12/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';
import { ackContent, ackProblems, mutateX12, raw, SAMPLE_278, SEED, x12Mutation, X12_FILES, runs } from './kit.ts';

const mutated = fc.record({ file: fc.constantFrom(...X12_FILES), mutations: fc.array(x12Mutation, { minLength: 1, maxLength: 3 }) }).map(({ file, mutations }) => ({
  name: file.name,
  mutations,
  text: mutations.reduce((t, m) => mutateX12(t, m), file.text),
}));

async function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const ackBody = (text: string) => ackContent(validateX12(text).ack);

describe('the validator over mutated real samples', () => {
  it('never throws; answers every interchange that starts with ISA; every acknowledgment passes our own validator, in the X12 character sets, with consistent counts', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (m) => {
        const v = validateX12(m.text);
        const what = `${m.name} ${JSON.stringify(m.mutations)} → ${JSON.stringify(v.ack)}`;
        if (!v.isX12) return;
        expect(v.ack, what).not.toBe('');
        expect(ackProblems(v.ack), what).toEqual([]);
        // The streaming validator (what `priorgate validate` runs) gives the same answer, however the input is cut.
        const s = await validateX12Stream(chunks(m.text, 7 + (m.text.length % 50)));
        expect(ackContent(s.ack), what).toEqual(ackContent(v.ack));
        expect(s.accepted).toBe(v.accepted);
      }),
      { numRuns: runs(400), seed: SEED },
    );
  });
});

describe('regressions (issue 18 item 4): acknowledgments a partner will validate', () => {
  const t278 = SAMPLE_278.text;

  it('GE01 = 2 for one set: the group is rejected with consistent counts (AK904 0, no IK5*A under it)', () => {
    const ack = ackBody(t278.replace('GE*1*1~', 'GE*2*1~'));
    expect(ack).toEqual(['AK1*HI*1*005010X217', 'AK9*R*2*1*0*5']);
    expect(ackProblems(validateX12(t278.replace('GE*1*1~', 'GE*2*1~')).ack)).toEqual([]);
  });

  it('an ST01 that is no identifier is not copied into AK201: the set the group carries names it', () => {
    const ack = ackBody(t278.replace('ST*278*', 'ST*78*'));
    expect(ack[1]).toBe('AK2*278*000000001*005010X217');
    expect(ack.find((s) => s.startsWith('IK5'))).toMatch(/^IK5\*R\*/);
  });

  it('a segment id that is none (?) is not copied into IK301; the set is still rejected', () => {
    const text = t278.replace('~HL*2*1*21*1~', '~?*X~HL*2*1*21*1~');
    const ack = ackBody(text);
    expect(ack.some((s) => s.startsWith('IK3*?'))).toBe(false);
    expect(ack.find((s) => s.startsWith('IK5'))).toMatch(/^IK5\*R(\*\d+)*\*5$/);
    expect(ackProblems(validateX12(text).ack)).toEqual([]);
  });

  it('bytes outside the X12 character sets are never echoed (IK404 left out), and the sender id is not copied when it is not ASCII', () => {
    const text = t278.replace('*DMG*D8*10010101*F', '*DMG*D8*1001é101*F').replace('EMEDNYREL      ', 'EMEDNYRE\u0085      ');
    const { ack } = validateX12(text);
    expect(ack).toMatch(/^ISA/);
    expect(ackProblems(ack)).toEqual([]);
  });

  it('an ISA too broken to read (space separators, no ISA16, terminator = separator) is answered with a TA1 naming it, not an empty answer', () => {
    const cases = {
      spaces: t278.split('*').join(' '),
      'no ISA16': t278.slice(0, 104) + t278.slice(105),
      'terminator = separator': t278.slice(0, 105) + '*' + t278.slice(106),
    };
    for (const [label, text] of Object.entries(cases)) {
      const v = validateX12(text);
      expect(v.accepted, label).toBe(false);
      expect(v.ackKind, label).toBe('TA1');
      const ta1 = parseX12(v.ack).interchanges[0]!.ta1[0]!.elements as string[];
      expect(ta1[0], label).toBe('000000001');
      expect(ta1[3], label).toBe('R');
      expect(['026', '027', '004', '023'], label).toContain(ta1[4]);
      expect(ackProblems(v.ack), label).toEqual([]);
    }
  });
});

describe('POST /payer/x12 under mutated interchanges', () => {
  let gw: TestGateway;
  let auth: string;
  const seenIsa13 = new Set<string>();

  beforeAll(async () => {
    gw = await testGateway();
    auth = basicAuth('demo-payer', (await issuePayerSecret(gw.database.db, 'demo-payer'))!);
  });
  afterAll(() => gw?.stop());

  const post = (body: string) => raw(`${gw.url}/payer/x12`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/edi-x12' }, body });

  it('never a 5xx; the same TA1/999 as priorgate validate; acknowledgments valid and numbered from the sequence', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutated, async (m) => {
        // A fresh ISA13 per delivery, so a run is never a duplicate of an earlier one (unless the mutation makes it so).
        const text = m.text.startsWith('ISA') && m.text.length > 100 ? m.text.slice(0, 90) + String(500_000 + ++n).padStart(9, '0') + m.text.slice(99) : m.text;
        const r = await post(text);
        const what = `${m.name} ${JSON.stringify(m.mutations)} → ${r.status} ${r.text.slice(0, 400)}`;
        expect(r.status, what).toBeLessThan(500);
        const cli = await runCommand(validateCommand, ['-'], { stdin: text });
        if (r.status === 400) {
          // Not X12 at all: the CLI says so too (exit 2).
          expect(cli.code, what).toBe(2);
          return;
        }
        expect(r.status, what).toBe(200);
        expect(ackProblems(r.text), what).toEqual([]);
        if (!r.text.includes('*025~')) expect(ackContent(r.text), what).toEqual(ackContent(cli.stdout));
        for (const ic of parseX12(r.text).interchanges) {
          expect(seenIsa13.has(ic.controlNumber), `ISA13 ${ic.controlNumber} used twice`).toBe(false);
          seenIsa13.add(ic.controlNumber);
        }
      }),
      { numRuns: runs(60), seed: SEED },
    );
    expect(seenIsa13.size).toBeGreaterThan(10);
    expect((await raw(`${gw.url}/healthz`)).status).toBe(200);
    expect(gw.logText()).not.toMatch(/"status":5\d\d/);
  });

  it('regression (issue 18 item 3): missing ISA16, a terminator equal to a separator, space separators: a TA1, not a 500', async () => {
    const t = SAMPLE_278.text;
    for (const text of [t.slice(0, 104) + t.slice(105), t.slice(0, 105) + '*' + t.slice(106), t.split('*').join(' ')]) {
      const r = await post(text);
      expect(r.status, r.text).toBe(200);
      expect(r.headers['content-type']).toContain('application/edi-x12');
      const ic = parseX12(r.text).interchanges[0]!;
      expect(ic.ta1[0]!.elements[3]).toBe('R');
      expect(ackProblems(r.text)).toEqual([]);
    }
  });

  it('regression (issue 18 item 4): acknowledgments use the control-number sequence, dated now', async () => {
    const a = parseX12((await post(SAMPLE_278.text.replace('*000000001*0*T*', '*000777001*0*T*').replace('IEA*1*000000001', 'IEA*1*000777001'))).text).interchanges[0]!;
    const b = parseX12((await post(SAMPLE_278.text.replace('*000000001*0*T*', '*000777002*0*T*').replace('IEA*1*000000001', 'IEA*1*000777002'))).text).interchanges[0]!;
    expect(Number(b.controlNumber)).toBeGreaterThan(Number(a.controlNumber));
    expect(a.date).not.toBe('110101');
  });

  it('a body that is not X12 is a 400 OperationOutcome; bad credentials (NUL in the payer id) a 401', async () => {
    const r = await post('{"resourceType":"Bundle"}');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).issue[0].diagnostics).toMatch(/not an X12 interchange/);
    const nul = await raw(`${gw.url}/payer/x12`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('demo\u0000payer:x').toString('base64')}` }, body: SAMPLE_278.text });
    expect(nul.status).toBe(401);
  });
});
