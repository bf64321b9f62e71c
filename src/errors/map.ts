/**
 * The one place an error becomes what a boundary answers with:
 *
 * - HTTP (`onError` in src/http/app.ts): `toHttpError` — the status, the OperationOutcome and the
 *   headers. An answer code shows its message (and expression, or its issues); a fault, or an error
 *   that is not ours, is a 500 whose only detail is the request id: its message may quote input
 *   (a failed query lists its parameters), so it goes to the log, never to the caller.
 * - The command line (`main` in src/cli/main.ts): `toExitCode` — the exit code and the message for
 *   stderr. The operator's own terminal on the gateway host is no client: every message is shown
 *   there, a foreign one too (a refused connection, a missing file), as it always was.
 * - X12: a payer's interchange (`POST /payer/x12`, `priorgate validate`) is acknowledged by the
 *   validator's 999 or TA1, built from its findings (x12/validate.ts, x12/ack.ts) — no error object
 *   decides an acknowledgment code. Errors around it (no credentials, a body that is not X12, the
 *   validator's worker refusing a body) are HTTP answers through `toHttpError`.
 *
 * The statuses, issue types and exit codes are the table in codes.ts.
 */
import { operationOutcome, outcomeOf, type OperationOutcome } from '../fhir/outcome.ts';
import { PriorgateError } from './base.ts';
import { ERROR_CODES, EXIT, isAnswerCode } from './codes.ts';

export interface HttpError {
  status: number;
  outcome: OperationOutcome;
  /** Headers beside Content-Type (`WWW-Authenticate`, `Retry-After`). */
  headers: Record<string, string>;
  /** Not an answer: the caller got the request id only, and the error belongs in the log. */
  fault: boolean;
}

/** An error whose message is written for the caller. */
function isAnswer(err: unknown): err is PriorgateError {
  return err instanceof PriorgateError && isAnswerCode(err.code);
}

/** The HTTP status an error is answered with. */
export function httpStatusOf(err: unknown): number {
  return isAnswer(err) ? err.status : 500;
}

/**
 * The OperationOutcome an error is answered with: the error's issues, or one issue with the code's
 * issue type, the message and the expression; a fault names only the request id.
 */
export function toOperationOutcome(err: unknown, requestId: string): OperationOutcome {
  if (!isAnswer(err)) return outcomeOf('exception', `internal error; quote request id ${requestId} when reporting it`);
  return operationOutcome(
    err.issues?.length ? err.issues : [
      {
        severity: 'error',
        code: ERROR_CODES[err.code].issue,
        diagnostics: err.message,
        ...(err.expression ? { expression: [err.expression] } : {}),
      },
    ],
  );
}

/**
 * Everything `onError` needs to answer with.
 * @example
 * const e = toHttpError(new AppError('not_found', 'no such ClaimResponse'), rid);
 * // { status: 404, outcome: { resourceType: 'OperationOutcome', issue: [{ code: 'not-found', … }] }, headers: {}, fault: false }
 */
export function toHttpError(err: unknown, requestId: string): HttpError {
  return {
    status: httpStatusOf(err),
    outcome: toOperationOutcome(err, requestId),
    headers: isAnswer(err) ? { ...err.extraHeaders } : {},
    fault: !isAnswer(err),
  };
}

/** Node's own errors that mean the command was given something it cannot use (exit 2). */
const USAGE_ERRNO = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ENOENT']);

/**
 * The exit code and stderr message of a command that threw: ours by the code's table entry
 * (refusals 2, a busy store 3, faults 1 or 2), a bad option or a missing file 2, anything else 1.
 * @example toExitCode(new ConfigError('invalid configuration: …')) // { exit: 2, message: 'invalid configuration: …' }
 */
export function toExitCode(err: unknown): { exit: number; message: string } {
  if (err instanceof PriorgateError) return { exit: ERROR_CODES[err.code].exit, message: err.message };
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const message = e?.message == null ? String(err) : String(e.message);
  return { exit: typeof e?.code === 'string' && USAGE_ERRNO.has(e.code) ? EXIT.usage : EXIT.failed, message };
}
