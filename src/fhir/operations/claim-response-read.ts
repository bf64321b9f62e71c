/** `GET /fhir/ClaimResponse/{id}`: the current response of one of the caller's own requests. */
import type { Hono } from 'hono';
import { recordAudit } from '../../audit/index.ts';
import { requireScope } from '../../auth/index.ts';
import { findRequest } from '../../db/queries/requests.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { currentResponse } from './claim-submit.ts';

export function claimResponseReadRoute(app: Hono<AppEnv>, deps: AppDeps) {
  app.get('/fhir/ClaimResponse/:id', requireScope('ClaimResponse', 'r'), async (c) => {
    const auth = c.var.auth!;
    // Another organization's id is indistinguishable from an unknown one.
    const request = await findRequest(deps.db, auth.orgId, c.req.param('id'));
    if (!request || request.kind !== 'prior-auth') throw new AppError('not_found', 'ClaimResponse not found', 'ClaimResponse.id');
    const bundle = await currentResponse(deps, request, { record: false });
    await recordAudit(deps.db, {
      actor: `client:${auth.clientId}`,
      action: 'phi.read',
      orgId: auth.orgId,
      entityType: 'request',
      entityId: request.id,
      requestId: c.var.requestId,
      detail: { operation: 'ClaimResponse.read' },
    });
    return c.body(JSON.stringify(bundle.entry?.[0]?.resource), 200, { 'Content-Type': FHIR_JSON });
  });
}
