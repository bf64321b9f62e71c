/** FHIR endpoints that are not operations: metadata, and the 404 for unknown /fhir routes. */
import type { Hono } from 'hono';
import { capabilityStatement } from '../../fhir/capability.ts';
import { outcomeOf } from '../../fhir/outcome.ts';
import { baseUrlOf, FHIR_JSON } from '../app.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { VERSION } from '../../version.ts';

export function fhirRoutes(app: Hono<AppEnv>, deps: AppDeps) {
  app.get('/fhir/metadata', (c) => {
    const cs = capabilityStatement({ baseUrl: baseUrlOf(deps, c.req.url), version: VERSION, now: deps.now?.() ?? new Date() });
    return c.body(JSON.stringify(cs), 200, { 'Content-Type': FHIR_JSON });
  });
  app.all('/fhir/*', (c) => {
    const path = new URL(c.req.url).pathname;
    return c.body(JSON.stringify(outcomeOf('not-found', `no FHIR route for ${c.req.method} ${path}`)), 404, {
      'Content-Type': FHIR_JSON,
    });
  });
}
