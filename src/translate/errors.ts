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

/**
 * An identifier or code that must travel whole (a trace number, a member id, a state code): when it
 * is longer than its X12 element allows, the request is refused at the FHIR element rather than cut
 * (a shortened identifier names something else) or sent (the payer would reject the 278 with a 999).
 * @example fit('TRN02', 50, claim.identifier[0].value, 'Bundle.entry[0].resource.identifier[0].value')
 */
export function fit(element: string, max: number, value: string | undefined, expression: string): string | undefined {
  // An identifier that is not text (a validator let `{}` through) goes nowhere near an X12 element.
  if (value !== undefined && typeof value !== 'string') throw new TranslateError('invalid', `the value for ${element} is not text`, expression);
  if (value !== undefined && value.length > max) {
    throw new TranslateError('unprocessable', `the value for ${element} is longer than the ${max} characters X12 allows`, expression);
  }
  return value;
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
