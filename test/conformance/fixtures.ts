/**
 * The request payloads the conformance suite sends, in the roles the Inferno PAS server suite gives
 * its inputs (approval, denial and pended requests; must-support `$submit` and `$inquire` requests;
 * the four Claim Update steps; the Subscription). Built from the IG's own examples, read in place
 * from the shared corpus, the way the kit's presets are: the must-support requests fill every
 * must-support element of the request-side profiles whose resources a response echoes (Insurer,
 * Requestor, Beneficiary, Practitioner, PractitionerRole), and pick the demo payers' behaviours
 * (the member id's last letter, CONTRACT.md) that make the answers show every must-support element
 * of the response side.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { inquiryFor, pasExample } from '../helpers/gateway.ts';
import { revisionOf } from '../helpers/pas-updates.ts';

type Json = Record<string, any>;

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';
const X12 = (element: string) => `https://codesystem.x12.org/005010/${element}`;
const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const CPT = 'http://www.ama-assn.org/go/cpt';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const TIN = 'http://terminology.hl7.org/NamingSystem/USEIN';
const PAYER_ID = { coding: [{ system: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType', code: 'payerid' }] };

/** Demo Clinic A's NPI: its Subscription filter (spec-58) and the requesting organization's NPI. */
export const CLINIC_A_NPI = '1234567893';

const run = Date.now().toString(36);
let n = 0;
const unique = (tag: string) => `${tag}${run}${(++n).toString(36)}`.replace(/[^0-9A-Za-z]/g, '');

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const address = (line: string, city: string, state: string, postalCode: string) => ({ line: [line], city, district: 'Central', state, postalCode, country: 'US' });
const phone = (value: string) => ({ system: 'phone', value, use: 'work' });

export type Route = 'x12' | 'fhir';

/**
 * A must-support request: the IG's referral example, every must-support element of its echoed
 * parties filled, asking for a service the chosen demo payer reviews (home health for the X12
 * payer, lumbar MRI for the FHIR one).
 */
