/**
 * What a mapping can say about its input. Problems that make a 278 impossible throw a
 * TranslateError (the caller turns it into an OperationOutcome / exit code 2); problems it can work
 * around become warnings beside the result.
 */

export type TranslateErrorCode = 'invalid' | 'unprocessable';

export class TranslateError extends Error {
  override name = 'TranslateError';
  /** Messages name elements, never values: safe to log. */
  readonly phiFree = true;
  constructor(
    readonly code: TranslateErrorCode,
    message: string,
    /** FHIRPath of the offending element, e.g. `Bundle.entry[0].resource.insurer`. */
    readonly expression?: string,
  ) {
    super(message);
  }
}

export type WarningCode =
  | 'unresolved-reference'
  | 'missing-element'
  | 'unmapped-code'
  | 'truncated'
  | 'limit-exceeded'
  | 'unmatched-item';

export interface TranslateWarning {
  code: WarningCode;
  /** PHI-free: names the element and the rule, not the data. */
  message: string;
  expression?: string;
}

/** Collects warnings; passed down the mapping functions. */
export class Warnings {
  readonly list: TranslateWarning[] = [];
  add(code: WarningCode, message: string, expression?: string): void {
    this.list.push({ code, message, ...(expression ? { expression } : {}) });
  }
}
