/**
 * Procedure-code specs in rule files: one code (`72148`) or an inclusive range of codes of one
 * length (`99212-99215`, `G0151-G0162`). CPT and HCPCS codes are fixed-length alphanumerics, so a
 * range compares as strings of equal length.
 */
const CODE = /^[A-Z0-9]{4,7}$/;

export function isCodeSpec(spec: string): boolean {
  const [lo, hi, extra] = spec.split('-');
  if (extra !== undefined || !lo || !CODE.test(lo)) return false;
  if (hi === undefined) return true;
  return CODE.test(hi) && hi.length === lo.length && lo <= hi;
}

/** @example codeMatches('99213', '99212-99215') // true */
export function codeMatches(code: string, spec: string): boolean {
  const c = code.trim().toUpperCase();
  const [lo, hi] = spec.split('-') as [string, string | undefined];
  if (hi === undefined) return c === lo;
  return c.length === lo.length && c >= lo && c <= hi;
}
