/**
 * Identifier systems and v2-0203 type codes → NM108 identification code qualifiers (element 66), per 278 name loop.
 * A party's identifiers are tried in the loop's preference order; the first that maps wins.
 */

export interface IdentifierRule {
  qualifier: string;
  /** Identifier.system values that carry this kind of id. */
  systems?: string[];
  /** Identifier.type codes (v2-0203) that carry this kind of id. */
  typeCodes?: string[];
}

export const IDENTIFIER_RULES: IdentifierRule[] = [
  // XX: CMS National Provider Identifier
  { qualifier: 'XX', systems: ['http://hl7.org/fhir/sid/us-npi'], typeCodes: ['NPI'] },
  // PI: payor identification (the payer id clearinghouses route on)
  { qualifier: 'PI', typeCodes: ['NIIP'] },
  // NI: National Association of Insurance Commissioners company code
  { qualifier: 'NI', systems: ['urn:oid:2.16.840.1.113883.6.300'], typeCodes: ['NAIC'] },
  // FI / 24: federal taxpayer id, employer id number
  { qualifier: 'FI', systems: ['urn:oid:2.16.840.1.113883.4.4'], typeCodes: ['TAX'] },
  { qualifier: '24', systems: ['http://terminology.hl7.org/NamingSystem/USEIN'], typeCodes: ['EN'] },
  // 34: social security number (individual providers only)
  { qualifier: '34', systems: ['http://hl7.org/fhir/sid/us-ssn'], typeCodes: ['SS'] },
];

/**
 * Which NM108 qualifiers a loop accepts, most preferred first. XV (CMS plan id) and 46 (ETIN)
 * have no FHIR identifier system; they come from the payer configuration (`opts.payer`).
 */
export const NM108_PREFERENCE = {
  /** 2010A UMO name: payer ids before provider ids. */
  umo: ['PI', 'XV', 'NI', 'FI', '24', '46', 'XX'],
  /** 2010B requester, 2010EA patient event provider, 2010F service provider. */
  provider: ['XX', '24', 'FI', '34', '46'],
} as const;

/** NM108 → identifier system, for parties built from a 278 response. */
export const NM108_TO_SYSTEM: Record<string, string> = {
  XX: 'http://hl7.org/fhir/sid/us-npi',
  FI: 'urn:oid:2.16.840.1.113883.4.4',
  NI: 'urn:oid:2.16.840.1.113883.6.300',
};

/** 2010C NM108 for the member id: MI (member identification number) is the only X217 value. */
export const MEMBER_ID_QUALIFIER = 'MI';
/** Patient.identifier type that marks the member id (PAS beneficiary slice). */
export const MEMBER_ID_TYPE = 'MB';
