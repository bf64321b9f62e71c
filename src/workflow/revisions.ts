/**
 * What an update or a cancel does, by the state of the request it revises (PAS spec-65 and the
 * cancel of a whole request, certification type 3). Every state has an answer; none is a fault.
 * Pure: data in, data out.
 *
 * | prior request                                   | cancel                          | update                       |
 * |-------------------------------------------------|---------------------------------|------------------------------|
 * | not found (we never saw it)                     | send (the payer may know it)    | send                         |
 * | queued (not yet sent)                           | stop it, cancel here            | send                         |
 * | sent, pended, certified, partially, modified, denied, error | send to the payer   | send                         |
 * | answered here, never sent (no PA needed, gold card) | cancel here                 | send (rules decide again)    |
 * | rejected by the payer (AAA, 999: no case there) | cancel here                     | send (a resubmission)        |
 * | cancelled                                       | cancel here (already cancelled) | refuse: submit a new request |
 */
import type { RequestState } from './states.ts';

export type RevisionKind = 'update' | 'cancel';
export type RevisionPlan = 'send' | 'cancel-here' | 'refuse';

export interface PriorFacts {
  status: RequestState;
  /** Did a 278 (or the PAS Bundle, to a FHIR payer) ever leave for the payer? */
  sentToPayer: boolean;
}

export function revisionPlan(kind: RevisionKind, prior: PriorFacts | undefined): RevisionPlan {
  if (!prior) return 'send';
  if (prior.status === 'cancelled') return kind === 'cancel' ? 'cancel-here' : 'refuse';
  if (kind === 'update') return 'send';
  if (prior.status === 'queued' || prior.status === 'received') return 'cancel-here';
  if (prior.status === 'rejected') return 'cancel-here';
  return prior.sentToPayer ? 'send' : 'cancel-here';
}
