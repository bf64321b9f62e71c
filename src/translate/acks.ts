/**
 * A payer's acknowledgments read into meaning: which of our interchanges, groups and transaction
 * sets it accepts or rejects (TA1, 999 AK1/AK2/IK5/AK9), and each rejected set's errors (IK3
 * segment, IK4 element, with their codes) as ClaimResponse / CoverageEligibilityResponse
 * `error` entries. A rejection by 999 is the payer refusing the transaction as sent, never a
 * denial. Pure.
 */
import type { Segment } from '../x12/types.ts';
import { EXT } from './codes/systems.ts';
import { comp, el } from './x12-util.ts';

/** X12 code sources of the acknowledgment codes (element numbers). */
export const ACK_SYSTEMS = {
  /** TA105 interchange note code (I18). */
  ta1Note: 'https://codesystem.x12.org/005010/I18',
  /** AK905 functional group syntax error code. */
  groupError: 'https://codesystem.x12.org/005010/716',
  /** IK502 implementation transaction set syntax error code. */
  setError: 'https://codesystem.x12.org/005010/618',
  /** IK304 implementation segment syntax error code. */
  segmentError: 'https://codesystem.x12.org/005010/620',
  /** IK403 implementation data element syntax error code. */
  elementError: 'https://codesystem.x12.org/005010/621',
  /** IK501 transaction set acknowledgment code. */
  setStatus: 'https://codesystem.x12.org/005010/717',
} as const;

export interface AckElementError {
  /** IK401: element, component, repetition positions. */
  element: number;
  component?: number;
  repetition?: number;
  /** IK402 data element reference number. */
  reference?: string;
  /** IK403. */
  code: string;
  /** IK404: the bad value as the payer quoted it. */
  value?: string;
}

export interface AckSegmentError {
  /** IK301, IK302 (position from ST = 1), IK303 loop id, IK304. */
  segment: string;
  position: number;
  loop?: string;
  code: string;
  elements: AckElementError[];
  /** CTX: the context the payer gives (segment context, business unit identifier), as text. */
  context: string[];
}

export interface AckSet {
  /** AK201 / AK202: the set acknowledged (ours). */
  setId: string;
  controlNumber: string;
  /** IK501: A accepted, E accepted with errors, R (M, W, X) rejected. */
  status: string;
  /** IK502 … IK506. */
  codes: string[];
  segments: AckSegmentError[];
}

export interface AckGroup {
  /** AK101 / AK102: the functional group acknowledged (ours: GS01 and GS06). */
  functionalId: string;
  controlNumber: string;
  /** AK901 and AK905 … AK909. */
  status: string;
  codes: string[];
  sets: AckSet[];
}

export const ACCEPTING = new Set(['A', 'E']);

/** One 999 transaction body (AK1 … AK9, ST and SE optional) read into its groups and sets. */
export function read999(body: Segment[]): AckGroup {
  const group: AckGroup = { functionalId: '', controlNumber: '', status: '', codes: [], sets: [] };
  let set: AckSet | undefined;
  let segment: AckSegmentError | undefined;
  for (const s of body) {
    switch (s.tag) {
      case 'AK1':
        group.functionalId = el(s, 1);
        group.controlNumber = el(s, 2);
        break;
      case 'AK2':
        set = { setId: el(s, 1), controlNumber: el(s, 2), status: '', codes: [], segments: [] };
        group.sets.push(set);
        segment = undefined;
        break;
      case 'IK3':
        segment = { segment: el(s, 1), position: Number(el(s, 2)) || 0, ...(el(s, 3) ? { loop: el(s, 3) } : {}), code: el(s, 4), elements: [], context: [] };
        set?.segments.push(segment);
        break;
      case 'IK4': {
        const at = comp(s, 1);
        segment?.elements.push({
          element: Number(at[0]) || 0,
          ...(at[1] ? { component: Number(at[1]) } : {}),
          ...(at[2] ? { repetition: Number(at[2]) } : {}),
          ...(el(s, 2) ? { reference: el(s, 2) } : {}),
          code: el(s, 3),
          ...(el(s, 4) ? { value: el(s, 4) } : {}),
        });
        break;
      }
      case 'CTX':
        segment?.context.push(s.elements.map((e) => (typeof e === 'string' ? e : Array.isArray(e) ? e.join(':') : e.repeats.map((r) => (typeof r === 'string' ? r : r.join(':'))).join('^'))).filter(Boolean).join(' '));
        break;
      case 'IK5':
        if (set) {
          set.status = el(s, 1);
          set.codes = [2, 3, 4, 5, 6].map((n) => el(s, n)).filter(Boolean);
        }
        break;
      case 'AK9':
        group.status = el(s, 1);
        group.codes = [5, 6, 7, 8, 9].map((n) => el(s, n)).filter(Boolean);
        break;
    }
  }
  return group;
}

