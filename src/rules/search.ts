/**
 * FHIR search templates from rule files: expanding placeholders, parsing, and matching a resource
 * in memory (for data already in the request Bundle or fetched, and for the EHR simulator).
 * Supported parameters: patient/subject, code (token, comma = OR), date (eq/ge/gt/le/lt prefixes),
 * status, clinical-status, _count. Dates compare at day precision.
 */
import type { Resource } from '../fhir/bundle.ts';
import { todayOf } from './fhirpath.ts';

export const SEARCH_TYPES = ['Condition', 'Observation', 'Procedure', 'MedicationRequest', 'DocumentReference', 'ServiceRequest'] as const;
export const SEARCH_PARAMS = ['patient', 'subject', 'code', 'date', 'status', 'clinical-status', '_count'];

export interface ParsedSearch {
  resourceType: string;
  params: [string, string][];
}

const PLACEHOLDER = /\{today(?:([+-])(\d{1,4})([dwmy]))?\}/g;

/** Replaces `{today±N(d|w|m|y)}` with a date; `{patient}` is left for the EHR client. */
export function expandDates(template: string, now: Date): string {
  return template.replace(PLACEHOLDER, (_m, sign?: string, n?: string, unit?: string) => {
    if (!sign) return todayOf(now);
    const d = new Date(`${todayOf(now)}T00:00:00Z`);
    const k = (sign === '-' ? -1 : 1) * Number(n);
    if (unit === 'd') d.setUTCDate(d.getUTCDate() + k);
    if (unit === 'w') d.setUTCDate(d.getUTCDate() + 7 * k);
    if (unit === 'm') d.setUTCMonth(d.getUTCMonth() + k);
    if (unit === 'y') d.setUTCFullYear(d.getUTCFullYear() + k);
    return todayOf(d);
  });
}

export function withPatient(search: string, patientId: string): string {
  return search.replaceAll('{patient}', encodeURIComponent(patientId));
}

export function parseSearch(search: string): ParsedSearch {
  const at = search.indexOf('?');
  const resourceType = at < 0 ? search : search.slice(0, at);
  const params = at < 0 ? [] : [...new URLSearchParams(search.slice(at + 1))];
  return { resourceType, params };
}

/** Problems with a search template (unknown type or parameter), for load-time checks. */
export function searchProblems(search: string): string[] {
  const { resourceType, params } = parseSearch(expandDates(search, new Date(0)));
  const out: string[] = [];
  if (!(SEARCH_TYPES as readonly string[]).includes(resourceType)) out.push(`search type ${resourceType} is not one of ${SEARCH_TYPES.join(', ')}`);
  for (const [name, value] of params) {
    if (!SEARCH_PARAMS.includes(name)) out.push(`search parameter "${name}" is not supported (${SEARCH_PARAMS.join(', ')})`);
    if (name === 'date' && !/^(eq|ge|gt|le|lt)?\d{4}-\d{2}-\d{2}$/.test(value)) out.push(`date must be [ge|gt|le|lt|eq]YYYY-MM-DD or {today-Nd}: ${value}`);
  }
  return out;
}

type Coding = { system?: string; code?: string };
type Concept = { coding?: Coding[] };

function conceptOf(r: Resource): Concept | undefined {
  return (r.resourceType === 'MedicationRequest' ? r.medicationCodeableConcept : r.code ?? r.type) as Concept | undefined;
}

/** The resource's clinical date(s) at day precision: [earliest, latest]. */
export function datesOf(r: Resource): string[] {
  const s = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : undefined);
  const period = (p: unknown) => (p && typeof p === 'object' ? [s((p as { start?: string }).start), s((p as { end?: string }).end)] : []);
  const all = [
    s(r.effectiveDateTime), ...period(r.effectivePeriod), s(r.issued),
    s(r.performedDateTime), ...period(r.performedPeriod),
    s(r.onsetDateTime), s(r.recordedDate), s(r.authoredOn), s(r.date), s(r.occurrenceDateTime),
  ].filter((d): d is string => d !== undefined);
  return all.length ? [all.reduce((a, b) => (a < b ? a : b)), all.reduce((a, b) => (a > b ? a : b))] : [];
}

function tokenMatches(concept: Concept | undefined, value: string): boolean {
  return value.split(',').some((token) => {
    const bar = token.indexOf('|');
    const [system, code] = bar < 0 ? [undefined, token] : [token.slice(0, bar), token.slice(bar + 1)];
    return (concept?.coding ?? []).some((c) => c.code === code && (system === undefined || system === '' || c.system === system));
  });
}

function dateMatches(r: Resource, value: string): boolean {
  const m = /^(eq|ge|gt|le|lt)?(\d{4}-\d{2}-\d{2})$/.exec(value);
  const dates = datesOf(r);
  if (!m || dates.length === 0) return false;
  const [, prefix = 'eq', day] = m as unknown as [string, string | undefined, string];
  const [first, last] = dates as [string, string];
  if (prefix === 'ge') return last >= day;
  if (prefix === 'gt') return last > day;
  if (prefix === 'le') return first <= day;
  if (prefix === 'lt') return first < day;
  return first <= day && last >= day;
}

function refId(ref: unknown): string | undefined {
  const r = (ref as { reference?: string } | undefined)?.reference;
  return r?.split('/').pop();
}

/**
 * Whether a resource satisfies a parsed search. `patient`/`subject` are checked only when
 * `checkPatient` is set (the request Bundle's patient id need not be the EHR's).
 */
export function matchesSearch(r: Resource, q: ParsedSearch, checkPatient = true): boolean {
  if (r.resourceType !== q.resourceType) return false;
  return q.params.every(([name, value]) => {
    if (name === 'patient' || name === 'subject') return !checkPatient || refId(r.subject ?? r.patient) === value.split('/').pop();
    if (name === 'code') return tokenMatches(conceptOf(r), value);
    if (name === 'date') return dateMatches(r, value);
    if (name === 'status') return value.split(',').includes(String(r.status));
    if (name === 'clinical-status') return tokenMatches(r.clinicalStatus as Concept | undefined, value);
    return true;
  });
}
