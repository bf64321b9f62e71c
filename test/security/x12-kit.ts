/**
 * X12 injection kit: delimiter-laden payloads, every string leaf of a FHIR resource, and the PAS →
 * 278 / eligibility → 270 pipelines exactly as the gateway runs them (validation gate, translation,
 * envelope by our writer), so tests can read the result back with our reader and validator.
 */
import { hasErrors, validatePasRequestBundle } from '../../src/fhir/validate/index.ts';
import { inquiryTo270, pasRequestTo278, readEligibilityRequest, traceOriginator, TranslateError } from '../../src/translate/index.ts';
import { InMemoryControlNumbers, parseX12, validateX12, writeX12, type Segment } from '../../src/x12/index.ts';

export const NOW = new Date('2026-03-01T12:00:00Z');

/**
 * Text that would end a segment, open a new interchange or close the transaction if a writer copied
 * it verbatim: every default and alternative delimiter, CR/LF, and segment ids at their starts.
 */
export const INJECTIONS = [
  "~ISA*00*          *00*          *ZZ*EVIL~GS*HI*EVIL~ST*278*0002~",
  '*X*Y:Z^R~SE*3*0001~GE*1*1~IEA*1*000000001~',
  "O'Brien|Smith>Jr\r\nSE*2*0001~\nIEA*1*1~",
  '~',
];

/**
 * What every string leaf gets appended (a leaf sweep runs the whole pipeline per leaf, so it takes
 * two): every delimiter, CR/LF and segment starts in one short tail, and the same after 300 characters.
 */
export const LEAF_POISON = ["~*:^|>'\r\nISA*SE*~IEA*", `${INJECTIONS[0]}${'L'.repeat(300)}`];

/** Every candidate delimiter of the writer at once: it must fall back and replace, not break. */
export const ALL_PUNCTUATION = "~*:^|>\\{}!`@$%;\"[]<=?+_#&'()/,.-";

export type Path = (string | number)[];

/** The path of every string value in `o` (keys in document order). */
export function stringLeaves(o: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (typeof o === 'string') out.push(path);
  else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) stringLeaves(v, [...path, Array.isArray(o) ? Number(k) : k], out);
  return out;
}

export function withValue<T>(o: T, path: Path, change: (old: string) => string): T {
  const copy = structuredClone(o) as Record<string | number, unknown>;
  let at = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  at[last] = change(at[last] as string);
  return copy as T;
}

export type PipelineResult =
  | { kind: 'refused'; by: 'validation' | 'translation'; expression?: string }
  | { kind: 'written'; segments: Segment[]; text: string };

function envelope(setId: '278' | '270', segments: Segment[]): string {
  const version = setId === '278' ? '005010X217' : '005010X279A1';
  return writeX12(
    {
      sender: { qualifier: 'ZZ', id: 'PRIORGATE' },
      receiver: { qualifier: 'ZZ', id: 'DEMOPAYER' },
      usage: 'T',
      groups: [{ functionalId: setId === '278' ? 'HI' : 'HS', applicationSender: 'PRIORGATE', applicationReceiver: 'DEMOPAYER', version, transactions: [{ setId, segments }] }],
    },
    { controlNumbers: new InMemoryControlNumbers(), now: NOW },
  );
}

/** `$submit`'s path: PAS validation, then the 278 translation (TranslateError is a 422), then the writer. */
export function pasTo278Text(bundle: unknown): PipelineResult {
  if (hasErrors(validatePasRequestBundle(bundle as never))) return { kind: 'refused', by: 'validation' };
  try {
    const { segments } = pasRequestTo278(bundle as never, { now: NOW });
    return { kind: 'written', segments, text: envelope('278', segments) };
  } catch (e) {
    if (e instanceof TranslateError) return { kind: 'refused', by: 'translation', expression: e.expression };
    throw e;
  }
}

/** `CoverageEligibilityRequest/$submit`'s path: read the request (issues are a 400), then the 270. */
export function eligibilityTo270Text(bundle: unknown): PipelineResult {
  const read = readEligibilityRequest(bundle);
  if (!read.inquiry) return { kind: 'refused', by: 'validation', expression: read.issues[0]?.expression?.[0] };
  const { segments } = inquiryTo270(read.inquiry, { now: NOW, trace: 'T0001', originator: traceOriginator('PRIORGATE') });
  return { kind: 'written', segments, text: envelope('270', segments) };
}

/** What the reader makes of written X12: envelope counts, the one transaction's segment ids, the 999 verdict. */
export function readBack(text: string) {
  const parsed = parseX12(text);
  const interchanges = parsed.interchanges;
  const groups = interchanges.flatMap((i) => i.groups);
  const transactions = groups.flatMap((g) => g.transactions);
  const check = validateX12(text);
  return {
    interchanges: interchanges.length,
    groups: groups.length,
    transactions: transactions.length,
    tags: transactions[0]?.segments.map((s) => s.tag) ?? [],
    accepted: check.accepted,
    errors: check.errors.map((e) => e.message),
  };
}
