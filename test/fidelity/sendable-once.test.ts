/**
 * The 278 of a `$submit` is read by our own reader once, not twice: `assertCarriable` reads the
 * translation, and `envelope` skips the whole-interchange check (`assertSendable`) only when what it
 * wrote is, character for character, a body that read clean there, inside an envelope of a shape
 * already read whole and clean. Anything else — a body changed after its check, one never checked,
 * one with a warning, a new envelope shape, one fitted to the payer — is read whole as before, and
 * what the payer would reject still never leaves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envelope, type Party } from '../../src/payers/x12-io.ts';
import { assertCarriable, pasRequestTo278, sendableAsChecked, TranslateError, type EnvelopeShape } from '../../src/translate/index.ts';
import type { Segment } from '../../src/x12/types.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const bundle = () => JSON.parse(readFileSync(`${PAS_EXAMPLES}/Bundle-SurgicalRequestBundleExample.json`, 'utf8')) as never;
const translated = () => pasRequestTo278(bundle(), { now: NOW }).segments;

let isa = 400_000_000;
const from: Party = { qualifier: 'ZZ', id: 'PRIORGATE', application: 'PRIORGATE' };
const to: Party = { qualifier: 'ZZ', id: 'SENDONCE01', application: 'SENDONCE01' };

/** `body` enveloped for the payer, with fresh control numbers (no database: the numbers are given). */
function send(body: Segment[], opts: { from?: Party; to?: Party; characterSet?: 'basic' | 'extended' } = {}) {
  isa += 1;
  return envelope(undefined as never, {
    from: opts.from ?? from,
    to: opts.to ?? to,
    setId: '278',
    version: '005010X217',
    functionalId: 'HI',
    body,
    usage: 'T',
    now: NOW,
    ...(opts.characterSet ? { form: { characterSet: opts.characterSet } } : {}),
    numbers: { ISA: isa, ST: isa % 10_000 },
  });
}

const shapeOf = (p: { from?: Party; to?: Party } = {}): EnvelopeShape => ({ from: p.from ?? from, to: p.to ?? to, usage: 'T', version: '005010X217', functionalId: 'HI', setId: '278' });

/** Replaces element `n` (1-based) of the first `tag` segment, in place. */
function setElement(body: Segment[], tag: string, n: number, value: string): void {
  const seg = body.find((s) => s.tag === tag)!;
  (seg.elements as unknown[])[n - 1] = value;
}

describe('the pre-send check of a translated 278 reads it once', () => {
  it('skips the second reading only for the same text in an envelope of a shape read whole before', async () => {
    const body = translated();
    const first = await send(body);
    // The envelope shape is now known good; a second interchange of the same body is not read again.
    const second = await send(body);
    expect(second.isa13).not.toBe(first.isa13);
    expect(sendableAsChecked(body, second.text, shapeOf())).toBe(true);
    // Another body's text in the same envelope is not what was checked.
    const other = translated();
    setElement(other, 'BHT', 3, 'ANOTHERREF');
    expect(sendableAsChecked(body, second.text.replace(/BHT\*0007\*13\*[^*]*/, 'BHT*0007*13*ANOTHERREF'), shapeOf())).toBe(false);
  });

  it('reads a body changed after its check whole, and refuses what the payer would reject', async () => {
    const body = translated();
    await send(body);
    // UM01 (request category) with a code the element does not allow, written after the check.
    setElement(body, 'UM', 1, 'ZZZ');
    await expect(send(body)).rejects.toThrow(TranslateError);
    await expect(send(body)).rejects.toThrow(/would be rejected by the payer/);
  });

  it('reads a body never checked, or one that read with a warning, whole', async () => {
    const body = translated();
    await send(body);
    const copy = structuredClone(body);
    const out = await send(copy);
    expect(sendableAsChecked(copy, out.text, shapeOf())).toBe(false);
    const bad = structuredClone(body);
    setElement(bad, 'UM', 1, 'ZZZ');
    await expect(send(bad)).rejects.toThrow(TranslateError);
  });

  it('reads a new envelope shape whole: a sender id the ISA cannot carry is refused even after other shapes passed', async () => {
    const body = translated();
    await send(body);
    const longSender: Party = { qualifier: 'ZZ', id: 'SENDER-ID-TOO-LONG-FOR-ISA06', application: 'PRIORGATE' };
    await expect(send(body, { from: longSender })).rejects.toThrow();
    const fresh: Party = { qualifier: 'ZZ', id: 'NEWSENDER', application: 'NEWSENDER' };
    const out = await send(body, { from: fresh });
    // Read whole this once (the shape was new); known good afterwards.
    expect(sendableAsChecked(body, (await send(body, { from: fresh })).text, shapeOf({ from: fresh }))).toBe(true);
    expect(out.text).toContain('NEWSENDER');
  });

  it('reads a body fitted to the payer whole: its text is no longer what was checked', async () => {
    const body = translated();
    setElement(body, 'BHT', 3, 'RÉF-1');
    assertCarriable('278', body, 'Bundle');
    await send(body, { characterSet: 'basic' });
    const fitted = await send(body, { characterSet: 'basic' });
    expect(fitted.fitted.length).toBeGreaterThan(0);
    expect(sendableAsChecked(body, fitted.text, shapeOf())).toBe(false);
  });
});