/** Whether the group (and, when given, one set of it) was accepted. */
export function setAccepted(group: AckGroup, setControlNumber?: string): boolean {
  const set = setControlNumber ? group.sets.find((s) => s.controlNumber === setControlNumber) : undefined;
  if (set) return ACCEPTING.has(set.status);
  return ACCEPTING.has(group.status);
}

function position(segment: string, at: number, e?: AckElementError): string {
  const element = e ? `${String(e.element).padStart(2, '0')}${e.component ? `-${e.component}` : ''}` : '';
  return `${segment}${element} (segment ${at})`;
}

const coded = (system: string, code: string, text: string) => ({ coding: [{ system, code }], text });

/**
 * The errors a 999 gives for one of our transaction sets, as FHIR `error` entries: one per IK4
 * (element) or IK3 without IK4 (segment), the set's IK5 codes and the group's AK9 codes. Each
 * carries the X12 position in PAS errorElement (`<loop> <segment><element>`) and, when `pathOf`
 * knows the request element that position came from, the FHIR path in errorPath.
 *
 * @param pathOf X12 position (`2010C NM109`) → FHIRPath of the request element, from the map table
 */
export function ackErrors(group: AckGroup, set: AckSet | undefined, pathOf?: (loop: string | undefined, segment: string, element: number) => string | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const entry = (where: string | undefined, path: string | undefined, code: object): Record<string, unknown> => {
    const extension = [
      ...(where ? [{ url: EXT.errorElement, extension: [{ url: 'error', valueString: where }] }] : []),
      ...(path ? [{ url: EXT.errorPath, valueString: path }] : []),
    ];
    return extension.length ? { extension, code } : { code };
  };
  for (const s of set?.segments ?? []) {
    const where = (e?: AckElementError) => `${s.loop ? `${s.loop} ` : ''}${position(s.segment, s.position, e)}`;
    const context = s.context.length ? `; context: ${s.context.join('; ')}` : '';
    if (s.elements.length === 0) {
      out.push(entry(where(), pathOf?.(s.loop, s.segment, 0), coded(ACK_SYSTEMS.segmentError, s.code, `999 IK304 ${s.code} at ${where()}${context}`)));
    }
    for (const e of s.elements) {
      // IK404 quotes the value the request carried (the provider's own data, returned to them).
      const detail = `${e.reference ? ` (data element ${e.reference})` : ''}${e.value ? `, value '${e.value}'` : ''}`;
      out.push(entry(where(e), pathOf?.(s.loop, s.segment, e.element), coded(ACK_SYSTEMS.elementError, e.code, `999 IK403 ${e.code} at ${where(e)}${detail}${context}`)));
    }
  }
  for (const code of set?.codes ?? []) out.push(entry(undefined, undefined, coded(ACK_SYSTEMS.setError, code, `999 IK502 ${code}: the payer rejected transaction set ${set!.controlNumber}`)));
  for (const code of group.codes) out.push(entry(undefined, undefined, coded(ACK_SYSTEMS.groupError, code, `999 AK905 ${code}: the payer rejected functional group ${group.controlNumber}`)));
  if (out.length === 0) {
    const status = set?.status ?? group.status;
    out.push(entry(undefined, undefined, coded(ACK_SYSTEMS.setStatus, status, `the payer's 999 rejected the transaction (${status})`)));
  }
  return out;
}
