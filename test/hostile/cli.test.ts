/**
 * Hostile files given to the command line: mutated X12 samples, mutated FHIR Bundles (unpaired
 * surrogates, NUL, deep and wide, wrapped), bytes that are not UTF-8, empty and enormous lines,
 * mutated rule files. Every command answers with an exit code scripts can trust (0, 1 or 2), a
 * message when it refuses, never a stack trace; `validate` writes an acknowledgment that passes our
 * own validator, or an OperationOutcome.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { preloadPasDefinitions } from '../../src/fhir/validate/index.ts';
import { captureIo } from '../helpers/cli-io.ts';
import { pasExample } from '../helpers/gateway.ts';
import { ackProblems, applyMutation, jsonMutation, mutateX12, runs, SEED, x12Mutation, X12_FILES } from './kit.ts';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pg-hostile-cli-'));
  preloadPasDefinitions();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: string | Buffer): string {
  const f = path.join(dir, `input-${++n}`);
  writeFileSync(f, content);
  return f;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIo({ env: { PRIORGATE_DATA_DIR: path.join(dir, 'data') } });
  const code = await main(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

const STACK = /\n\s+at .+:\d+/;
const BUNDLE = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A', 'cli-hostile');

/** Bytes that are no UTF-8 (a lone surrogate's WTF-8 form, stray continuation bytes, NUL, a BOM). */
const notUtf8 = fc.constantFrom(Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x80, 0xbf]), Buffer.from([0x00]), Buffer.from([0xff, 0xfe]), Buffer.from([0xef, 0xbb, 0xbf]));

const inputs = fc.oneof(
  x12Mutation.chain((m) => fc.constantFrom(...X12_FILES).map((f) => ({ kind: 'x12', content: mutateX12(f.text, m) as string | Buffer }))),
  jsonMutation(BUNDLE).map((m) => ({ kind: 'fhir', content: JSON.stringify(applyMutation(BUNDLE, m)) as string | Buffer })),
  fc.tuple(fc.constantFrom(...X12_FILES), notUtf8, fc.nat()).map(([f, bytes, at]) => {
    const b = Buffer.from(f.text);
    const i = at % b.length;
    return { kind: 'bytes', content: Buffer.concat([b.subarray(0, i), bytes, b.subarray(i)]) as string | Buffer };
  }),
  fc.constantFrom<{ kind: string; content: string | Buffer }>(
    { kind: 'empty', content: '' },
    { kind: 'blank', content: '\n\n\r\n   \n' },
    { kind: 'long line', content: 'ISA*'.padEnd(300_000, 'x') },
    { kind: 'not json', content: '{"resourceType":"Bundle",' },
    { kind: 'deep', content: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  ),
);

describe('hostile files on the command line', () => {
  it('validate, translate, x12 pretty, rules explain: exit 0, 1 or 2, a message when refused, never a stack trace; X12 answered with a valid acknowledgment', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (input) => {
        const f = file(input.content);
        for (const args of [['validate', f], ['validate', f, '--summary'], ['translate', f], ['x12', 'pretty', f], ['rules', 'explain', f, '--payer', 'demo-payer']]) {
          const r = await cli(args);
          const what = `${input.kind} ${args.join(' ')} → ${r.code}\n${r.stderr.slice(0, 300)}\n${r.stdout.slice(0, 300)}`;
          expect([0, 1, 2], what).toContain(r.code);
          expect(r.stdout + r.stderr, what).not.toMatch(STACK);
          if (r.code !== 0) expect((r.stderr + r.stdout).trim().length, what).toBeGreaterThan(0);
          if (args[0] === 'validate' && args.length === 2 && r.stdout.startsWith('ISA')) expect(ackProblems(r.stdout), what).toEqual([]);
          if (args[0] === 'validate' && args.length === 2 && r.stdout.startsWith('{')) expect(JSON.parse(r.stdout).resourceType, what).toBe('OperationOutcome');
        }
      }),
      { numRuns: runs(25), seed: SEED },
    );
  });

  it('validate on a FHIR Bundle with an unpaired surrogate or a NUL names the element (exit 1)', async () => {
    const b = structuredClone(BUNDLE);
    b.entry[0].resource.identifier[0].value = 'X\ud800';
    b.entry[1].resource.name = 'Clinic\u0000';
    const r = await cli(['validate', file(JSON.stringify(b))]);
    expect(r.code).toBe(1);
    const outcome = JSON.parse(r.stdout);
    expect(outcome.issue.map((i: { expression: string[] }) => i.expression[0]).sort()).toEqual(['Bundle.entry[0].resource.identifier[0].value', 'Bundle.entry[1].resource.name']);
  });

  it('rules check on a mutated rule file: exit 0 or 1, each problem as file:line: message', async () => {
    const rules = path.join(dir, 'rules');
    cpSync(path.resolve('rules'), rules, { recursive: true });
    const original = readFileSync(path.join(rules, 'prior-auth/demo-payer.yaml'), 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom('\u0000', ':', '- ', '  ', '{', '"', '\ud800', '\t', '&a', '*a', '!!js/function', '\n'), async (at, insert) => {
        const i = at % original.length;
        writeFileSync(path.join(rules, 'prior-auth/demo-payer.yaml'), original.slice(0, i) + insert + original.slice(i));
        const r = await cli(['rules', 'check', rules]);
        const what = `${JSON.stringify(insert)} at ${i} → ${r.code} ${r.stderr.slice(0, 300)} ${r.stdout.slice(0, 300)}`;
        expect([0, 1], what).toContain(r.code);
        expect(r.stdout + r.stderr, what).not.toMatch(STACK);
        if (r.code === 1) expect(r.stdout + r.stderr, what).toMatch(/demo-payer\.yaml:\d+:/);
      }),
      { numRuns: runs(30), seed: SEED },
    );
  });

  it('client add with a hostile JWKS file: exit 2 with a message, nothing registered', async () => {
    for (const content of ['', '{', '{"keys":[{"kty":"EC","d":"secret","kid":"k"}]}', '{"keys":"\u0000"}', `${'['.repeat(10_000)}`]) {
      const r = await cli(['client', 'add', '--id', 'x', '--org', 'o', '--jwks', file(content)]);
      expect(r.code, `${JSON.stringify(content.slice(0, 40))} → ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^priorgate client add: /);
      expect(r.stderr).not.toMatch(STACK);
    }
  });
});
