/**
 * The X12 ⇄ FHIR map (types.ts): one table per transaction set, printed by `priorgate x12 map`,
 * enforced by the fidelity suite (check.ts), and used to point a payer's 999 at the request
 * element it is about (`requestPathOf`).
 */
import { X210_275_MAP } from './x210-275.ts';
import { X217_REQUEST_MAP } from './x217-request.ts';
import { X217_RESPONSE_MAP } from './x217-response.ts';
import { X231_999_MAP } from './x231-999.ts';
import { X279_270_MAP } from './x279-270.ts';
import { X279_271_MAP } from './x279-271.ts';
import type { MapEntry, MapSet } from './types.ts';

export type { MapEntry, MapSet, Representation } from './types.ts';
export { positionLabel } from './types.ts';

export const X12_MAP: readonly MapEntry[] = [...X217_REQUEST_MAP, ...X217_RESPONSE_MAP, ...X279_270_MAP, ...X279_271_MAP, ...X231_999_MAP, ...X210_275_MAP];

export const MAP_SETS: readonly MapSet[] = ['278 request', '278 response', '270', '271', '275', '999'];

/** Direction of a set: what the FHIR path names. */
export const DIRECTION: Readonly<Record<MapSet, 'x12-to-fhir' | 'fhir-to-x12'>> = {
  '278 request': 'fhir-to-x12', '270': 'fhir-to-x12', '275': 'fhir-to-x12', '278 response': 'x12-to-fhir', '271': 'x12-to-fhir', '999': 'x12-to-fhir',
};

const includes = (e: MapEntry, element: number) => (Array.isArray(e.element) ? e.element.includes(element) : e.element === element);

/**
 * The entry for one X12 position. `qualifier(n)` gives the value of element n of the same segment
 * (for entries that apply under a qualifier); entries with a matching qualifier win over general ones.
 */
export function mapEntryFor(
  set: string, loop: string, segment: string, element: number, component: number | undefined, qualifier: (n: number) => string,
): MapEntry | undefined {
  let general: MapEntry | undefined;
  for (const e of X12_MAP) {
    if (e.set !== set || e.loop !== loop || e.segment !== segment || !includes(e, element)) continue;
    if ((e.component ?? 0) !== (component ?? 0)) continue;
    if (e.when) {
      if (e.when.slice(1).includes(qualifier(e.when[0]))) return e;
    } else general ??= e;
  }
  return general;
}

/**
 * A map path as standard FHIRPath on the request Bundle: each leading resource type becomes
 * `Bundle.entry.resource.ofType(T)`, each `.target` a `.resolve()`.
 * @example bundlePath('(Coverage.subscriberId | Claim.patient.target.name)') // '(Bundle.entry.resource.ofType(Coverage).subscriberId | …resolve().name)'
 */
export function bundlePath(path: string): string {
  return path
    .replace(/(^|\(|\|\s*)([A-Z][A-Za-z]+)(?=\.)/g, (m, before: string, type: string) => (type === 'Bundle' ? m : `${before}Bundle.entry.resource.ofType(${type})`))
    .replace(/\.target\b/g, '.resolve()');
}

/**
 * The request element a 278 request position came from, as FHIRPath on the request Bundle: the
 * errorPath of a payer's 999 error about that position.
 * @example requestPathOf('2010C', 'NM1', 9)
 */
export function requestPathOf(loop: string | undefined, segment: string, element: number): string | undefined {
  if (!loop) return undefined;
  const hit = X12_MAP.find((e) => e.set === '278 request' && e.loop === loop && e.segment === segment && (element === 0 || includes(e, element)) && e.fhir && e.as !== 'present');
  return hit ? bundlePath(hit.fhir) : undefined;
}