export function mustSupportRequest(o: { member: string; route: Route; institutional?: boolean }): Json {
  const b = JSON.parse(readFileSync(path.join(PAS_EXAMPLES, 'Bundle-ReferralAuthorizationBundleExample.json'), 'utf8'));
  const tag = unique('MS');
  b.identifier = { system: 'http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER', value: tag };
  const byType = (type: string) => b.entry.filter((e: Json) => e.resource.resourceType === type).map((e: Json) => e.resource);
  const claim = b.entry[0].resource;
  claim.id = `Referral${tag}`;
  b.entry[0].fullUrl = `http://example.org/fhir/Claim/${claim.id}`;
  claim.identifier[0].value = tag.slice(-30);
  claim.created = new Date().toISOString();

  const [patient] = byType('Patient');
  Object.assign(patient, {
    identifier: [{ system: 'http://example.org/MIN', value: o.member }],
    name: [{ family: 'SMITH', given: ['JOE', 'Q'], prefix: ['MR'], suffix: ['JR'] }],
    telecom: [{ system: 'phone', value: '4105551234', use: 'home' }],
    gender: 'male',
    birthDate: '1961-03-04',
    address: [address('12 HARBOR RD', 'BALTIMORE', 'MD', '21201')],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] } }],
    multipleBirthInteger: 1,
  });
  for (const c of byType('Coverage')) c.subscriberId = o.member;

  const insurer = b.entry.find((e: Json) => e.fullUrl.endsWith('InsurerExample')).resource;
  Object.assign(insurer, {
    identifier: [
      { system: NPI, value: '1234567893' },
      { system: TIN, value: '521234567' },
      { type: PAYER_ID, system: 'https://payer-ids.example.org', value: o.route === 'fhir' ? 'demo-fhir-payer' : '99999' },
    ],
    active: true,
    name: o.route === 'fhir' ? 'DEMO FHIR PLAN' : 'DEMO HEALTH PLAN',
    telecom: [phone('8005550100')],
    address: [address('1 PLAN WAY', 'BALTIMORE', 'MD', '21202')],
  });
  const requestor = b.entry.find((e: Json) => e.fullUrl.endsWith('UMOExample')).resource;
  Object.assign(requestor, {
    identifier: [{ system: NPI, value: '8189991234' }, { system: TIN, value: '331234567' }, { type: PAYER_ID, system: 'https://payer-ids.example.org', value: 'REQ8189' }],
    telecom: [phone('6195550111')],
    address: [address('111 1ST STREET', 'SAN DIEGO', 'CA', '92101')],
    contact: [{ name: { text: 'PRIOR AUTH DESK' }, telecom: [phone('6195550112')] }],
  });

  const [practitioner] = byType('Practitioner');
  Object.assign(practitioner, { telecom: [phone('4029993456')], address: [address('111 1ST STREET', 'SAN DIEGO', 'CA', '92101')] });
  const [role] = byType('PractitionerRole');
  const endpoint = { fullUrl: 'http://example.org/fhir/Endpoint/ReferralEndpoint', resource: { resourceType: 'Endpoint', id: 'ReferralEndpoint', status: 'active', connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' }, payloadType: [{ text: 'PAS' }], address: 'https://clinic.example.org/fhir' } };
  b.entry.push(endpoint);
  Object.assign(role, {
    organization: { reference: 'Organization/UMOExample' },
    code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' }] }],
    specialty: [{ coding: [{ system: 'http://nucc.org/provider-taxonomy', code: '207Q00000X' }] }],
    telecom: [phone('4029993456')],
    endpoint: [{ reference: 'Endpoint/ReferralEndpoint' }],
  });
  // An item-level care team member (2010F service provider): the practitioner who renders it.
  const rendering = { ...structuredClone(role), id: 'ReferralRenderingRole' };
  b.entry.push({ fullUrl: 'http://example.org/fhir/PractitionerRole/ReferralRenderingRole', resource: rendering });
  claim.careTeam.push({ extension: [{ url: `${PAS}extension-careTeamClaimScope`, valueBoolean: false }], sequence: 2, provider: { reference: 'PractitionerRole/ReferralRenderingRole' }, role: { coding: [{ system: X12('98'), code: 'SJ' }] } });
  const [service] = byType('ServiceRequest');
  service.quantityQuantity = { value: 3, unit: 'visits' };

  const item = claim.item[0];
  item.careTeamSequence = [2];
  item.productOrService = o.route === 'fhir' ? { coding: [{ system: CPT, code: '72148' }] } : { coding: [{ system: HCPCS, code: 'G0154' }] };
  item.modifier = [{ coding: [{ system: HCPCS, code: 'U1' }] }];
  item.quantity = { value: 3, unit: 'visits' };
  item.unitPrice = { value: 100, currency: 'USD' };
  item.servicedPeriod = { start: day(1), end: day(30) };
  item.locationCodeableConcept = { coding: [{ system: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set', code: '12' }] };
  item.extension.push({ url: `${PAS}extension-productOrServiceCodeEnd`, valueCodeableConcept: { coding: [{ system: HCPCS, code: 'G0155' }] } });
  if (o.route === 'x12') {
    // The project's X217 tables still mark SV120/SV209/SV210 unused (issue 14.7), so the payer's
    // 999 would refuse the nursing home codes: the FHIR route shows them (carried into addItem).
    item.extension = item.extension.filter((e: Json) => !/extension-nursingHome/.test(e.url));
  }
  if (o.institutional) {
    claim.type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] };
    item.revenue = { coding: [{ system: 'https://www.nubc.org/CodeSystem/RevenueCodes', code: '0551' }] };
  }
  return b;
}

/** A must-support set of `$submit` requests, one per demo-payer behaviour that shows its part of the answer. */
export function mustSupportSubmissions(): { why: string; bundle: Json }[] {
  return [
    { why: 'X12, certified (A1): UMO trace numbers, dates, authorized detail and provider', bundle: mustSupportRequest({ member: unique('W9') + 'A', route: 'x12' }) },
    { why: 'X12, modified (A6) at the event and the line, institutional: addItem, stay dates, event providers', bundle: mustSupportRequest({ member: unique('W9') + 'M', route: 'x12', institutional: true }) },
    { why: 'X12, pended (A4) asking for more: CommunicationRequest, Task, REF*NT', bundle: mustSupportRequest({ member: unique('W9') + 'P', route: 'x12' }) },
    { why: 'X12, rejected (AAA): error with element, path and follow-up action', bundle: mustSupportRequest({ member: unique('W9') + 'R', route: 'x12' }) },
    { why: 'FHIR payer, modified after human review: claimResponseReviewer', bundle: mustSupportRequest({ member: unique('W9') + 'M', route: 'fhir' }) },
    { why: 'FHIR payer, pended: Task with the due date (restriction.period)', bundle: mustSupportRequest({ member: unique('W9') + 'P', route: 'fhir' }) },
    { why: 'FHIR payer answering without the Claim link: request data-absent-reason (spec-44)', bundle: mustSupportRequest({ member: unique('W9') + 'U', route: 'fhir' }) },
  ];
}

/** One inquiry per must-support submission, built from it as a provider system builds one. */
export function mustSupportInquiries(submitted: Json[]): Json[] {
  return submitted.map((b) => inquiryFor(b.entry[0].resource.identifier[0].value, b));
}

/** The approval, denial and pended workflow requests: the IG's surgical example (CABG, inpatient). */
export function workflowRequest(useCase: 'approval' | 'denial' | 'pended'): Json {
  const letter = { approval: 'A', denial: 'D', pended: 'P' }[useCase];
  return pasExample('Bundle-SurgicalRequestBundleExample.json', `${unique('W8')}${letter}`, unique('wf'));
}

/**
 * The four Claim Update steps (kit `pas_server_v221_claim_updates`): an initial request with two
 * items, an update adding a third, one changing an item and cancelling another, and the cancel of
 * the whole request — each built from the one before (spec-65..71).
 */
export function claimUpdateSteps(): { key: string; bundle: Json }[] {
  const initial = mustSupportRequest({ member: `${unique('W7')}A`, route: 'x12' });
  const claim = initial.entry[0].resource;
  const second = structuredClone(claim.item[0]);
  second.sequence = 2;
  second.productOrService = { coding: [{ system: HCPCS, code: 'G0156' }] };
  second.extension = second.extension.filter((e: Json) => !/extension-(itemTraceNumber|authorizationNumber|administrationReferenceNumber|productOrServiceCodeEnd)$/.test(e.url));
  claim.item.push(second);
  const third = { ...structuredClone(second), sequence: 3, productOrService: { coding: [{ system: HCPCS, code: 'G0157' }] } };
  const addItem = revisionOf(initial, { tag: 'ai', add: [third] });
  const modifyCancel = revisionOf(addItem, { tag: 'mc', change: [{ sequence: 1, apply: (i) => (i.quantity = { value: 4, unit: 'visits' }) }], cancelItems: [2] });
  const cancelAll = revisionOf(modifyCancel, { tag: 'ca', cancelAll: true });
  return [
    { key: 'initial', bundle: initial },
    { key: 'add_item', bundle: addItem },
    { key: 'modify_cancel', bundle: modifyCancel },
    { key: 'cancel_all', bundle: cancelAll },
  ];
}

/** The Subscription the kit creates: PAS topic, rest-hook with an Authorization header, full-resource (spec-57, 58, 62). */
export function kitSubscription(endpoint: string, notificationToken: string): Json {
  return {
    resourceType: 'Subscription',
    meta: { profile: ['http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription'] },
    status: 'requested',
    reason: 'PAS decisions on pended prior authorizations',
    criteria: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
    _criteria: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria', valueString: `org-identifier=${CLINIC_A_NPI}` }] },
    channel: {
      extension: [
        { url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout', valueUnsignedInt: 60 },
        { url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count', valuePositiveInt: 20 },
      ],
      type: 'rest-hook',
      header: [`Authorization: Bearer ${notificationToken}`],
      endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'full-resource' }] },
    },
  };
}
