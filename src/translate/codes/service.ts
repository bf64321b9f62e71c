/** Service-level code maps: claim type → service segment, code systems → qualifiers, units, dates. */
import { CS } from './systems.ts';

/** 2000F service segment by Claim.type (claim-type code system). */
export const SERVICE_SEGMENT_BY_CLAIM_TYPE: Record<string, 'SV1' | 'SV2' | 'SV3'> = {
  professional: 'SV1',
  vision: 'SV1',
  pharmacy: 'SV1',
  institutional: 'SV2',
  oral: 'SV3',
};

/**
 * SV101-1 / SV202-1 / SV301-1 product/service id qualifier (element 235) by code system.
 * Codes from the X12 service type list (1365) are not procedures: they travel in UM03 alone.
 */
export const PRODUCT_QUALIFIER: Record<string, string> = {
  [CS.hcpcs]: 'HC',
  [CS.cpt]: 'HC',
  'http://hl7.org/fhir/sid/ndc': 'N4',
  'http://www.ada.org/cdt': 'AD',
  'http://ada.org/cdt': 'AD',
};

/**
 * 2000E HI diagnosis qualifiers (element 1270) by diagnosis role and code system.
 * ICD-10-CM: ABK principal, ABJ admitting, APR patient reason for visit, ABF other.
 * ICD-9-CM: BK, BJ, PR, BF. DRG: DR.
 */
export const DIAGNOSIS_QUALIFIER: Record<string, Record<'principal' | 'admitting' | 'patientreasonforvisit' | 'other', string>> = {
  'http://hl7.org/fhir/sid/icd-10-cm': { principal: 'ABK', admitting: 'ABJ', patientreasonforvisit: 'APR', other: 'ABF' },
  'http://terminology.hl7.org/CodeSystem/icd9cm': { principal: 'BK', admitting: 'BJ', patientreasonforvisit: 'PR', other: 'BF' },
  'https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software': {
    principal: 'DR',
    admitting: 'DR',
    patientreasonforvisit: 'DR',
    other: 'DR',
  },
};

/** Reverse: HI qualifier → code system, for reading diagnoses back. */
export const HI_QUALIFIER_SYSTEM: Record<string, string> = Object.fromEntries(
  Object.entries(DIAGNOSIS_QUALIFIER).flatMap(([system, q]) => Object.values(q).map((code) => [code, system])),
);

/** HI accepts at most 12 diagnoses (HI01–HI12). */
export const MAX_DIAGNOSES = 12;
/** PAS: only the first 14 claim-level and 10 item-level care team members reach the X12 request. */
export const MAX_EVENT_PROVIDERS = 14;
export const MAX_SERVICE_PROVIDERS = 10;

/** UM04-2 facility code qualifier (element 1332) by location code system: B place of service, A bill type. */
export const FACILITY_QUALIFIER: Record<string, string> = {
  [CS.placeOfService]: 'B',
  [CS.typeOfBill]: 'A',
};

/** 2000E DTP qualifiers (element 374) for the PAS supportingInfo categories. */
export const EVENT_DATE_QUALIFIER: Record<string, string> = {
  patientEvent: 'AAH',
  admissionDates: '435',
  dischargeDates: '096',
};
export const ACCIDENT_DATE_QUALIFIER = '439';
export const SERVICE_DATE_QUALIFIER = '472';

/** Response DTP qualifiers (2000E/2000F) and what they mean for the ClaimResponse. */
export const RESPONSE_DATE = {
  eventPeriod: 'AAH',
  issue: '102',
  effective: '007',
  expiration: '036',
  service: '472',
  admission: '435',
  discharge: '096',
} as const;

/**
 * HSD01 quantity qualifier (element 673) from the unit of a requested quantity (UCUM code or text).
 * DY days, FL units, HS hours, MN months, VS visits.
 */
export const HSD_QUANTITY_QUALIFIER: Record<string, string> = {
  d: 'DY',
  day: 'DY',
  days: 'DY',
  h: 'HS',
  hour: 'HS',
  hours: 'HS',
  mo: 'MN',
  month: 'MN',
  months: 'MN',
  visit: 'VS',
  visits: 'VS',
  '{visit}': 'VS',
  unit: 'FL',
  units: 'FL',
  '{unit}': 'FL',
};
/** HSD03 unit for the sample selection modulus (element 355) from Timing.repeat.periodUnit. */
export const HSD_MODULUS_UNIT: Record<string, string> = { d: 'DA', wk: 'WK', mo: 'MO' };
/** HSD05 time period qualifier (element 615) from a duration unit. */
export const HSD_PERIOD_QUALIFIER: Record<string, string> = { h: '6', d: '7', wk: '35', mo: '34', a: '21' };

/** SV103 / SV204 unit basis when the quantity carries no X12 unit code (PAS prof-3). */
export const DEFAULT_UNIT_BASIS = 'UN';
/** Quantity codes PAS allows for X12 (international units, days, units, minutes, hours, months, visits). */
export const X12_UNIT_CODES = new Set(['F2', 'DA', 'UN', 'MJ', 'HS', 'MO', 'VS']);

/** NM101 entity identifier (element 98) for a care team member without a role: SJ service provider. */
export const DEFAULT_PROVIDER_ENTITY = 'SJ';
/** PRV01 provider code (element 1221) by the NM101 of the same name loop. */
export const PRV_CODE_BY_ENTITY: Record<string, string> = {
  '71': 'AT',
  '72': 'OP',
  '73': 'OT',
  AAJ: 'AD',
  DK: 'OR',
  DN: 'RF',
  P3: 'PC',
  SJ: 'PE',
  '1P': 'OR',
};
/** PRV02 reference id qualifier: PXC health care provider taxonomy code. */
export const TAXONOMY_QUALIFIER = 'PXC';
