/**
 * Where X12 271 data without a standard FHIR R4 element goes: a small, named set of Priorgate
 * extensions (`https://priorgate.invalid/fhir/StructureDefinition/x12-<name>`), each documented in
 * the X12 → FHIR map (`priorgate x12 map`), and builders for the standard parts (addresses,
 * contacts, identifiers by X12 qualifier). Nothing the payer sends is dropped for want of a home.
 */
import { NM108_TO_SYSTEM } from '../codes/identifiers.ts';
import { X12CS } from '../codes/systems.ts';
import type { Address, Contact, DateValue, Ref } from './parse-271.ts';

export const X12_EXT_BASE = 'https://priorgate.invalid/fhir/StructureDefinition/x12-';

/** Extension URLs, by name. */
export const X12_EXT = {
  /** REF with no standard home: qualifier (X12 128), value, description. */
  reference: `${X12_EXT_BASE}reference`,
  /** DTP: qualifier (X12 374) and the period. */
  date: `${X12_EXT_BASE}date`,
  /** EB04 insurance type (X12 1336). */
  insuranceType: `${X12_EXT_BASE}insurance-type`,
  /** HSD: quantity, frequency and duration of a benefit. */
  delivery: `${X12_EXT_BASE}delivery`,
  /** III (2115C/D): code list qualifier, code, category, free text. */
  additionalInformation: `${X12_EXT_BASE}additional-information`,
  /** A 2120C/D benefit related entity (every one; item.provider holds the first person). */
  relatedEntity: `${X12_EXT_BASE}related-entity`,
  /** INS beyond the relationship: insured indicator, maintenance type/reason, student, handicap, birth sequence. */
  insured: `${X12_EXT_BASE}insured`,
  /** MPI: military personnel information. */
  military: `${X12_EXT_BASE}military`,
  /** HI codes a 271 echoes (2100C/D). */
  diagnosis: `${X12_EXT_BASE}diagnosis`,
  /** EB14 diagnosis code pointers. */
  diagnosisPointer: `${X12_EXT_BASE}diagnosis-pointer`,
  /** PRV: provider code (X12 1221), reference qualifier and id (taxonomy). */
  provider: `${X12_EXT_BASE}provider`,
  /** PER01 function and PER02 name where the resource has no `contact` (a Practitioner). */
  contact: `${X12_EXT_BASE}contact`,
  /** AAA01 valid request indicator (X12 1073). */
  validRequest: `${X12_EXT_BASE}valid-request`,
  /** BHT: purpose (353), date and time of the payer's transaction. */
  transaction: `${X12_EXT_BASE}transaction`,
  /** N407 country subdivision. */
  subdivision: `${X12_EXT_BASE}country-subdivision`,
  /** PER03/05/07 qualifier (X12 365) with no ContactPoint.system of its own (EX extension, ED EDI access). */
  communicationQualifier: `${X12_EXT_BASE}communication-qualifier`,
} as const;

type Json = Record<string, unknown>;

export const coding = (system: string, code: string, display?: string) => ({ system, code, ...(display ? { display } : {}) });
const sub = (url: string, value: Json) => ({ url, ...value });

/** A complex extension from `[name, value]` pairs, skipping absent values. */
export function complex(url: string, parts: [string, Json | undefined][]): Json {
  return { url, extension: parts.filter(([, v]) => v !== undefined).map(([name, v]) => sub(name, v!)) };
}

export const str = (v: string | undefined) => (v ? { valueString: v } : undefined);
export const code = (element: string, v: string | undefined) => (v ? { valueCoding: coding(X12CS(element), v) } : undefined);
export const dec = (v: number | undefined) => (v === undefined ? undefined : { valueDecimal: v });

export function referenceExt(r: Ref): Json {
  return complex(X12_EXT.reference, [['qualifier', code('128', r.qualifier)], ['value', str(r.value)], ['description', str(r.description)]]);
}

export function dateExt(d: DateValue): Json {
  const period = d.start || d.end ? { valuePeriod: { ...(d.start ? { start: d.start } : {}), ...(d.end ? { end: d.end } : {}) } } : undefined;
  return complex(X12_EXT.date, [['qualifier', code('374', d.qualifier)], ['format', code('1250', d.format)], ['period', period]]);
}

/** N3/N4 → FHIR Address (N407 subdivision as an extension). */
export function addressOf(a: Address | undefined): Json | undefined {
  if (!a) return undefined;
  return {
    ...(a.subdivision ? { extension: [{ url: X12_EXT.subdivision, valueString: a.subdivision }] } : {}),
    ...(a.lines.length ? { line: a.lines } : {}),
    ...(a.city ? { city: a.city } : {}),
    ...(a.state ? { state: a.state } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
    ...(a.country ? { country: a.country } : {}),
  };
}

/** PER03/05/07 communication number qualifier (element 365) → ContactPoint.system. */
const TELECOM: Record<string, string> = { TE: 'phone', FX: 'fax', EM: 'email', UR: 'url', EX: 'other', ED: 'other' };

/** PER numbers → ContactPoints; a qualifier FHIR has no system for stays in an extension. */
export function telecomOf(c: Contact): Json[] {
  return c.numbers.map((n) => ({
    ...(TELECOM[n.qualifier] && TELECOM[n.qualifier] !== 'other' ? {} : { extension: [{ url: X12_EXT.communicationQualifier, valueCoding: coding(X12CS('365'), n.qualifier) }] }),
    system: TELECOM[n.qualifier] ?? 'other',
    value: n.value,
  }));
}

/** PER → Organization.contact: purpose (X12 366 contact function), name, telecom. */
export function organizationContact(c: Contact): Json {
  return { purpose: { coding: [coding(X12CS('366'), c.function)] }, ...(c.name ? { name: { text: c.name } } : {}), ...(c.numbers.length ? { telecom: telecomOf(c) } : {}) };
}

/** NM108/NM109 → Identifier (system by qualifier, the X12 qualifier always in type). */
export function identifierOf(qualifier: string | undefined, value: string | undefined): Json | undefined {
  if (!value) return undefined;
  const system = qualifier ? NM108_TO_SYSTEM[qualifier] : undefined;
  return { ...(qualifier ? { type: { coding: [coding(X12CS('66'), qualifier)] } } : {}), ...(system ? { system } : {}), value };
}

/** REF → Identifier typed by its X12 qualifier (element 128), REF03 as type text. */
export function refIdentifier(r: Ref): Json {
  return { type: { coding: [coding(X12CS('128'), r.qualifier)], ...(r.description ? { text: r.description } : {}) }, value: r.value };
}
