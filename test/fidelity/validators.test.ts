/**
 * One validator, one verdict (issue 14.6): `priorgate validate`, `POST /payer/x12` and the pre-send
 * check reach the same verdict on every public sample, every TR3-style file and damaged variants of
 * them, and the acknowledgment each writes says what its verdict says (the CLI's exit code, the
 * acknowledgment `POST /payer/x12` answers, whether the pre-send check lets it leave).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as validate } from '../../src/cli/commands/validate.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { assertSendable } from '../../src/translate/index.ts';
import { ackAccepts, parseX12 } from '../../src/x12/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';
import { allX12Files } from '../helpers/x12-files.ts';
import { SAMPLE_278 } from '../hostile/kit.ts';

let gw: TestGateway;
let secret: string;
const dir = mkdtempSync(path.join(tmpdir(), 'pg-validators-'));

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '600000' });
  secret = (await issuePayerSecret(gw.database.db, 'demo-payer'))!;
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The interchange with `next` as its control number (ISA13 and IEA02), so it is no duplicate of another. */
function withControlNumber(text: string, next: number): string {
  const isa13 = /^ISA(.)(?:[^\n]*?\1){12}(\d{9})/.exec(text)?.[2];
  return isa13 ? text.split(isa13).join(String(next).padStart(9, '0')) : text;
}

/** Each file, and damaged variants (each with its own ISA13, so no variant is a duplicate of another). */
function cases(): [string, string][] {
  const out: [string, string][] = [];
  let n = 700_000_000;
  const fresh = (text: string) => withControlNumber(text, ++n);
  for (const f of allX12Files()) {
    out.push([f.name, fresh(f.text)]);
    out.push([`${f.name} + junk after IEA`, `${fresh(f.text).trimEnd()}\nNM1*IL*1*STRAY~\n`]);
    out.push([`${f.name} with an SE01 off by one`, fresh(f.text).replace(/SE\*(\d+)\*/, (_m, c: string) => `SE*${Number(c) + 1}*`)]);
  }
  return out;
}

/**
 * An acknowledgment without what each path numbers and dates on its own (ISA09/10/13, GS04/05/06,
 * ST02, SE02, GE02, IEA02: the gateway's sequence and clock, the CLI's counter and the received
 * date): everything it says about the input must be the same.
 */
const OWN: Record<string, number[]> = { ISA: [9, 10, 13], IEA: [2], GS: [4, 5, 6], GE: [2], ST: [2], SE: [2] };
const flat = (ack: string) =>
  JSON.stringify(
    parseX12(ack, { validate: false }).interchanges.map((ic) => [
      ic.header.elements.map((e, i) => (OWN.ISA!.includes(i + 1) ? '' : e)),
      ic.ta1.map((t) => t.elements),
      ic.groups.map((g) => [g.functionalId, g.transactions.map((t) => t.segments.map((x) => [x.tag, ...x.elements.map((e, i) => (OWN[x.tag]?.includes(i + 1) ? '' : e))]))]),
    ]),
  );

describe('priorgate validate, POST /payer/x12 and the pre-send check agree', () => {
  const all = cases();

  it(`on every sample, TR3-style file and damaged variant (${all.length} inputs)`, async () => {
    const disagreements: string[] = [];
    for (const [name, text] of all) {
      const file = path.join(dir, 'in.x12');
      writeFileSync(file, text);
      const cli = await runCommand(validate as never, [file]);
      const post = await fetch(`${gw.url}/payer/x12`, { method: 'POST', body: text, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth('demo-payer', secret) } });
      const ack = await post.text();
      let presend = true;
      try {
        assertSendable(text, 'Bundle');
      } catch {
        presend = false;
      }
      const verdicts = { cli: cli.code === 0, ackOfCli: ackAccepts(cli.stdout), post: post.status === 200 && ackAccepts(ack), presend };
      const same = new Set(Object.values(verdicts)).size === 1 && flat(cli.stdout) === flat(ack);
      if (!same) disagreements.push(`${name}: ${JSON.stringify(verdicts)}${flat(cli.stdout) === flat(ack) ? '' : ' (different acknowledgments)'}`);
      expect([0, 1]).toContain(cli.code);
    }
    expect(disagreements).toEqual([]);
  }, 240_000);

  // Over 1 MB, POST /payer/x12 reads only the envelopes on its event loop and validates in its
  // worker thread: the verdict and the acknowledgment must still be the command line's.
  it('on interchanges over 1 MB (validated in the worker thread): its SE01 wrong, right, and a bad code in the last of some 13,000 loops', async () => {
    const t = SAMPLE_278.text;
    // The sample's one service-level loop (HL 5 under HL 4), repeated with HL ids of their own.
    const loop = t.slice(t.indexOf('HL*5*'), t.indexOf('SE*'));
    const n = Math.ceil(1_100_000 / loop.length);
    const loops = Array.from({ length: n }, (_, i) => loop.replace('HL*5*', `HL*${5 + i}*`));
    const body = (all: string[]) => {
      const text = t.replace(loop, all.join(''));
      const segments = text.slice(text.indexOf('ST*'), text.indexOf('SE*')).split('~').filter((x) => x.trim() !== '').length + 1;
      return { text, segments };
    };
    const right = body(loops);
    expect(right.text.length).toBeGreaterThan(1_000_000);
    const withCount = (b: { text: string; segments: number }, count: number) => b.text.replace(/SE\*\d+\*/, `SE*${count}*`);
    const badCode = body([...loops.slice(0, -1), loops.at(-1)!.replace('HCR*A1*', 'HCR*Q9*')]);
    const verdicts: Record<string, boolean> = {};
    const inputs = { 'SE01 wrong': withCount(right, right.segments + 1), 'SE01 right': withCount(right, right.segments), 'a bad code in the last loop': withCount(badCode, badCode.segments) };
    for (const [i, [name, text]] of Object.entries(inputs).entries()) {
      const fresh = withControlNumber(text, 800_000_000 + i);
      const file = path.join(dir, 'big.x12');
      writeFileSync(file, fresh);
      const cli = await runCommand(validate as never, [file]);
      const post = await fetch(`${gw.url}/payer/x12`, { method: 'POST', body: fresh, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth('demo-payer', secret) } });
      const ack = await post.text();
      expect(post.status, name).toBe(200);
      expect(ackAccepts(ack), name).toBe(cli.code === 0);
      expect(flat(ack), name).toBe(flat(cli.stdout));
      verdicts[name] = cli.code === 0;
    }
    expect(verdicts).toEqual({ 'SE01 wrong': false, 'SE01 right': true, 'a bad code in the last loop': false });
  }, 120_000);

  it('the acknowledgment of a rejected file says rejected wherever the rejection is (TA1 R, AK9 R, or a TA1 blaming no interchange)', async () => {
    for (const [name, text] of all.filter(([n]) => n.includes('junk') || n.includes('SE01'))) {
      const file = path.join(dir, 'bad.x12');
      writeFileSync(file, text);
      const cli = await runCommand(validate as never, [file]);
      expect(cli.code, name).toBe(1);
      expect(cli.stdout, name).toMatch(/TA1\*\d{9}\*\d{6}\*\d{4}\*R\*|AK9\*R\*|IK5\*R\*/);
    }
  });
});
