/**
 * The last gate before a translated body may leave: every value must be one X12 can carry in its
 * element (length, characters, code list, date format). The body is enveloped with throwaway
 * control numbers and read by our own reader with its element checks; an element-level problem
 * refuses the request (TranslateError, a 422 at `$submit`) instead of sending a 278/270 the payer
 * would reject with a 999 hours later. Structure (loops, HL) is the mapping's job and is tested there.
 *
 * The refusal names the X12 element and the kind of problem, never the value (the validator's own
 * messages may quote values, which can be PHI).
 */
import { InMemoryControlNumbers, isClean, parseX12, writeX12, x12Verdict, type Segment, type X12Issue } from '../x12/index.ts';
import { TranslateError } from './errors.ts';

/** IK403 element syntax error codes (X231A1), in words. */
const PROBLEM: Record<string, string> = {
  '1': 'a required value is missing',
  '2': 'a conditionally required value is missing',
  '3': 'there are too many values',
  '4': 'the value is too short',
  '5': 'the value is too long',
  '6': 'the value has characters X12 does not allow there',
  '7': 'the value is not a valid code there',
  '8': 'the value is not a valid date',
  '9': 'the value is not a valid time',
  '10': 'values that exclude each other are both present',
  '12': 'the value repeats too often',
  '13': 'the value has too many components',
  I10: 'the implementation guide does not use this element',
};

const GUIDES = {
  '278': { functionalId: 'HI', version: '005010X217' },
  '270': { functionalId: 'HS', version: '005010X279A1' },
  '275': { functionalId: 'PI', version: '005010X210' },
} as const;
const CHECK_DATE = new Date(Date.UTC(2000, 0, 1));

/**
 * Throws when a value of `segments` (a transaction body, BHT … before SE) breaks its element's rules.
 * @example assertCarriable('278', pasRequestTo278(bundle, { now }).segments, 'Bundle')
 */
export function assertCarriable(setId: keyof typeof GUIDES, segments: Segment[], expression: string): void {
  const { functionalId, version } = GUIDES[setId];
  const text = writeX12(
    {
      sender: { qualifier: 'ZZ', id: 'CHECK' },
      receiver: { qualifier: 'ZZ', id: 'CHECK' },
      usage: 'T',
      groups: [{ functionalId, applicationSender: 'CHECK', applicationReceiver: 'CHECK', version, transactions: [{ setId, segments }] }],
    },
    { controlNumbers: new InMemoryControlNumbers(), now: CHECK_DATE },
  );
  // The reader's own issues: element problems need no acknowledgment to be found.
  const parsed = parseX12(text);
  const bad = parsed.errors.find((e) => e.level === 'element' && e.severity === 'error');
  if (bad) throw new TranslateError('unprocessable', `the ${setId} cannot carry this request: at ${where(bad)} ${PROBLEM[bad.code] ?? `X12 element error ${bad.code}`}`, expression);
  const body = isClean(parsed) ? transactionText(text) : undefined;
  if (body !== undefined) cleanBodies.set(segments, { version, body });
}

/**
 * Bodies that read with no issue at all (not even a warning) in an envelope of their guide's
 * version: the version, and the text they were read as. Such a body needs no second reading when it
 * is enveloped for the payer as the same text (`sendableAsChecked`): only the envelope is new there.
 */
const cleanBodies = new WeakMap<Segment[], { version: string; body: string }>();

/**
 * The segments between ST and SE of a one-transaction interchange written with the default
 * delimiters (`~` ends a segment and occurs in no value), as written; undefined for anything else.
 */
function transactionText(text: string): string | undefined {
  const st = text.indexOf('~ST*');
  const start = st < 0 ? -1 : text.indexOf('~', st + 1) + 1;
  const end = text.lastIndexOf('~SE*');
  return start > 0 && end >= start && text.indexOf('~ST*', st + 1) < 0 ? text.slice(start, end + 1) : undefined;
}

/** Envelopes (parties, usage, version) already seen whole and clean around a body (`assertSendable`). */
const cleanEnvelopes = new Set<string>();

/** Where the envelope's own values come from (control numbers and dates are the writer's). */
export interface EnvelopeShape {
  from: { qualifier: string; id: string; application: string };
  to: { qualifier: string; id: string; application: string };
  usage: string;
  version: string;
  functionalId: string;
  setId: string;
}

const shapeKey = (e: EnvelopeShape) => JSON.stringify([e.from.qualifier, e.from.id, e.from.application, e.to.qualifier, e.to.id, e.to.application, e.usage, e.version, e.functionalId, e.setId]);

/**
 * True when `text` (`body` enveloped as `shape`, with the default delimiters) is known to pass
 * `assertSendable` without reading it again: its transaction is, character for character, a body
 * that read clean in `assertCarriable` under the same guide version, and an envelope of this shape
 * has been read whole and clean before. What else differs between such interchanges is only what
 * the writer makes (control numbers, dates, counts), never a value from a request or a configuration.
 */
export function sendableAsChecked(body: Segment[], text: string, shape: EnvelopeShape): boolean {
  const checked = cleanBodies.get(body);
  return checked !== undefined && checked.version === shape.version && cleanEnvelopes.has(shapeKey(shape)) && transactionText(text) === checked.body;
}

function where(i: X12Issue): string {
  const element = i.elementPosition !== undefined ? String(i.elementPosition).padStart(2, '0') : '';
  return `${i.segmentId ?? ''}${element}${i.componentPosition ? `-${i.componentPosition}` : ''}${i.loopId ? ` (loop ${i.loopId})` : ''}`;
}

/**
 * The pre-send check of a whole outbound interchange, exactly as it will leave: the same validator,
 * and the same verdict, as `priorgate validate` and `POST /payer/x12` (`x12Verdict`: clean X12 is
 * accepted without writing its 999; anything else is judged by the acknowledgment).
 * Throws when the payer would reject it; the message names positions and codes, never values.
 * @example assertSendable(envelopeText, 'Bundle.entry[0].resource')
 */
export function assertSendable(text: string, expression: string, shape?: EnvelopeShape): void {
  const v = x12Verdict(text);
  if (v.accepted) {
    // Accepted with no issue at all (x12Verdict's clean path): this envelope is known good.
    if (shape && v.clean) cleanEnvelopes.add(shapeKey(shape));
    return;
  }
  const bad = v.errors.find((e) => e.severity === 'error');
  const what = bad ? `${bad.level} error ${bad.code}${bad.segmentId ? ` at ${where(bad)}` : ''}` : 'it is not acknowledged as accepted';
  throw new TranslateError('unprocessable', `the interchange would be rejected by the payer: ${what}`, expression);
}
