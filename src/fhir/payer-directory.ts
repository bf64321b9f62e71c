/**
 * The payer directory: which payers this gateway routes to, and for each how — as FHIR
 * Organizations (type `pay`) with the gateway's extensions, for provider systems to discover where a
 * prior authorization can go before they send one. Built from the payer configuration
 * (`rules/payers/*.yaml`) and the payers' rules (decision timeframes). Pure.
 *
 * Extensions (canonical base `https://priorgate.org/fhir/StructureDefinition/`):
 * - `payer-transaction` (0..*, code): `pas-fhir` (PAS 2.2.1 natively), `x12-278` (prior
 *   authorization through an X12 278), `x12-270-271` (eligibility), `pas-inquiry` (`$inquire`
 *   answered from the payer's own inquiry, not only from what the gateway holds)
 * - `payer-decision-timeframe` (0..*, complex: `urgency` code standard | expedited, `hours`
 *   decimal, `source` code federal | payer): the latest a decision is due; a stricter state
 *   rule (`rules/states/`) shortens it for members of that state
 * - `payer-synchronous` (boolean): the payer answers in the same exchange; `payer-sync-wait`
 *   (Duration): how long `$submit` waits for that answer before it answers pended (A4)
 */
import type { PayerConfig } from '../rules/payers.ts';
import { FEDERAL_HOURS } from '../workflow/deadlines.ts';

export const DIRECTORY_EXT = 'https://priorgate.org/fhir/StructureDefinition/';
const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
/** Identifier systems of the directory: the gateway's payer id, and the payer's X12 2010A id. */
export const PAYER_ID_SYSTEM = 'https://priorgate.org/fhir/sid/payer-id';
const C4BB_TYPE = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType';

export interface DirectoryInput {
  payer: PayerConfig;
  /** The payer's own deadline commitments (its rules' `deadlines`), when it has any. */
  deadlines?: { standardHours?: number; expeditedHours?: number };
  syncWaitMs: number;
}

export type Organization = Record<string, unknown> & { resourceType: 'Organization'; id: string };

/** The transactions a payer takes through this gateway, by its connector. */
export function transactionsOf(p: PayerConfig): string[] {
  if (p.connector === 'pas-fhir') return ['pas-fhir'];
  return ['x12-278', 'x12-270-271', ...(p.supportsInquiry ? ['pas-inquiry'] : [])];
}

function timeframe(urgency: 'standard' | 'expedited', own: number | undefined): Record<string, unknown> {
  const federal = FEDERAL_HOURS[urgency];
  const hours = own !== undefined ? Math.min(own, federal) : federal;
  return {
    url: `${DIRECTORY_EXT}payer-decision-timeframe`,
    extension: [
      { url: 'urgency', valueCode: urgency },
      { url: 'hours', valueDecimal: hours },
      { url: 'source', valueCode: own !== undefined && own < federal ? 'payer' : 'federal' },
    ],
  };
}

/** One payer as a directory Organization. */
export function payerOrganization(d: DirectoryInput): Organization {
  const p = d.payer;
  return {
    resourceType: 'Organization',
    id: p.id,
    extension: [
      ...transactionsOf(p).map((code) => ({ url: `${DIRECTORY_EXT}payer-transaction`, valueCode: code })),
      timeframe('standard', d.deadlines?.standardHours),
      timeframe('expedited', d.deadlines?.expeditedHours),
      // Every connector is a request/response exchange (CORE real-time, HTTPS X12, PAS $submit).
      { url: `${DIRECTORY_EXT}payer-synchronous`, valueBoolean: true },
      { url: `${DIRECTORY_EXT}payer-sync-wait`, valueDuration: { value: d.syncWaitMs / 1000, unit: 's', system: 'http://unitsofmeasure.org', code: 's' } },
    ],
    identifier: [
      { system: PAYER_ID_SYSTEM, value: p.id },
      ...(p.x12 ? [{ type: { coding: [{ system: C4BB_TYPE, code: 'payerid' }] }, system: PAYER_ID_SYSTEM, value: p.x12.umoId }] : []),
    ],
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'pay', display: 'Payer' }] }],
    name: p.name,
  };
}

export interface DirectoryQuery {
  _id?: string;
  name?: string;
  identifier?: string;
  type?: string;
}

/** FHIR search over the directory: `_id`, `name` (starts with, any case), `identifier` (`[system|]value`), `type`. */
export function searchDirectory(orgs: Organization[], q: DirectoryQuery): Organization[] {
  return orgs.filter((o) => {
    if (q._id && o.id !== q._id) return false;
    if (q.name && !String(o['name'] ?? '').toLowerCase().startsWith(q.name.toLowerCase())) return false;
    if (q.type && !q.type.split(',').some((t) => t === 'pay' || t.endsWith('|pay'))) return false;
    if (q.identifier) {
      const [system, value] = q.identifier.includes('|') ? q.identifier.split('|', 2) : [undefined, q.identifier];
      const ids = (o['identifier'] ?? []) as { system?: string; value?: string }[];
      if (!ids.some((i) => i.value === value && (!system || i.system === system))) return false;
    }
    return true;
  });
}
