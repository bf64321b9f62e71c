/**
 * Typed application errors with a closed code list. Turned into an HTTP response in exactly one
 * place (`onError` in app.ts). Messages must not contain PHI: they may be logged.
 */

export const ERROR_CODES = {
  invalid: { status: 400, issue: 'invalid' },
  unprocessable: { status: 422, issue: 'processing' },
  unauthorized: { status: 401, issue: 'login' },
  forbidden: { status: 403, issue: 'forbidden' },
  not_found: { status: 404, issue: 'not-found' },
  conflict: { status: 409, issue: 'conflict' },
  too_large: { status: 413, issue: 'too-costly' },
  throttled: { status: 429, issue: 'throttled' },
  unsupported_media: { status: 415, issue: 'not-supported' },
  unavailable: { status: 503, issue: 'transient' },
  internal: { status: 500, issue: 'exception' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  override name = 'AppError';
  /** Our messages are written PHI-free, so the logger may keep them. */
  readonly phiFree = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly expression?: string,
    readonly extraHeaders?: Record<string, string>,
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** One OperationOutcome issue of an `IssuesError`. */
export interface ErrorIssue {
  severity: 'error';
  code: string;
  diagnostics: string;
  expression?: string[];
}

/** An AppError with several issues (each with its own expression), answered as one OperationOutcome. */
export class IssuesError extends AppError {
  override name = 'IssuesError';
  constructor(
    code: ErrorCode,
    readonly issues: ErrorIssue[],
  ) {
    super(code, issues[0]?.diagnostics ?? 'invalid input', issues[0]?.expression?.[0]);
  }
}

/** OAuth token endpoint errors (RFC 6749 §5.2) are JSON, not OperationOutcome. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly phiFree = true;
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
  }
}
