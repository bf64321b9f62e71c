/** FHIR endpoints that are not operations: metadata, and the 404 for unknown /fhir routes. */
import type { Hono } from 'hono';
import { clientAllows, requireAuth, tokenIssuer } from '../../auth/index.ts';
import { capabilityStatement } from '../../fhir/capability.ts';
import { payerDirectory } from '../../fhir/operations/payer-directory.ts';
import { baseUrlOf, FHIR_JSON, unmatched } from '../app.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { VERSION } from '../../version.ts';
import { rateLimit } from '../rate-limit/index.ts';

/** Resource paths that need a bearer token (scopes are checked per operation). */
export const PROTECTED_PATHS = ['/fhir/Claim/*', '/fhir/ClaimResponse/*', '/fhir/CoverageEligibilityRequest/*', '/fhir/Subscription', '/fhir/Subscription/*'];

/** Bearer-token checks for every protected FHIR path; registered before any FHIR handler. */
export function fhirAuth(app: Hono<AppEnv>, deps: AppDeps) {
  const auth = requireAuth(deps.keys, () => tokenIssuer(deps.config), (claims) => clientAllows(deps.db, claims));
  const limit = rateLimit(deps.config.rateLimitPerMinute);
  for (const p of PROTECTED_PATHS) app.use(p, auth, limit);
}

export function fhirRoutes(app: Hono<AppEnv>, deps: AppDeps) {
  app.get('/fhir/metadata', (c) => {
    const cs = capabilityStatement({ baseUrl: baseUrlOf(deps, c.req.url), version: VERSION, now: deps.now?.() ?? new Date(), payers: payerDirectory(deps) });
    return c.body(JSON.stringify(cs), 200, { 'Content-Type': FHIR_JSON });
  });
  // Past the token check: an unknown FHIR path is 404, a known one asked with another method 405.
  app.all('/fhir/*', unmatched(app));
}
