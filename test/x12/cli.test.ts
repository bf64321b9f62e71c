/**
 * `priorgate validate` and `priorgate x12 pretty`, run in-process with captured streams.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as validate } from '../../src/cli/commands/validate.ts';
import { run as x12 } from '../../src/cli/commands/x12.ts';
import { prettyX12, writeX12 } from '../../src/x12/index.ts';
import { interchangeOf, writeOptions } from './fixtures.ts';
import { req278With } from './helpers.ts';
import { captureIo } from '../helpers/cli-io.ts';

function io(stdin = '') {
  const c = captureIo({ stdin });
  return { ...c.io, out: c.stdout, err: c.stderr };
}

const dir = mkdtempSync(path.join(tmpdir(), 'x12-cli-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const good = file('good.x12', writeX12(interchangeOf('278 request'), writeOptions()));
const bad = file('bad.x12', req278With((l) => (l[9] = 'UM*HS*X*3')));

describe('priorgate validate', () => {
  it('accepted: writes the 999, one segment per line, exit 0', async () => {
    const t = io();
    expect(await validate([good], t)).toBe(0);
    expect(t.out()).toContain('\nAK9*A*1*1*1~\n');
    expect(t.out().split('\n')[0]).toHaveLength(106);
  });

  it('--summary on an accepted file', async () => {
    const t = io();
    expect(await validate([good, '--summary'], t)).toBe(0);
    expect(t.out()).toBe('accepted: 278 x1 (0 errors)\n');
  });

  it('--summary on a rejected file names the first error and where it is; exit 1', async () => {
    const t = io();
    expect(await validate(['--summary', bad], t)).toBe(1);
    expect(t.out()).toBe("rejected: 1 error, first: UM02 (Certification Type Code) value 'X' is not a valid code here [element code 7; UM at position 11, loop 2000E, element 2, segment #13 of the file]\n");
  });

  it('reads stdin with -', async () => {
    const t = io(writeX12(interchangeOf('270'), writeOptions()));
    expect(await validate(['-', '--summary'], t)).toBe(0);
    expect(t.out()).toBe('accepted: 270 x1 (0 errors)\n');
  });

  it('a TA1 for envelope errors', async () => {
    const t = io();
    expect(await validate([file('ta1.x12', req278With(() => {}, { iea: 'IEA*1*000000002~' }))], t)).toBe(1);
    expect(t.out()).toContain('TA1*000000001*250102*0304*R*001~');
  });

  it('exit 2 for a missing file, something that is not X12, or bad usage', async () => {
    for (const args of [[path.join(dir, 'nope.x12')], [file('text.txt', 'hello')], [], [good, 'extra'], ['--bogus']]) {
      const t = io();
      expect(await validate(args, t)).toBe(2);
      expect(t.err()).not.toBe('');
      expect(t.out()).toBe('');
    }
  });

  it('JSON goes to the FHIR hook when there is one', async () => {
    const t = { ...io(), validateFhir: async (text: string) => ({ accepted: text.includes('Bundle'), outcome: { resourceType: 'OperationOutcome' } }) };
    expect(await validate([file('b.json', '  {"resourceType":"Bundle"}')], t)).toBe(0);
    expect(JSON.parse(t.out())).toEqual({ resourceType: 'OperationOutcome' });
  });

  // Without a hook, JSON goes to the server's PAS validator: test/fhir/validate-cli.test.ts.
});

describe('priorgate x12 pretty', () => {
  it('prints one segment per line with loop ids, depth and names, exit 0', async () => {
    const t = io();
    expect(await x12(['pretty', good], t)).toBe(0);
    const lines = t.out().split('\n');
    expect(lines[2]).toBe('HEADER  ST*278*0001*005010X217');
    expect(lines).toContain(`${'2000A   HL*1**20*1'.padEnd(60)}  -- Utilization Management Organization (UMO) Level`);
    expect(lines.find((l) => l.startsWith('2010EA'))).toMatch(/^2010EA {10}NM1\*SJ\*1\*SMITH\*ANNA\*{4}XX\*1987654328\s+-- Patient Event Provider Name$/);
    expect(lines.find((l) => l.startsWith('TRAILER'))).toBe('TRAILER SE*28*0001');
    expect(t.out()).toBe(prettyX12(writeX12(interchangeOf('278 request'), writeOptions())));
  });

  it('keeps file order when a loop has segments after its children (999 IK5)', () => {
    const text = writeX12(interchangeOf('999'), writeOptions());
    const lines = prettyX12(text).split('\n').map((l) => l.trim().split(/\s+/)[1] ?? '');
    const tags = lines.map((l) => l.split('*')[0]);
    expect(tags.slice(tags.indexOf('AK1'))).toEqual(['AK1', 'AK2', 'IK3', 'IK4', 'IK5', 'AK2', 'IK5', 'AK9', 'SE', '', '', '']);
  });

  it('exit 2 for unreadable input and for bad usage', async () => {
    for (const args of [['pretty', path.join(dir, 'nope')], ['pretty', file('x.txt', 'not x12')], ['ugly', good], ['pretty']]) {
      const t = io();
      expect(await x12(args, t)).toBe(2);
      expect(t.err()).not.toBe('');
    }
  });
});
