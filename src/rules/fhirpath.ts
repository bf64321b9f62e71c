/**
 * FHIRPath for rules (the `fhirpath` library, R4 model). Expressions are compiled once at load
 * (syntax errors become load problems); evaluation never throws — a failure comes back as data so
 * the decision trace can report it.
 *
 * Date placeholders keep evaluation pure: `{today}`, `{today-90d}`, `{today-6w}`, `{today-3m}`,
 * `{today-1y}` become FHIRPath date arithmetic on `%today`, which the caller's clock supplies.
 * `today()` and `now()` read the machine clock, so rule files may not use them.
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

export type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];

export type FhirPathResult = { ok: true; value: unknown[] } | { ok: false; error: string };

const PLACEHOLDER = /\{today(?:([+-])(\d{1,4})([dwmy]))?\}/g;
const UNITS: Record<string, string> = { d: 'days', w: 'weeks', m: 'months', y: 'years' };

/** `Observation.effective >= {today-90d}` → `Observation.effective >= (%today.toDate() - 90 days)`. */
export function rewritePlaceholders(expression: string): string {
  return expression.replace(PLACEHOLDER, (_m, sign?: string, n?: string, unit?: string) =>
    sign ? `(%today.toDate() ${sign} ${Number(n)} ${UNITS[unit!]})` : '%today.toDate()',
  );
}

/** Compiles an expression, or says why it cannot be compiled. */
export function compileFhirPath(expression: string): { ok: true; fn: Compiled } | { ok: false; error: string } {
  if (/\b(today|now|timeOfDay)\s*\(/.test(expression)) {
    return { ok: false, error: 'use {today} (the request clock), not today()/now()/timeOfDay()' };
  }
  try {
    const fn = fhirpath.compile(rewritePlaceholders(expression), r4) as unknown as Compiled;
    return { ok: true, fn };
  } catch (e) {
    return { ok: false, error: firstLine(e) };
  }
}

export function runFhirPath(fn: Compiled, resource: unknown, env: Record<string, unknown>): FhirPathResult {
  try {
    // The library annotates its input with type information: hand it a copy.
    return { ok: true, value: fn(structuredClone(resource), structuredClone(env)) };
  } catch (e) {
    return { ok: false, error: firstLine(e) };
  }
}

/** FHIRPath truthiness for criteria: a single `true`, or (for filters) any non-false result. */
export function isTruthy(value: unknown[]): boolean {
  if (value.length === 0) return false;
  if (value.length === 1 && typeof value[0] === 'boolean') return value[0];
  return value.some((v) => v !== false);
}

/** `YYYY-MM-DD` of the clock in UTC. */
export function todayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return (message.split('\n')[0] ?? message).slice(0, 300);
}
