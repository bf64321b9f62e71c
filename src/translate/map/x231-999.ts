/**
 * A payer's 999 (005010X231A1) rejecting one of our transactions → the request's response
 * `error`s (ClaimResponse, CoverageEligibilityResponse): `ackErrors` in translate/acks.ts. An
 * accepting 999 changes nothing in FHIR: it is an audit event on the request.
 */
import { EXT } from '../codes/systems.ts';
import type { MapEntry, Representation } from './types.ts';

const ERROR = '(ClaimResponse.error | CoverageEligibilityResponse.error)';
const ELEMENT = `${ERROR}.extension.where(url='${EXT.errorElement}').extension.where(url='error').valueString`;
const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '999', loop, segment, element, fhir, as, ...extra,
});

export const X231_999_MAP: readonly MapEntry[] = [
  e('HEADER', 'AK1', [1, 2, 3], '(ClaimResponse.request | CoverageEligibilityResponse.request)', 'present', { note: 'which of our groups: AK102 is our GS06, which is our ISA13 number: the request it answers' }),
  e('2000', 'AK2', [1, 2, 3], '(ClaimResponse.request | CoverageEligibilityResponse.request)', 'present', { note: 'which of our transaction sets' }),
  e('2100', 'IK3', 1, ELEMENT, 'contains'),
  e('2100', 'IK3', 2, ELEMENT, 'contains', { note: 'segment position from ST' }),
  e('2100', 'IK3', 3, ELEMENT, 'contains', { note: 'loop id' }),
  e('2100', 'IK3', 4, `${ERROR}.code.coding.code`, 'value', { note: 'X12 620 segment syntax error' }),
  ...[undefined, 1, 2, 3].map((component) => e('2100', 'CTX', [1, 2, 3, 4, 5, 6], `${ERROR}.code.text`, 'contains', { ...(component ? { component } : {}), note: 'segment context, business unit identifier' })),
  e('2110', 'IK4', 1, ELEMENT, 'present', { note: 'element, component, repetition positions' }),
  e('2110', 'IK4', 2, `${ERROR}.code.text`, 'contains', { note: 'data element reference number' }),
  e('2110', 'IK4', 3, `${ERROR}.code.coding.code`, 'value', { note: 'X12 621 element syntax error' }),
  e('2110', 'IK4', 4, `${ERROR}.code.text`, 'contains', { note: 'the bad value the payer quotes (the provider\'s own data)' }),
  ...[undefined, 1, 2, 3].map((component) => e('2110', 'CTX', [1, 2, 3, 4, 5, 6], `${ERROR}.code.text`, 'contains', { ...(component ? { component } : {}), note: 'element context' })),
  e('2000', 'IK5', 1, ERROR, 'present', { note: 'R/M/W/X: the request becomes rejected with these errors; A/E: an audit event only' }),
  e('2000', 'IK5', [2, 3, 4, 5, 6], `${ERROR}.code.coding.code`, 'value', { note: 'X12 618 transaction set syntax error' }),
  e('TRAILER', 'AK9', 1, ERROR, 'present', { note: 'the group verdict' }),
  e('TRAILER', 'AK9', [2, 3, 4], ERROR, 'present', { note: 'sets included, received, accepted: in the audit event' }),
  e('TRAILER', 'AK9', [5, 6, 7, 8, 9], `${ERROR}.code.coding.code`, 'value', { note: 'X12 716 functional group syntax error' }),
];
