/**
 * `POST /fhir/Claim/$inquire` (PAS OperationDefinition Claim-inquiry): input `resource`, a PAS
 * Inquiry Request Bundle (bare, or in Parameters); output `return` 0..*, one PAS Inquiry Response
 * Bundle per matching prior authorization, in a Parameters resource. Matching follows the IG's
 * inquiry rules (`inquiry-match.ts`): member id plus provider NPI required, every other criterion
 * the example gives must match, nothing matched → no `return`. A request that was updated or
 * cancelled since answers with its latest replacement's current response (spec-47/48).
 */
import type { Hono } from 'hono';
import { recordAudit } from '../../audit/index.ts';
import { requireScope } from '../../auth/index.ts';
import { findOrganization } from '../../db/queries/clients.ts';
import { inquiryCandidates, latestMessage, latestRevision, type RequestRow } from '../../db/queries/requests.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { RESPONSE_SET } from '../../requests/index.ts';
import { listed, type Bundle } from '../bundle.ts';
import { operationOutcome } from '../outcome.ts';
import { hasErrors, toOutcomeIssues } from '../validate/index.ts';
import { currentResponse } from './claim-submit.ts';
import { readingClientData } from './client-data.ts';
import { inquiryMatches, pasKeys, type StoredKeys } from './inquiry-match.ts';
import { inquiryResponse } from './inquiry-response.ts';
import { readFhirBody } from './read-body.ts';
import { validationOf } from './validate-offload.ts';

/** How many of the newest requests of the member an inquiry looks through. */
const SCAN_LIMIT = 2000;

type Keys = { claimIdentifier?: string; authNumber?: string | null; memberIds?: string[]; providerIds?: string[]; serviceDate?: string | null; serviceEnd?: string | null; serviceCodes?: string[] };

/** The numbers a request answers to: Claim identifier, trace number, and the payer's REF-BB/NT. */
async function numbersOf(deps: AppDeps, r: RequestRow): Promise<string[]> {
  const s = r.summary as Keys;
  const numbers = [s.claimIdentifier, r.traceNumber, s.authNumber].filter((n): n is string => typeof n === 'string' && n !== '');
  const stored = await latestMessage(deps.db, r.id, RESPONSE_SET);
  if (stored) {
    for (const m of stored.payload.matchAll(/extension-(?:authorizationNumber|administrationReferenceNumber)","valueString":"([^"]+)"/g)) numbers.push(m[1]!);
    for (const m of stored.payload.matchAll(/"preAuthRef":"([^"]+)"/g)) numbers.push(m[1]!);
  }
  return numbers;
}

async function storedKeys(deps: AppDeps, r: RequestRow): Promise<StoredKeys> {
  const s = r.summary as Keys;
  return {
    memberIds: s.memberIds ?? [],
    providerIds: s.providerIds ?? [],
    numbers: await numbersOf(deps, r),
    serviceDate: s.serviceDate ?? null,
    serviceEnd: s.serviceEnd ?? null,
    serviceCodes: s.serviceCodes ?? [],
  };
}

export function claimInquireRoute(app: Hono<AppEnv>, deps: AppDeps) {
  app.post('/fhir/Claim/$inquire', requireScope('Claim', 'r'), async (c) => {
    const auth = c.var.auth!;
    const body = await readFhirBody(c, 'Bundle');
    const bundle = body.resource as unknown as Bundle;
    const issues = await validationOf(deps).validate('inquiry', body);
    if (hasErrors(issues)) return c.body(JSON.stringify(operationOutcome(toOutcomeIssues(issues) as never)), 400, { 'Content-Type': FHIR_JSON });

    const asked = readingClientData(c.var.log, 'search keys', () => pasKeys(bundle));
    if (asked.memberIds.length === 0) throw new AppError('unprocessable', 'an inquiry must name the member (spec-53): a Patient identifier or the Coverage subscriberId', 'Bundle.entry[0].resource.patient');
    if (asked.providerIds.length === 0) throw new AppError('unprocessable', "an inquiry must name the ordering or rendering provider's NPI (spec-53)", 'Bundle.entry[0].resource.provider');
    // Another organization's request is found only where this organization's own NPI is one of its providers.
    const own = await findOrganization(deps.db, auth.orgId);
    const npi = own?.npi && asked.providerIds.includes(own.npi) ? own.npi : null;
    const candidates = await inquiryCandidates(deps.db, { orgId: auth.orgId, npi, memberIds: asked.memberIds, limit: SCAN_LIMIT });
    const matched: RequestRow[] = [];
    for (const r of candidates) if (inquiryMatches(asked, await storedKeys(deps, r))) matched.push(r);
    // spec-47/48: a replaced request answers with its latest replacement's current response, once.
    const current = new Map<string, RequestRow>();
    for (const r of matched) {
      const latest = await latestRevision(deps.db, r);
      current.set(latest.id, latest);
    }
    const results: Bundle[] = [];
    for (const r of current.values()) results.push(inquiryResponse(await currentResponse(deps, r, { record: false }), bundle, { otherOrganization: r.orgId !== auth.orgId }));
    await recordAudit(deps.db, {
      actor: `client:${auth.clientId}`,
      action: 'phi.read',
      orgId: auth.orgId,
      entityType: 'request',
      entityId: [...current.keys()].join(',') || null,
      requestId: c.var.requestId,
      detail: { operation: 'Claim/$inquire', matches: current.size, otherOrganizations: [...current.values()].filter((r) => r.orgId !== auth.orgId).length },
    });
    // OperationDefinition Claim-inquiry: output parameter `return`, 0..*, each a Bundle; no match, no parameter.
    const parameters = { resourceType: 'Parameters', ...listed('parameter', results.map((b) => ({ name: 'return', resource: b }))) };
    return c.body(JSON.stringify(parameters), 200, { 'Content-Type': FHIR_JSON });
  });
}
