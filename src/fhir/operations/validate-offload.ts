/**
 * PAS (and eligibility request) validation that never stalls the event loop. Validating costs time in proportion to the
 * Bundle (tens of microseconds per JSON value with the profile walker), all of it one synchronous
 * call: a 1,000-entry Bundle would hold every other request — `/healthz` included — for half a
 * second or more. Bodies up to INLINE_MAX_VALUES values (the IG examples hold 200–460) are
 * validated in place; larger ones in one worker thread, started on first need and stopped when
 * idle, that gets the body's text (a string copies cheaply; a parsed object would be cloned on this
 * thread). A job that runs over its time is refused (413) and the worker replaced.
 *
 * @example
 * const issues = await validation.validate('request', await readFhirBody(c, 'Bundle'));
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../../errors/index.ts';
import { validateEligibilityRequestBundle, validatePasInquiryBundle, validatePasRequestBundle, type ValidationIssue } from '../validate/index.ts';
import type { AppDeps } from '../../http/context.ts';
import type { FhirBody } from './read-body.ts';
import type { AckRanges } from '../../payers/ack-numbers.ts';

/** What the body is validated as: a PAS request or inquiry Bundle, or an eligibility request Bundle (base R4). */
export type PasBundleKind = 'request' | 'inquiry' | 'eligibility';

const VALIDATE: Record<PasBundleKind, (bundle: unknown) => ValidationIssue[]> = {
  request: validatePasRequestBundle,
  inquiry: validatePasInquiryBundle,
  eligibility: validateEligibilityRequestBundle,
};

/** Bodies with more JSON values than this are validated in the worker. */
export const INLINE_MAX_VALUES = 1_000;
const JOB_TIMEOUT_MS = 30_000;
const MAX_WAITING = 16;
const IDLE_MS = 60_000;

interface Job {
  resolve(result: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class ValidationOffload {
  private worker?: Worker;
  private readonly jobs = new Map<number, Job>();
  private seq = 0;
  private idle?: NodeJS.Timeout;

  constructor(private readonly opts: { inlineMaxValues?: number; timeoutMs?: number } = {}) {}

  async validate(kind: PasBundleKind, body: FhirBody): Promise<ValidationIssue[]> {
    if (body.values <= (this.opts.inlineMaxValues ?? INLINE_MAX_VALUES)) {
      return VALIDATE[kind](body.resource);
    }
    return this.run({ kind, text: body.text, parameterIndex: body.parameterIndex }, 'the Bundle is too costly to validate') as Promise<ValidationIssue[]>;
  }

  /**
   * A large X12 body (`/payer/x12`) parsed and validated in the worker: its acknowledgment, written
   * with the control numbers reserved for it (`ranges`), and whether it was accepted.
   */
  validateX12(text: string, opts: { seen: string[]; ranges: AckRanges; now: string; lenient: readonly string[] }): Promise<{ ack: string; accepted: boolean }> {
    return this.run({ kind: 'x12', text, ...opts }, 'the interchange is too costly to validate') as Promise<{ ack: string; accepted: boolean }>;
  }

  private run(message: Record<string, unknown>, tooCostly: string): Promise<unknown> {
    if (this.jobs.size >= MAX_WAITING) {
      throw new AppError('unavailable', 'too many large bodies are being validated; retry shortly', undefined, { 'Retry-After': '5' });
    }
    const worker = this.start();
    const id = ++this.seq;
    clearTimeout(this.idle);
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new AppError('too_large', tooCostly), id);
      }, this.opts.timeoutMs ?? JOB_TIMEOUT_MS);
      this.jobs.set(id, { resolve, reject, timer });
      worker.postMessage({ id, ...message });
    });
  }

  /** Stops the worker (pending validations fail). */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const w = this.worker;
    this.worker = undefined;
    for (const [id] of this.jobs) this.settle(id, undefined, new AppError('unavailable', 'the gateway is stopping'));
    await w?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./validate-worker.mjs', import.meta.url));
    // Never what keeps the process alive; idle, it is stopped (it holds the profile definitions).
    w.unref();
    w.on('message', (m: { id?: number; result?: unknown; failed?: string }) => {
      if (m.id === undefined) return;
      if (m.result !== undefined) this.settle(m.id, m.result);
      else this.settle(m.id, undefined, new AppError('unprocessable', 'the body could not be validated'));
    });
    w.on('error', () => this.fail(new AppError('unavailable', 'the validator stopped; retry', undefined, { 'Retry-After': '1' })));
    w.on('exit', () => {
      if (this.worker === w) this.fail(new AppError('unavailable', 'the validator stopped; retry', undefined, { 'Retry-After': '1' }));
    });
    this.worker = w;
    return w;
  }

  private settle(id: number, result?: unknown, error?: Error): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    clearTimeout(job.timer);
    if (result !== undefined) job.resolve(result);
    else job.reject(error!);
    if (this.jobs.size === 0 && this.worker) {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.stopIdle(), IDLE_MS);
      this.idle.unref();
    }
  }

  /** The worker is gone or stuck: every job in it fails (`only` first, with `error`), and it is replaced on next need. */
  private fail(error: Error, only?: number): void {
    const w = this.worker;
    this.worker = undefined;
    if (only !== undefined) this.settle(only, undefined, error);
    for (const [id] of this.jobs) this.settle(id, undefined, new AppError('unavailable', 'the validator was restarted; retry', undefined, { 'Retry-After': '1' }));
    void w?.terminate();
  }

  private async stopIdle(): Promise<void> {
    if (this.jobs.size > 0) return;
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

/** The app's offload, made on first need (its worker starts only for a large Bundle). */
export function validationOf(deps: AppDeps): ValidationOffload {
  return (deps.validation ??= new ValidationOffload());
}
