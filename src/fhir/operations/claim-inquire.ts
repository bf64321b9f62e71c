/**
 * `POST /fhir/Claim/$inquire` (PAS): a PAS inquiry Bundle → Parameters with one `responseBundle`
 * per matching request of the caller's organization, answered from the store. Matches on the
 * Claim's identifiers (the trace numbers of the original requests); when no request has them, on
 * the member id together with the provider and, when given, the service date. (The inquiry profile
 * requires a Claim identifier, so "no identifier" alone would leave the member match unreachable.)
 */
import type { Hono } from 'hono';
import { recordAudit } from '../../audit/index.ts';
import { requireScope } from '../../auth/index.ts';
import { normalizeIdentifier } from '../../db/crypto/index.ts';
import { inquiryCandidates } from '../../db/queries/requests.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { operationOutcome } from '../outcome.ts';
import { hasErrors, toOutcomeIssues } from '../validate/index.ts';
import type { Bundle } from '../bundle.ts';
import { currentResponse, inquiryKeys } from './claim-submit.ts';
import { readFhirBody } from './read-body.ts';
import { validationOf } from './validate-offload.ts';
import { readingClientData } from './client-data.ts';

/** How many of the organization's newest candidate requests an inquiry looks through. */
const SCAN_LIMIT = 2000;

export function claimInquireRoute(app: Hono<AppEnv>, deps: AppDeps) {
  app.post('/fhir/Claim/$inquire', requireScope('Claim', 'r'), async (c) => {
    const auth = c.var.auth!;
    const body = await readFhirBody(c, 'Bundle');
    const bundle = body.resource as unknown as Bundle;
    const issues = await validationOf(deps).validate('inquiry', body);
    if (hasErrors(issues)) return c.body(JSON.stringify(operationOutcome(toOutcomeIssues(issues) as never)), 400, { 'Content-Type': FHIR_JSON });

    const claim = bundle.entry?.[0]?.resource as { identifier?: { value?: string }[] };
    const wantedIds = new Set((Array.isArray(claim.identifier) ? claim.identifier : []).map((i) => i?.value).filter((v): v is string => typeof v === 'string' && v !== ''));
    const keys = readingClientData(c.var.log, 'search keys', () => inquiryKeys(bundle)) as { memberIds: string[]; providerIds: string[]; serviceDate: string | null };
    // Member ids are stored encrypted: the store finds candidates by their keyed hash.
    const rows = await inquiryCandidates(deps.db, auth.orgId, { identifiers: [...wantedIds] as string[], memberIds: keys.memberIds, limit: SCAN_LIMIT });
    type Keys = { claimIdentifier?: string; memberIds?: string[]; providerIds?: string[]; serviceDate?: string | null };
    const byIdentifier = rows.filter((r) => wantedIds.has(r.traceNumber ?? '') || wantedIds.has((r.summary as Keys).claimIdentifier ?? ''));
    const asked = new Set(keys.memberIds.map(normalizeIdentifier));
    const matches = byIdentifier.length
      ? byIdentifier
      : rows.filter((r) => {
          const s = r.summary as Keys;
          // Member ids compare as the search hash does (normalizeIdentifier: trimmed, case-insensitive).
          const member = (s.memberIds ?? []).some((x) => asked.has(normalizeIdentifier(x)));
          const provider = keys.providerIds.length === 0 || keys.providerIds.some((p) => s.providerIds?.includes(p));
          const date = !keys.serviceDate || !s.serviceDate || s.serviceDate.slice(0, 10) === keys.serviceDate.slice(0, 10);
          return member && provider && date;
        });
    const bundles = [];
    for (const r of matches) bundles.push(await currentResponse(deps, r));
    await recordAudit(deps.db, {
      actor: `client:${auth.clientId}`,
      action: 'phi.read',
      orgId: auth.orgId,
      entityType: 'request',
      entityId: matches.map((m) => m.id).join(',') || null,
      requestId: c.var.requestId,
      detail: { operation: 'Claim/$inquire', matches: matches.length },
    });
    const parameters = { resourceType: 'Parameters', parameter: bundles.map((b) => ({ name: 'responseBundle', resource: b })) };
    return c.body(JSON.stringify(parameters), 200, { 'Content-Type': FHIR_JSON });
  });
}
