/** The CapabilityStatement served at /fhir/metadata (FHIR 4.0.1). */

export interface CapabilityOptions {
  baseUrl: string;
  version: string;
  now: Date;
}

const PAS = 'http://hl7.org/fhir/us/davinci-pas';

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
    { type: 'Claim', supportedProfile: [`${PAS}/StructureDefinition/profile-claim`] },
    { type: 'ClaimResponse', interaction: [{ code: 'read' }], supportedProfile: [`${PAS}/StructureDefinition/profile-claimresponse`] },
    { type: 'CoverageEligibilityRequest' },
    {
      type: 'Subscription',
      interaction: [{ code: 'create' }, { code: 'read' }, { code: 'delete' }, { code: 'search-type' }],
      supportedProfile: ['http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription', `${PAS}/StructureDefinition/profile-subscription`],
    },
  ].map((r) => ({
    ...r,
    operation: OPERATIONS.filter((op) => op.resource === r.type).map((op) => ({ name: op.name, definition: op.definition })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: o.now.toISOString(),
    kind: 'instance',
    publisher: 'Priorgate',
    software: { name: 'Priorgate', version: o.version },
    implementation: { description: 'Priorgate prior-authorization and eligibility gateway', url: `${o.baseUrl}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    implementationGuide: [`${PAS}/ImplementationGuide/hl7.fhir.us.davinci-pas|2.2.1`],
    rest: [
      {
        mode: 'server',
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
