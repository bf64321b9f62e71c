/**
 * ehr: the SMART Backend Services client to the EHR's FHIR API, and fetching the clinical data the
 * rules ask for into the PAS request Bundle.
 */
export { createEhrClient, EhrError, type EhrClient, type EhrClientOptions, type EhrErrorKind } from './client.ts';
export { fetchDocumentation, type FetchedDocumentation, type FetchReportEntry } from './fetch-docs.ts';
export { attachToBundle, type AttachOptions } from './attach.ts';
