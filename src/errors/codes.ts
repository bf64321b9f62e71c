/**
 * The closed list of error codes, and what each one is at every boundary: the HTTP status and FHIR
 * issue type of its OperationOutcome, and the exit code of the command line. `map.ts` reads this
 * table; nothing else decides a status or an exit code from an error.
 */

/** Exit codes of every `priorgate` command (CONTRACT.md fixes 0/1/2 per command). */
export const EXIT = { ok: 0, failed: 1, usage: 2, storeBusy: 3 } as const;

/**
 * Answers: the caller did something we refuse, or we cannot serve it now. The message is written
 * for the caller and is shown to them (an HTTP client gets it as the issue's `diagnostics`).
 */
export const ANSWER_CODES = {
  invalid: { status: 400, issue: 'invalid', exit: EXIT.usage },
  unprocessable: { status: 422, issue: 'processing', exit: EXIT.usage },
  unauthorized: { status: 401, issue: 'login', exit: EXIT.usage },
  forbidden: { status: 403, issue: 'forbidden', exit: EXIT.usage },
  not_found: { status: 404, issue: 'not-found', exit: EXIT.usage },
  conflict: { status: 409, issue: 'conflict', exit: EXIT.usage },
  too_large: { status: 413, issue: 'too-costly', exit: EXIT.usage },
  throttled: { status: 429, issue: 'throttled', exit: EXIT.usage },
  unsupported_media: { status: 415, issue: 'not-supported', exit: EXIT.usage },
  unavailable: { status: 503, issue: 'transient', exit: EXIT.failed },
  internal: { status: 500, issue: 'exception', exit: EXIT.failed },
} as const;

/**
 * Faults: something is wrong on our side (configuration, stored data, a state change our own code
 * attempted). The message is PHI-free and goes to the log and to the operator's terminal; an HTTP
 * caller gets a 500 with the request id only (CONTRACT.md: detail to the log, not the caller).
 */
export const FAULT_CODES = {
  /** The environment or a file it names is invalid (ConfigError): the operator's to fix. */
  config: { status: 500, issue: 'exception', exit: EXIT.usage },
  /** Another process holds the embedded store (StoreInUseError). */
  store_in_use: { status: 500, issue: 'exception', exit: EXIT.storeBusy },
  /** Stored data does not verify or decrypt: the audit log's heads, a sealed column. */
  integrity: { status: 500, issue: 'exception', exit: EXIT.failed },
  /** A state change the transition table forbids (TransitionError): a race or our bug. */
  transition: { status: 500, issue: 'exception', exit: EXIT.failed },
} as const;

export const ERROR_CODES = { ...ANSWER_CODES, ...FAULT_CODES } as const;

export type AnswerCode = keyof typeof ANSWER_CODES;
export type FaultCode = keyof typeof FAULT_CODES;
export type ErrorCode = AnswerCode | FaultCode;

/** Whether the code's message is meant for the caller (an answer) rather than for the log (a fault). */
export function isAnswerCode(code: ErrorCode): code is AnswerCode {
  return Object.hasOwn(ANSWER_CODES, code);
}
