/** `GET /ui/payers`: the payer directory for staff (`../../fhir/payer-directory.ts`). */
import type { Hono } from 'hono';
import { payerDirectory } from '../../fhir/operations/payer-directory.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { allow, staffOf, uiGuard } from '../guards.ts';
import type { StaffDeps } from '../types.ts';
import { payersPage } from '../views/payers.tsx';

export function payerRoutes(app: Hono<AppEnv>, s: StaffDeps, deps: AppDeps) {
  app.get('/ui/payers', uiGuard, allow(s, 'requests.read'), (c) => c.html(payersPage({ staff: staffOf(c), payers: payerDirectory(deps) })));
}
