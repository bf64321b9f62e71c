/**
 * The rule-file formats (zod): `rules/prior-auth/<payer-id>.yaml` (which services need prior
 * authorization at one payer, what documentation they need, gold-carded providers, companion-guide
 * overrides) and `rules/states/<XX>.yaml` (state decision timeframes stricter than federal).
 * rules/README.md documents both with examples.
 */
import { z } from 'zod';
import { validNpi } from '../fhir/npi.ts';
import { isCodeSpec } from './codes.ts';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
/** A FHIRPath expression; compiled at load so syntax errors are reported with their line. */
const FhirPath = z.string().min(1);
/** A FHIR search: `Type?param=value&…` with `{patient}`, `{today}`, `{today-90d}` placeholders. */
const Search = z.string().regex(/^[A-Z][A-Za-z]+\?[^\s]+$/, 'must be a FHIR search like Condition?patient={patient}&code=system|code');
const CodeSpec = z.string().refine(isCodeSpec, 'must be a code (72148) or a range of codes of one length (99212-99215)');

const DocSource = z.object({ search: Search, filter: FhirPath.optional() }).strict();

export const DocRequirementSchema = z
  .object({
    id: Id,
    description: z.string().min(1),
    /** Any one source with at least `min` matching resources satisfies the requirement. */
    anyOf: z.array(DocSource).min(1).optional(),
    search: Search.optional(),
    filter: FhirPath.optional(),
    min: z.number().int().min(1).default(1),
  })
  .strict()
  .refine((d) => (d.anyOf === undefined) !== (d.search === undefined), { message: 'give either search (+ filter) or anyOf, not both' })
  .refine((d) => d.anyOf === undefined || d.filter === undefined, { message: 'filter belongs inside each anyOf source', path: ['filter'] });

/**
 * The pre-send data-quality warnings (src/quality) a payer's rules may turn into refusals (422),
 * by name: an NPI failing its check digit, a member id sent before with other demographics, a
 * diagnosis or service code not valid on the service date, an element the payer requires missing.
 */
export const DATA_QUALITY_KINDS = ['npi-check-digit', 'member-demographics', 'code-not-valid', 'required-element'] as const;
export type DataQualityKind = (typeof DATA_QUALITY_KINDS)[number];

/** An element the payer requires for a service, checked before sending (warning, or refusal). */
export const RequiredElementSchema = z
  .object({
    id: Id,
    description: z.string().min(1),
    /** FHIRPath on the request Bundle (`%item` the Claim.item, `%claim`, `%today`): true when present. */
    expression: FhirPath,
    /** What the warning points at, relative to the Claim: `diagnosis`, or `item.<element>` of the line. */
    element: z
      .string()
      .regex(/^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)*$/, 'must be a Claim element path like diagnosis or item.quantity')
      .default('item'),
    /** Refuse the request (422) instead of warning. */
    refuse: z.boolean().default(false),
  })
  .strict();

export const ServiceRuleSchema = z
  .object({
    id: Id,
    description: z.string().min(1),
    /** CPT/HCPCS codes and ranges matched against Claim.item.productOrService. */
    codes: z.array(CodeSpec).min(1),
    /** Code systems accepted; any when absent (PAS senders use several HCPCS/CPT system URLs). */
    systems: z.array(z.string().min(1)).optional(),
    /** CMS place-of-service codes (Claim.item.locationCodeableConcept); any when absent. */
    placeOfService: z.array(z.string().regex(/^\d{2}$/, 'must be a two-digit place-of-service code')).optional(),
    priorAuth: z.enum(['required', 'not-required']),
    /** Extra FHIRPath condition on the request Bundle (`%item` is the Claim.item); must be true to apply. */
    when: FhirPath.optional(),
    documentation: z.array(DocRequirementSchema).default([]),
    /** Elements the payer requires on requests for this service (data-quality warnings or refusals). */
    requiredElements: z.array(RequiredElementSchema).default([]),
  })
  .strict();

const Hours = z.number().int().min(1).max(24 * 30);

export const PriorAuthFileSchema = z
  .object({
    /** The payer id, as in rules/payers/<id>.yaml. */
    payer: Id,
    /** Claim.insurer Organization.identifier values that route to this payer. */
    insurerIdentifiers: z.array(z.string().min(1)).default([]),
    /** What applies to a service no rule names. */
    defaultPriorAuth: z.enum(['required', 'not-required']).default('not-required'),
    companionGuide: z
      .object({
        /** Most service lines (2000F loops) the payer accepts in one 278. */
        maxServiceLines: z.number().int().min(1).max(999).optional(),
      })
      .strict()
      .default({}),
    /** The payer's own (contractual) decision timeframes, when stricter than federal. */
    deadlines: z.object({ expeditedHours: Hours.optional(), standardHours: Hours.optional() }).strict().optional(),
    /** Pre-send data-quality warnings this payer refuses (422) instead of passing on with a warning. */
    dataQuality: z
      .object({ refuse: z.array(z.enum(DATA_QUALITY_KINDS)).default([]) })
      .strict()
      .default({ refuse: [] }),
    services: z.array(ServiceRuleSchema).default([]),
    /**
     * Human review before sending: requests this payer's rules hold in the `review` state until a
     * staff member approves them (or returns them to the provider). `when`: `always`, or only when
     * documentation the rules ask for is still missing after the EHR was asked; `services`: only
     * requests with a line under one of these service rules (any when absent).
     */
    review: z
      .object({
        when: z.enum(['always', 'missing-documentation', 'never']).default('never'),
        services: z.array(Id).min(1).optional(),
      })
      .strict()
      .optional(),
    goldCard: z
      .array(
        z
          .object({
            npi: z.string().refine(validNpi, 'must be a valid NPI (10 digits, Luhn check digit with the 80840 prefix)'),
            name: z.string().optional(),
            /** Service rule ids the provider is exempt for. */
            services: z.array(Id).min(1),
            /** Last day of the exemption (inclusive), YYYY-MM-DD. */
            until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const StateFileSchema = z
  .object({
    state: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter USPS state code'),
    name: z.string().min(1),
    expeditedHours: Hours,
    standardHours: Hours,
    /** The statute or regulation, or "demo values" when the numbers are illustrative. */
    source: z.string().min(1),
    demo: z.boolean().default(false),
  })
  .strict();

export type DocRequirementRule = z.infer<typeof DocRequirementSchema>;
export type ServiceRule = z.infer<typeof ServiceRuleSchema>;
export type RequiredElementRule = z.infer<typeof RequiredElementSchema>;
export type PriorAuthRules = z.infer<typeof PriorAuthFileSchema>;
export type StateRules = z.infer<typeof StateFileSchema>;
