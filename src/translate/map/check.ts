/**
 * The fidelity check: every data-bearing element of an X12 file against the map. For a set read
 * into FHIR (271, 278 response) the file is translated and each element's value must be found at
 * its FHIR path; for a set written from FHIR (278 request, 270, 275) each element written from a
 * given source Bundle must be found at the path it comes from; otherwise (and for 999s) each
 * position must at least have a map entry. Envelopes (ISA, GS, GE, IEA), ST/SE, HL, LS/LE and
 * BHT01 are structure, not data.
 */
import { randomUUID } from 'node:crypto';
import { parseX12, type Loop, type TransactionSet } from '../../x12/index.ts';
import type { Element, ElementValue, Segment } from '../../x12/types.ts';
import { eligibility271ToFhirAll } from '../eligibility/to-fhir.ts';
import { fhirDate } from '../x12-util.ts';
import { x12ResponseToPas } from '../x12-to-pas.ts';
import { DIRECTION, mapEntryFor, positionLabel, type MapEntry, type MapSet } from './index.ts';
import { linkedResources, valuesAt } from './paths.ts';

/**
 * `outside-pas`: a position the map lists as having no element in the PAS profiles (with why);
 * `no-home`: one the map does not list at all.
 */
export type FindingStatus = 'landed' | 'dropped' | 'no-home' | 'outside-pas' | 'pending' | 'mapped';

export interface Finding {
  set: MapSet;
  loop: string;
  /** `NM109`, `EB03`, `HI01-2`. */
  position: string;
  /** 1-based index of the segment in the file. */
  segment: number;
  value: string;
  status: FindingStatus;
  entry?: MapEntry;
}

export interface FidelityReport {
  findings: Finding[];
  /** Per status. */
  counts: Record<FindingStatus, number>;
}

const STRUCTURE = new Set(['ST', 'SE', 'HL', 'LS', 'LE']);

/** The translation a set is checked against: the FHIR it becomes, or (FHIR → X12) the Bundle it came from. */
export type SourceOf = (set: MapSet, body: Segment[]) => Record<string, unknown> | undefined;

