/**
 * National Provider Identifier check: ten digits whose last is the Luhn check digit computed over
 * `80840` (the NPI's ISO card-issuer prefix) followed by the first nine (CMS, "Requirements for
 * the NPI check digit"). Every place an NPI enters Priorgate checks it here: client and
 * organization registration, rule files (gold cards), eligibility batches, PAS and eligibility
 * Bundles.
 */

/** @example validNpi('1234567893') // true; validNpi('1234567890') // false; validNpi('123') // false */
export function validNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = Number(digits[i]) * (double ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === Number(npi[9]);
}

/** Why an NPI is refused, in words (for CLI messages and OperationOutcomes); undefined when valid. */
export function npiProblem(npi: string): string | undefined {
  if (validNpi(npi)) return undefined;
  if (!/^\d{10}$/.test(npi)) return 'an NPI is exactly 10 digits';
  return 'the NPI check digit does not match (Luhn over 80840 + the first nine digits)';
}
