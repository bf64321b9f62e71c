/**
 * The code lists the gateway ships (code-sets/*.json: small extracts of public-domain CMS/NCHS
 * lists, never CPT) and the one question asked of them: is this code valid for a service on this
 * date? A list knows its codes' effective dates, its category headers (not billable), and the
 * categories or ranges it lists completely: a code under one of those that the list does not hold
 * is not a code at all. Anything outside what a list covers is not judged.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const CodeSetFile = z.object({
  name: z.string(),
  systems: z.array(z.string()).min(1),
  source: z.string(),
  versioning: z.enum(['fiscal-year', 'calendar-year']),
  /** Service dates the `complete` categories are complete for (`to` absent: open-ended). */
  covers: z.object({ from: Day, to: Day.optional() }),
  /** Code prefixes whose codes are all listed (ICD-10-CM categories, `Z68.4`). */
  complete: z.array(z.string()).default([]),
  /** Code ranges of one length whose codes are all listed (`G0151-G0164`). */
  completeRanges: z.array(z.string().regex(/^[A-Z0-9]+-[A-Z0-9]+$/)).default([]),
  codes: z.array(
    z.object({
      code: z.string(),
      display: z.string(),
      /** A category: its subcodes are billable, it is not. */
      header: z.boolean().optional(),
      /** First day of service it is valid for (absent: since before `covers.from`). */
      from: Day.optional(),
      /** Last day of service it is valid for (absent: still valid). */
      until: Day.optional(),
      replacedBy: z.array(z.string()).optional(),
    }),
  ),
});
type CodeSetData = z.infer<typeof CodeSetFile>;
type CodeEntry = CodeSetData['codes'][number];

export interface CodeSet extends Omit<CodeSetData, 'codes'> {
  byCode: Map<string, CodeEntry>;
}

export interface CodeVerdict {
  valid: boolean;
  /** Why not, in words (never the code sent: OperationOutcomes quote no values back). */
  reason?: string;
  /** The code-set version the service date falls in (FY2025, 2026). */
  version: string;
  display?: string;
}

/** ICD-10-CM codes are written with a dot after the category; senders often leave it out. */
function normalize(set: CodeSet, code: string): string {
  const c = code.trim().toUpperCase();
  if (set.versioning === 'fiscal-year' && /^[A-Z]\d[0-9A-Z]{2,5}$/.test(c)) return `${c.slice(0, 3)}.${c.slice(3)}`;
  return c;
}

/** ICD-10-CM versions run October to September (FY2025: 2024-10-01 … 2025-09-30); HCPCS by year. */
export function versionOf(set: Pick<CodeSet, 'versioning'>, day: string): string {
  const year = Number(day.slice(0, 4));
  if (set.versioning === 'calendar-year') return String(year);
  return `FY${Number(day.slice(5, 7)) >= 10 ? year + 1 : year}`;
}

function inRange(code: string, range: string): boolean {
  const [lo, hi] = range.split('-') as [string, string];
  return code.length === lo.length && code >= lo && code <= hi;
}

function completeFor(set: CodeSet, code: string, day: string): boolean {
  if (day < set.covers.from || (set.covers.to !== undefined && day > set.covers.to)) return false;
  return set.complete.some((p) => code === p || code.startsWith(p)) || set.completeRanges.some((r) => inRange(code, r));
}

/**
 * Is `code` valid for a service on `day` (YYYY-MM-DD)? `undefined` when the list cannot tell.
 * @example checkCode(icd, 'M54.5', '2025-03-01') // { valid: false, reason: 'this ICD-10-CM code was deleted after 2021-09-30; use M54.50, …', version: 'FY2025' }
 */
export function checkCode(set: CodeSet, code: string, day: string): CodeVerdict | undefined {
  const c = normalize(set, code);
  const version = versionOf(set, day);
  const entry = set.byCode.get(c);
  if (entry) {
    const replaced = entry.replacedBy?.length ? `; use ${entry.replacedBy.join(', ')}` : '';
    if (entry.until && day > entry.until) return { valid: false, version, display: entry.display, reason: `this ${set.name} code was deleted after ${entry.until}${replaced}` };
    if (entry.from && day < entry.from) return { valid: false, version, display: entry.display, reason: `this ${set.name} code is valid only from ${entry.from}` };
    if (entry.header) return { valid: false, version, display: entry.display, reason: `this ${set.name} code is a category, not a billable code: use one of its subcodes` };
    return { valid: true, version, display: entry.display };
  }
  if (completeFor(set, c, day)) return { valid: false, version, reason: `this is not a ${set.name} code` };
  return undefined;
}

export function parseCodeSet(json: unknown): CodeSet {
  const data = CodeSetFile.parse(json);
  const { codes, ...rest } = data;
  return { ...rest, byCode: new Map(codes.map((c) => [c.code, c])) };
}

const FILES = ['icd-10-cm.json', 'hcpcs.json'];
let shipped: CodeSet[] | undefined;

/** The code lists shipped in code-sets/, read once. */
export function shippedCodeSets(): CodeSet[] {
  shipped ??= FILES.map((f) => parseCodeSet(JSON.parse(readFileSync(new URL(`./code-sets/${f}`, import.meta.url), 'utf8'))));
  return shipped;
}

/** The shipped list for a coding system, if any. */
export function codeSetFor(system: string | undefined, sets: CodeSet[] = shippedCodeSets()): CodeSet | undefined {
  return system ? sets.find((s) => s.systems.includes(system)) : undefined;
}
