/**
 * National Provider Identifier check digit (45 CFR 162.406; CMS "Requirements for the NPI check
 * digit"): an NPI is ten digits whose last one is the ISO/IEC 7812 Luhn check digit computed over
 * the card-issuer prefix 80840 followed by the first nine digits. Pure. Every place an NPI enters
 * Priorgate checks it here: client and organization registration, rule files (gold cards),
 * eligibility batches, PAS and eligibility Bundles, the data-quality checks and the CLI.
 */

/** The FHIR identifier system of NPIs. */
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

/** The Luhn check digit of a digit string (the digit to append). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // From the right: double every other digit, starting with the rightmost (the check digit's neighbour).
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Is this a well-formed NPI whose check digit is right?
 * @example isValidNpi('1234567893') // true
 * @example isValidNpi('1234567890') // false (the check digit should be 3)
 */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  return luhnCheckDigit(`80840${npi.slice(0, 9)}`) === Number(npi[9]);
}

/** @example validNpi('1234567893') // true; validNpi('1234567890') // false; validNpi('123') // false */
export const validNpi = isValidNpi;

/** Why an NPI is refused, in words (for CLI messages and OperationOutcomes); undefined when valid. */
export function npiProblem(npi: string): string | undefined {
  if (isValidNpi(npi)) return undefined;
  if (!/^\d{10}$/.test(npi)) return 'an NPI is exactly 10 digits';
  return 'the NPI check digit does not match (Luhn over 80840 + the first nine digits)';
}
