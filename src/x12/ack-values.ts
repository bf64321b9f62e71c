/**
 * What an acknowledgment may copy from the input it answers. A 999 or TA1 is itself X12 that the
 * partner validates, so a received value is echoed only when it is valid for the element it goes
 * into and written in the X12 character sets (printable ASCII here: the basic and extended sets
 * without the control characters and nothing beyond U+007E). Anything else is left out where the
 * element is optional, or replaced by what the standard allows where it is mandatory; the caller
 * decides which (see ack.ts).
 */
import { isDate, isTime } from './element-check.ts';
import { INTERCHANGE_QUALIFIERS } from './envelope-check.ts';
import { FUNCTIONAL_IDS } from './spec/index.ts';

const PRINTABLE = /^[\x20-\x7e]*$/;

/** `v` trimmed when it is printable ASCII of `min`..`max` characters, else undefined. */
export function printable(v: string | undefined, min: number, max: number): string | undefined {
  if (v === undefined || !PRINTABLE.test(v)) return undefined;
  const t = v.trim();
  return t.length >= min && t.length <= max ? t : undefined;
}

/** `v` when it matches `re` (whole value), else undefined. */
export function matching(v: string | undefined, re: RegExp): string | undefined {
  return v !== undefined && re.test(v) ? v : undefined;
}

/** ISA05/ISA07 for the acknowledgment: the received qualifier when it is one of the code list, else ZZ (mutually defined). */
export function ackQualifier(q: string): string {
  return INTERCHANGE_QUALIFIERS.includes(q) ? q : 'ZZ';
}

/** ISA06/ISA08 and GS02/GS03: the received id when printable and within 2..15, else UNKNOWN. */
export function ackPartyId(id: string): string {
  return printable(id, 2, 15) ?? 'UNKNOWN';
}

/** TA101: ISA13 when it is nine digits (or fewer, padded), else nine zeros. */
export function ackControlNumber(v: string): string {
  return /^\d{1,9}$/.test(v) ? v.padStart(9, '0') : '000000000';
}

/** TA102 and TA103: the received ISA09/ISA10 when they are a real date and time, else 000101 0000. */
export function ackDateTime(date: string, time: string): { date: string; time: string } {
  const ok = date.length === 6 && isDate(date) && time.length === 4 && isTime(time);
  return ok ? { date, time } : { date: '000101', time: '0000' };
}

/** AK101 (ID 2/2) and AK102 (N0 1/9): a group can be named in a 999 only when both are valid. */
export function ackGroupId(functionalId: string, controlNumber: string): { functionalId: string; controlNumber: string } | undefined {
  const fid = matching(functionalId, /^[A-Z0-9]{2}$/);
  const gcn = matching(controlNumber, /^\d{1,9}$/);
  return fid && gcn ? { functionalId: fid, controlNumber: gcn } : undefined;
}

/**
 * AK201 and AK202 for a transaction set. ST01 must be an identifier of three letters or digits:
 * when it is not, the set the functional group carries (GS01 HI → 278 …) names it, since AK201 is
 * mandatory. ST02 must be 4..9 printable characters; a set whose ST02 is not cannot be named at
 * all and is counted in AK903 without an AK2 loop (AK2 is situational).
 */
export function ackSetId(setId: string, controlNumber: string, functionalId: string): { setId: string; controlNumber: string } | undefined {
  const cn = matching(controlNumber, /^[\x21-\x7e]{4,9}$/);
  const implied = Object.entries(FUNCTIONAL_IDS).find(([, fid]) => fid === functionalId)?.[0];
  const id = matching(setId, /^[A-Z0-9]{3}$/) ?? implied;
  return cn && id ? { setId: id, controlNumber: cn } : undefined;
}

/** IK301: a segment id as X12 writes them (a letter, then one or two letters or digits). */
export function ackSegmentId(tag: string | undefined): string | undefined {
  return matching(tag, /^[A-Za-z][A-Za-z0-9]{1,2}$/);
}
