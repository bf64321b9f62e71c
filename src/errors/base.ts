/**
 * The one error base: an error of ours that a boundary (an HTTP answer, the command line) answers
 * for what it is carries a code from the closed list in codes.ts, and map.ts turns it into an
 * OperationOutcome and a status, or an exit code and a message. Errors left off the base (their
 * catchers answer them; docs/architecture.md, Errors) are answered like foreign ones.
 */
import { ERROR_CODES, type AnswerCode, type ErrorCode } from './codes.ts';

/** One OperationOutcome issue an error answers with. */
export interface ErrorIssue {
  severity: 'error';
  code: string;
  diagnostics: string;
  expression?: string[];
}

export interface ErrorDetail {
  /** FHIRPath of the offending element, e.g. `Bundle.entry[0].resource.insurer`. */
  expression?: string | undefined;
  /** Headers the HTTP answer carries (`WWW-Authenticate`, `Retry-After`). */
  extraHeaders?: Record<string, string> | undefined;
  /** Several issues, each with its own expression (default: one, from the code, message and expression). */
  issues?: ErrorIssue[] | undefined;
}

export abstract class PriorgateError extends Error {
  override name = 'PriorgateError';
  /**
   * Our messages name elements, ids, variables and files, never values (no PHI), so the logger
   * keeps them (src/log: a foreign error's message is dropped, one with `phiFree` is written).
   */
  readonly phiFree = true;
  readonly expression?: string | undefined;
  readonly extraHeaders?: Record<string, string> | undefined;
  readonly issues?: ErrorIssue[] | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    detail: ErrorDetail = {},
  ) {
    super(message);
    this.expression = detail.expression;
    this.extraHeaders = detail.extraHeaders;
    this.issues = detail.issues;
  }

  /** The HTTP status of the code (500 for every fault: see codes.ts). */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/**
 * An answer to the caller: a refusal or a "not now", its message written for them.
 * @example throw new AppError('not_found', 'no such ClaimResponse')
 * @example throw new AppError('invalid', 'Claim.insurer is required', 'Bundle.entry[0].resource.insurer')
 */
export class AppError extends PriorgateError {
  override name = 'AppError';
  declare readonly code: AnswerCode;
  constructor(code: AnswerCode, message: string, expression?: string, extraHeaders?: Record<string, string>) {
    super(code, message, { expression, extraHeaders });
  }
}

/** An AppError with several issues (each with its own expression), answered as one OperationOutcome. */
export class IssuesError extends AppError {
  override name = 'IssuesError';
  constructor(
    code: AnswerCode,
    override readonly issues: ErrorIssue[],
  ) {
    super(code, issues[0]?.diagnostics ?? 'invalid input', issues[0]?.expression?.[0]);
  }
}
