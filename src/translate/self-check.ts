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
import { InMemoryControlNumbers, parseX12, writeX12, x12Verdict, type Segment, type X12Issue } from '../x12/index.ts';
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
  const bad = parseX12(text).errors.find((e) => e.level === 'element' && e.severity === 'error');
  if (bad) throw new TranslateError('unprocessable', `the ${setId} cannot carry this request: at ${where(bad)} ${PROBLEM[bad.code] ?? `X12 element error ${bad.code}`}`, expression);
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
export function assertSendable(text: string, expression: string): void {
  const v = x12Verdict(text);
  if (v.accepted) return;
  const bad = v.errors.find((e) => e.severity === 'error');
  const what = bad ? `${bad.level} error ${bad.code}${bad.segmentId ? ` at ${where(bad)}` : ''}` : 'it is not acknowledged as accepted';
  throw new TranslateError('unprocessable', `the interchange would be rejected by the payer: ${what}`, expression);
}
