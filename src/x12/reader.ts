/**
 * Public reading API: `parseX12` for text in memory, `parseX12Stream` for files of any size
 * (a Readable or any async iterable of string/Buffer chunks), and `x12Transactions` as an async
 * generator. None of them throws on bad X12: problems come back as issues with positions.
 */
import { StringDecoder } from 'node:string_decoder';
import type { RetainMode } from './loop-builder.ts';
import type { FunctionalGroup, Interchange, Loop, ParseResult, TransactionSet, X12Issue } from './model.ts';
import { ReaderCore, type LoopContext, type ReaderEvents } from './reader-core.ts';

export type { LoopContext } from './reader-core.ts';

export interface ParseOptions {
  /** Element-level validation (IK4 problems in `errors`); default true. */
  validate?: boolean;
  /** Named envelope deviations (leniency.ts) reported as warnings instead of errors. */
  lenient?: readonly string[];
}

/**
 * Reads a whole X12 text. Transactions keep their flat segments (ST..SE inclusive) and their loop
 * tree (HEADER, detail loops, TRAILER).
 */
export function parseX12(text: string, opts: ParseOptions = {}): ParseResult {
  try {
    const core = new ReaderCore({}, { retain: 'transaction', validate: opts.validate ?? true, lenient: opts.lenient });
    core.feed(text);
    return core.end();
  } catch (err) {
    return internalError(err);
  }
}

export type StreamInput = AsyncIterable<string | Uint8Array> | NodeJS.ReadableStream;

type MaybeAsync = void | Promise<void>;

export interface StreamHandlers {
  onInterchange?(ic: Interchange, phase: 'start' | 'end'): MaybeAsync;
  onGroup?(group: FunctionalGroup, ic: Interchange, phase: 'start' | 'end'): MaybeAsync;
  /** A completed transaction set; in 'loops' and 'none' modes its `segments` and `loops` are empty. */
  onTransaction?(tx: TransactionSet, group: FunctionalGroup, ic: Interchange): MaybeAsync;
  /**
   * 'loops' mode: each completed unit loop (an HL level such as one 2000C subscriber with its
   * 2100C/2110C children, or the HEADER / TRAILER pseudo-loops) as soon as it closes. Emitted loops
   * are detached from their parents, so memory stays bounded by one unit.
   */
  onLoop?(loop: Loop, ctx: LoopContext): MaybeAsync;
  onIssue?(issue: X12Issue): MaybeAsync;
}

export interface StreamOptions {
  /** Default: 'loops' when `onLoop` is given, else 'transaction'. */
  mode?: RetainMode;
  validate?: boolean;
  /** Byte decoding for Buffer chunks; default utf8. */
  encoding?: BufferEncoding;
  /** Named envelope deviations accepted as warnings (a partner's leniency), as for parseX12. */
  lenient?: readonly string[];
}

/**
 * Reads X12 from a stream without holding it in memory (beyond what `mode` retains). Handler
 * promises are awaited before the next chunk is read, which gives back-pressure. Rejects only on
 * input stream errors or handler errors, never on bad X12.
 */
export async function parseX12Stream(
  input: StreamInput,
  handlers: StreamHandlers | ((tx: TransactionSet, group: FunctionalGroup, ic: Interchange) => MaybeAsync),
  opts: StreamOptions = {},
): Promise<ParseResult> {
  const h: StreamHandlers = typeof handlers === 'function' ? { onTransaction: handlers } : handlers;
  const mode = opts.mode ?? (h.onLoop ? 'loops' : 'transaction');
  const pending: Promise<void>[] = [];
  const track = (r: MaybeAsync) => {
    if (r && typeof (r as Promise<void>).then === 'function') pending.push(r as Promise<void>);
  };
  const events: ReaderEvents = {
    interchange: h.onInterchange && ((ic, phase) => track(h.onInterchange!(ic, phase))),
    group: h.onGroup && ((g, ic, phase) => track(h.onGroup!(g, ic, phase))),
    transaction: h.onTransaction && ((tx, g, ic) => track(h.onTransaction!(tx, g, ic))),
    loop: h.onLoop && ((loop, ctx) => track(h.onLoop!(loop, ctx))),
    issue: h.onIssue && ((issue) => track(h.onIssue!(issue))),
  };
  const core = new ReaderCore(events, { retain: mode, validate: opts.validate ?? true, lenient: opts.lenient });
  const decoder = new StringDecoder(opts.encoding ?? 'utf8');
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    core.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    if (pending.length > 0) await Promise.all(pending.splice(0));
  }
  core.feed(decoder.end());
  const result = core.end();
  await Promise.all(pending.splice(0));
  return result;
}

/**
 * Async generator over complete transaction sets (full segments and loops).
 *
 * @example
 * for await (const { tx } of x12Transactions(createReadStream('batch.x12'))) handle(tx.setId);
 */
export async function* x12Transactions(
  input: StreamInput,
  opts: Omit<StreamOptions, 'mode'> = {},
): AsyncGenerator<{ tx: TransactionSet; group: FunctionalGroup; interchange: Interchange }> {
  const ready: { tx: TransactionSet; group: FunctionalGroup; interchange: Interchange }[] = [];
  const core = new ReaderCore(
    { transaction: (tx, group, interchange) => void ready.push({ tx, group, interchange }) },
    { retain: 'transaction', validate: opts.validate ?? true },
  );
  const decoder = new StringDecoder(opts.encoding ?? 'utf8');
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    core.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    while (ready.length > 0) yield ready.shift()!;
  }
  core.feed(decoder.end());
  core.end();
  while (ready.length > 0) yield ready.shift()!;
}

function internalError(err: unknown): ParseResult {
  const message = `internal error while reading X12: ${err instanceof Error ? err.message : String(err)}`;
  return { interchanges: [], errors: [{ level: 'interchange', code: '024', severity: 'error', message }], segmentCount: 0, isX12: true };
}
