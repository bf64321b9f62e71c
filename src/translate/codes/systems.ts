/** Canonical URLs the PAS 2.2.1 mappings read and write: profiles, extensions, code systems. */

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

export const PROFILE = {
  claimResponse: `${PAS}profile-claimresponse`,
  responseBundle: `${PAS}profile-pas-response-bundle`,
  claimUpdate: `${PAS}profile-claim-update`,
  beneficiary: `${PAS}profile-beneficiary`,
  insurer: `${PAS}profile-insurer`,
  requestor: `${PAS}profile-requestor`,
  practitioner: `${PAS}profile-practitioner`,
  organization: `${PAS}profile-organization`,
} as const;

export const EXT = {
  levelOfServiceCode: `${PAS}extension-levelOfServiceCode`,
  certificationType: `${PAS}extension-certificationType`,
  serviceItemRequestType: `${PAS}extension-serviceItemRequestType`,
  itemTraceNumber: `${PAS}extension-itemTraceNumber`,
  authorizationNumber: `${PAS}extension-authorizationNumber`,
  administrationReferenceNumber: `${PAS}extension-administrationReferenceNumber`,
  identifierSubDepartment: `${PAS}extension-identifierSubDepartment`,
  careTeamClaimScope: `${PAS}extension-careTeamClaimScope`,
  conditionCode: `${PAS}extension-conditionCode`,
  homeHealthCareInformation: `${PAS}extension-homeHealthCareInformation`,
  documentInformation: `${PAS}extension-documentInformation`,
  militaryStatus: `${PAS}extension-militaryStatus`,
  patientStatus: `${PAS}extension-patientStatus`,
  requestedService: `${PAS}extension-requestedService`,
  infoChanged: `${PAS}extension-infoChanged`,
  infoCancelled: `${PAS}modifierextension-infoCancelled`,
  revenueUnitRateLimit: `${PAS}extension-revenueUnitRateLimit`,
  nursingHomeResidentialStatus: `${PAS}extension-nursingHomeResidentialStatus`,
  nursingHomeLevelOfCare: `${PAS}extension-nursingHomeLevelOfCare`,
  diagnosisRecordedDate: `${PAS}extension-diagnosisRecordedDate`,
  timingCalendarPattern: `${PAS}extension-timingcalendarpattern`,
  timingDeliveryPattern: `${PAS}extension-timingdeliverypattern`,
  claimEncounter: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Claim.encounter',
  // response side
  reviewAction: `${PAS}extension-reviewAction`,
  reviewActionCode: `${PAS}extension-reviewActionCode`,
  itemPreAuthIssueDate: `${PAS}extension-itemPreAuthIssueDate`,
  itemPreAuthPeriod: `${PAS}extension-itemPreAuthPeriod`,
  itemRequestedServiceDate: `${PAS}extension-itemRequestedServiceDate`,
  itemAuthorizedProvider: `${PAS}extension-itemAuthorizedProvider`,
  itemAuthorizedDetail: `${PAS}extension-itemAuthorizedDetail`,
  authorizedProviderType: `${PAS}extension-authorizedProviderType`,
  revenueCode: `${PAS}extension-revenueCode`,
  itemCategory: `${PAS}extension-itemCategory`,
  admissionDates: `${PAS}extension-admissionDates`,
  dischargeDate: `${PAS}extension-dischargeDate`,
  errorElement: `${PAS}extension-errorElement`,
  errorPath: `${PAS}extension-errorPath`,
  errorFollowupAction: `${PAS}extension-errorFollowupAction`,
} as const;

/** X12 external code lists as PAS names them (`https://codesystem.x12.org/005010/<element>`). */
export const X12CS = (element: string): string => `https://codesystem.x12.org/005010/${element}`;

export const CS = {
  reviewAction: X12CS('306'),
  rejectReason: X12CS('901'),
  followUpAction: X12CS('889'),
  requestCategory: X12CS('1525'),
  certificationType: X12CS('1322'),
  serviceType: X12CS('1365'),
  levelOfService: X12CS('1338'),
  relationship: X12CS('1069'),
  entityIdentifier: X12CS('98'),
  /** HCR03 reasons come from external code source 886. */
  reviewDecisionReason: 'https://codesystem.x12.org/external/886',
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  adjudication: 'http://terminology.hl7.org/CodeSystem/adjudication',
  subscriberRelationship: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
  pasTemp: 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes',
  placeOfService: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
  typeOfBill: 'https://www.nubc.org/CodeSystem/TypeOfBill',
  revenue: 'https://www.nubc.org/CodeSystem/RevenueCodes',
  admitType: 'https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit',
  admitSource: 'https://www.nubc.org/CodeSystem/PointOfOrigin',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  nuccTaxonomy: 'http://nucc.org/provider-taxonomy',
  v2IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  hcpcs: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  cpt: 'http://www.ama-assn.org/go/cpt',
  unitsOfMeasure: 'http://unitsofmeasure.org',
} as const;