/** X12 → FHIR sets translated with the product's own mappings, without a request at hand. */
export const translated: SourceOf = (set, body) => {
  const ctx = { now: new Date(Date.UTC(2025, 0, 1)), ids: randomUUID };
  try {
    if (set === '271') return eligibility271ToFhirAll(body, ctx) as unknown as Record<string, unknown>;
    if (set === '278 response') return x12ResponseToPas(body, ctx) as unknown as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return undefined;
};

function* values(e: Element): Generator<{ value: string; component?: number }> {
  const one = function* (v: ElementValue): Generator<{ value: string; component?: number }> {
    if (typeof v === 'string') {
      if (v !== '') yield { value: v };
    } else for (let k = 0; k < v.length; k++) if (v[k]) yield { value: v[k]!, component: k + 1 };
  };
  if (typeof e === 'object' && !Array.isArray(e)) for (const r of e.repeats) yield* one(r);
  else yield* one(e);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** Whether an X12 value is found among the values at its FHIR path, the way the entry says. */
export function lands(entry: MapEntry, value: string, found: unknown[]): boolean {
  if (entry.defaults?.includes(value) && !found.length) return true;
  if (entry.as === 'present') return found.length > 0;
  const strings = found.map(text).filter((s): s is string => s !== undefined);
  const up = (s: string) => s.toUpperCase();
  switch (entry.as) {
    case 'value':
      return strings.some((s) => s === value || up(s) === up(value));
    case 'contains':
      return strings.some((s) => up(s).includes(up(value)));
    case 'built':
      return strings.some((s) => s !== '' && up(value).includes(up(s)));
    case 'prefix':
      return strings.some((s) => up(s).startsWith(up(value)) || up(s.replace(/\s+/g, ' ')).startsWith(up(value)));
    case 'compact':
      return strings.some((s) => up(s.replace(/[^A-Za-z0-9]/g, '')) === up(value));
    case 'decimal':
      return strings.some((s) => Number(s) === Number(value));
    case 'percent':
      return strings.some((s) => Number(s.replace('%', '')) === Math.round(Number(value) * 10_000) / 100);
    case 'map':
      return strings.some((s) => s === value || s === entry.map?.[value]);
    case 'money':
      return found.some((b) => {
        const benefit = b as { allowedMoney?: { value?: number }; usedMoney?: { value?: number } };
        const allowed = benefit?.allowedMoney?.value;
        const used = benefit?.usedMoney?.value;
        const n = Number(value);
        return n === allowed || n === used || (allowed !== undefined && used !== undefined && Math.abs(allowed - used - n) < 0.005);
      });
    case 'time':
      return strings.some((s) => s.replace(/:/g, '').startsWith(value));
    case 'date': {
      const days = value.split('-').map((d) => fhirDate(d)).filter(Boolean) as string[];
      const all = found.flatMap((f) => (f && typeof f === 'object' ? [text((f as Record<string, unknown>)['start']), text((f as Record<string, unknown>)['end'])] : [text(f)])).filter(Boolean) as string[];
      return days.length > 0 && days.every((d) => all.some((s) => s.startsWith(d)));
    }
  }
  return false;
}

function walk(loops: Loop[], visit: (loop: Loop, seg: Segment) => void): void {
  for (const loop of loops) {
    for (const seg of loop.segments) visit(loop, seg);
    walk(loop.children, visit);
  }
}

/** The report for one transaction set of a parsed file. */
export function checkTransaction(tx: TransactionSet, source: SourceOf = translated): Finding[] {
  const set = tx.specName as MapSet | undefined;
  if (!set || !DIRECTION[set]) return [];
  const body = tx.segments.slice(tx.segments[0]?.tag === 'ST' ? 1 : 0, tx.segments.at(-1)?.tag === 'SE' ? -1 : undefined);
  const bundle = source(set, body);
  const resources = bundle ? linkedResources(bundle) : undefined;
  if (resources && bundle) resources.unshift(bundle as never);
  const index = new Map<Segment, number>(tx.segments.map((s, i) => [s, tx.startIndex + i]));
  const findings: Finding[] = [];
  walk(tx.loops, (loop, seg) => {
    if (STRUCTURE.has(seg.tag)) return;
    const qualifier = (n: number) => {
      const v = seg.elements[n - 1];
      return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
    };
    seg.elements.forEach((element, k) => {
      if (seg.tag === 'BHT' && k === 0) return;
      for (const { value, component } of values(element)) {
        const entry = mapEntryFor(set, loop.id, seg.tag, k + 1, component, qualifier);
        const position = positionLabel({ segment: seg.tag, element: k + 1, ...(component ? { component } : {}) });
        const base = { set, loop: loop.id, position, segment: index.get(seg) ?? 0, value, ...(entry ? { entry } : {}) };
        let status: FindingStatus;
        if (!entry || (!entry.fhir && !entry.pending && !entry.outsidePas)) status = 'no-home';
        else if (entry.pending) status = 'pending';
        else if (!entry.fhir) status = 'outside-pas';
        else if (!resources) status = 'mapped';
        else if (lands(entry, value, valuesAt(resources, entry.fhir))) status = 'landed';
        // A position PAS has a home for in some answers only (an added line, an organization's contact).
        else status = entry.outsidePas ? 'outside-pas' : 'dropped';
        findings.push({ ...base, status });
      }
    });
  });
  return findings;
}

/** The report for every transaction of an X12 text. */
export function fidelityOf(text: string, source: SourceOf = translated): FidelityReport {
  const parsed = parseX12(text, { validate: false });
  const findings = parsed.interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions).flatMap((tx) => checkTransaction(tx, source));
  const counts: Record<FindingStatus, number> = { landed: 0, dropped: 0, 'no-home': 0, 'outside-pas': 0, pending: 0, mapped: 0 };
  for (const f of findings) counts[f.status]++;
  return { findings, counts };
}
