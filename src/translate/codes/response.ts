/** Code maps used only when reading a 278 response (X217 BHT02 11) into a PAS response. */
import { X12CS } from './systems.ts';

/**
 * 2000E name loops of a response, told apart by NM101 (element 98): the additional patient
 * information contact (2010EB, "send what we asked for to …") is the UMO, a TPA, an organization,
 * a facility acting for it or a provider; transport addresses (2010EC) use the ambulance codes;
 * every other NM101 names a patient event provider (2010EA).
 */
export const RESPONSE_CONTACT_ENTITIES = new Set(['1P', '2B', 'ABG', 'PR', 'X3']);
export const TRANSPORT_ENTITIES = new Set(['45', 'FS', 'ND', 'PW', 'R3']);

/** PER communication number qualifier (element 365) → ContactPoint.system. */
export const PER_TO_TELECOM: Record<string, string> = { TE: 'phone', FX: 'fax', EM: 'email', UR: 'url', EX: 'phone' };

/** HSD01 quantity qualifier (element 673) → what the authorized quantity counts. */
export const QUANTITY_QUALIFIER_UNIT: Record<string, string> = { DY: 'days', FL: 'units', HS: 'hours', MN: 'months', VS: 'visits' };

/** SV103 / SV204 unit basis (element 355) → the unit of an authorized service quantity. */
export const UNIT_BASIS_UNIT: Record<string, string> = { DA: 'days', F2: 'international units', MJ: 'minutes', UN: 'units', HS: 'hours', MO: 'months', VS: 'visits' };

/** The X12 quantity units PAS binds Quantity.code to (prof-3): HSD01's element 673. */
export const QUANTITY_UNITS_SYSTEM = X12CS('673');

/** 2000F HI qualifier for a request for additional information: LOINC attachment codes. */
export const LOINC_REQUEST_QUALIFIER = 'LOI';
export const LOINC = 'http://loinc.org';

/**
 * LOINC attachment modifier codes (class LP7763-8, PAS contentModifier): they qualify the request
 * code before them ("include observations made 3 months or fewer before the service" …) rather
 * than ask for a document of their own.
 */
export const LOINC_MODIFIERS = new Set(['18803-7', '18804-5', '18805-2']);

/**
 * LOINC 102089-0 asks for a questionnaire; the TRN at the same level is then the DTR context id
 * (PAS ainfo-3).
 */
export const LOINC_QUESTIONNAIRE = '102089-0';

/** PRV01 provider code (element 1221), for itemAuthorizedProvider.role. */
export const PROVIDER_CODE_SYSTEM = X12CS('1221');

/**
 * itemAuthorizedProvider.role is bound (required) to FHIR claim-careteamrole: PRV01 → the closest
 * of primary / assist / supervisor / other (the X12 code travels beside it).
 */
export const CARE_TEAM_ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claimcareteamrole';
export const PROVIDER_CODE_TO_CARE_TEAM_ROLE: Record<string, string> = { AT: 'primary', OP: 'primary', PE: 'primary', PC: 'primary', AS: 'assist', SU: 'supervisor' };

/** PWK01 report type (element 755) and PWK02 transmission code (element 756) code systems. */
export const REPORT_TYPE_SYSTEM = X12CS('755');
export const TRANSMISSION_CODE_SYSTEM = X12CS('756');

/**
 * Identifier.system for a REF supplemental id (REF01, element 128; PAS Identifier needs one): the national ones by their FHIR
 * naming system, the others (state license, UPIN, facility, carrier-assigned ZH …) in a namespace
 * named after their X12 qualifier.
 */
export function providerRefSystem(qualifier: string): string {
  return { EI: 'http://terminology.hl7.org/NamingSystem/USEIN', SY: 'http://hl7.org/fhir/sid/us-ssn' }[qualifier] ?? `urn:x12:005010:128:${qualifier}`;
}
