/**
 * `GET /fhir/Organization[?name=&identifier=&type=&_id=]` and `GET /fhir/Organization/{id}`: the
 * payer directory (`../payer-directory.ts`), public like the CapabilityStatement that lists it — it
 * names payers and how to reach them, nothing about anyone's requests.
 */
import type { Hono } from 'hono';
import { baseUrlOf, FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { payerOrganization, searchDirectory, type Organization } from '../payer-directory.ts';
import { listed } from '../bundle.ts';

/** Every payer the gateway routes to, as a directory Organization. */
export function payerDirectory(deps: AppDeps): Organization[] {
  const s = deps.services;
  if (!s) return [];
  const rules = s.rules();
  return s.payers
    .all()
    .map((p) => payerOrganization({ payer: p.config, ...(rules.payers[p.config.id]?.deadlines ? { deadlines: rules.payers[p.config.id]!.deadlines } : {}), syncWaitMs: deps.config.syncWaitMs }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function payerDirectoryRoute(app: Hono<AppEnv>, deps: AppDeps) {
  app.get('/fhir/Organization', (c) => {
    const q = c.req.query();
    const base = `${baseUrlOf(deps, c.req.url)}/fhir`;
    const found = searchDirectory(payerDirectory(deps), q);
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: found.length,
      link: [{ relation: 'self', url: c.req.url }],
      ...listed('entry', found.map((o) => ({ fullUrl: `${base}/Organization/${o.id}`, resource: o, search: { mode: 'match' } }))),
    };
    return c.body(JSON.stringify(bundle), 200, { 'Content-Type': FHIR_JSON });
  });
  app.get('/fhir/Organization/:id', (c) => {
    const org = payerDirectory(deps).find((o) => o.id === c.req.param('id'));
    if (!org) throw new AppError('not_found', 'no payer with this id in the directory', 'Organization.id');
    return c.body(JSON.stringify(org), 200, { 'Content-Type': FHIR_JSON });
  });
}
