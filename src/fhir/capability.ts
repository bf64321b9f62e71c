/** The CapabilityStatement served at /fhir/metadata (FHIR 4.0.1). */

import { listed } from './bundle.ts';

export interface CapabilityOptions {
  baseUrl: string;
  version: string;
  now: Date;
  /** The payer directory: each payer the gateway routes to (`payer-directory.ts`). */
  payers?: { id: string; name?: unknown; extension?: unknown[] }[];
}

const PAS = 'http://hl7.org/fhir/us/davinci-pas';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const PAS_TOPIC = `${PAS}/SubscriptionTopic/PASSubscriptionTopic`;
const DIRECTORY = 'https://priorgate.org/fhir/StructureDefinition/payer-directory-entry';

/** Operations this server declares; later modules add to the table, not to ad-hoc code. */
export const OPERATIONS = [
  { resource: 'Claim', name: 'submit', definition: `${PAS}/OperationDefinition/Claim-submit` },
  { resource: 'Claim', name: 'inquire', definition: `${PAS}/OperationDefinition/Claim-inquiry` },
  {
    resource: 'CoverageEligibilityRequest',
    name: 'submit',
    definition: 'http://hl7.org/fhir/OperationDefinition/CoverageEligibilityRequest-submit',
  },
  { resource: 'Subscription', name: 'status', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status' },
] as const;

export function capabilityStatement(o: CapabilityOptions) {
  const resources = [
    {
      type: 'Claim',
      supportedProfile: [`${PAS}/StructureDefinition/profile-claim`, `${PAS}/StructureDefinition/profile-claim-update`, `${PAS}/StructureDefinition/profile-claim-inquiry`],
    },
    {
      type: 'ClaimResponse',
      interaction: [{ code: 'read' }],
      supportedProfile: [`${PAS}/StructureDefinition/profile-claimresponse`, `${PAS}/StructureDefinition/profile-claiminquiryresponse`],
    },
    { type: 'CoverageEligibilityRequest' },
    {
      type: 'Subscription',
      // PAS spec-55: the Subscriptions (R4 backport) this server supports, on the PAS topic.
      extension: [{ url: `${BACKPORT}/capabilitystatement-subscriptiontopic-canonical`, valueCanonical: PAS_TOPIC }],
      interaction: [{ code: 'create' }, { code: 'read' }, { code: 'update' }, { code: 'delete' }, { code: 'search-type' }],
      searchParam: [
        { name: '_id', type: 'token' },
        { name: 'status', type: 'token' },
      ],
      supportedProfile: [`${BACKPORT}/backport-subscription`, `${PAS}/StructureDefinition/profile-subscription`],
    },
    {
      type: 'Organization',
      documentation: 'The payer directory: the payers this gateway routes prior authorizations and eligibility checks to, with the transactions each takes and its decision timeframes.',
      interaction: [{ code: 'read' }, { code: 'search-type' }],
      searchParam: [
        { name: '_id', type: 'token' },
        { name: 'name', type: 'string' },
        { name: 'identifier', type: 'token' },
        { name: 'type', type: 'token' },
      ],
    },
  ].map((r) => ({
    ...r,
    ...listed('operation', OPERATIONS.filter((op) => op.resource === r.type).map((op) => ({ name: op.name, definition: op.definition }))),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: o.now.toISOString(),
    kind: 'instance',
    // PAS conf-1/conf-3: one endpoint, for PAS 2.2.1, serving every payer and coverage the gateway routes to.
    instantiates: [`${PAS}/CapabilityStatement/IntermediaryCapabilities|2.2.1`],
    publisher: 'Priorgate',
    software: { name: 'Priorgate', version: o.version },
    implementation: { description: 'Priorgate prior-authorization and eligibility gateway', url: `${o.baseUrl}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    implementationGuide: [`${PAS}/ImplementationGuide/hl7.fhir.us.davinci-pas|2.2.1`],
    rest: [
      {
        mode: 'server',
        // The payer directory, as `GET /fhir/Organization` has it: who the gateway routes to.
        ...((o.payers ?? []).length
          ? {
              extension: (o.payers ?? []).map((p) => ({
                url: DIRECTORY,
                extension: [{ url: 'payer', valueReference: { reference: `Organization/${p.id}`, ...(typeof p.name === 'string' ? { display: p.name } : {}) } }, ...(p.extension ?? [])],
              })),
            }
          : {}),
        security: {
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
            },
          ],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: `${o.baseUrl}/auth/token` }],
            },
          ],
        },
        resource: resources,
      },
    ],
  };
}
