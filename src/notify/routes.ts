/**
 * `POST/GET/PUT/DELETE /fhir/Subscription[/{id}]`: PAS Subscriptions for the caller's organization.
 * A subscription starts `requested`; a handshake job proves the endpoint and makes it `active`
 * (or `error`). Create, update and delete are audited in the transaction that makes them.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { appendAudit } from '../audit/index.ts';
import { requireScope } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { findOrganization } from '../db/queries/clients.ts';
import { enqueue } from '../db/queries/jobs.ts';
import {
  countSubscriptions,
  deliveryState,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  replaceSubscription,
  setSubscriptionStatus,
  type SubscriptionRow,
} from '../db/queries/subscriptions.ts';
import { readResourceBody } from '../fhir/operations/read-body.ts';
import { operationOutcome, type OutcomeIssue } from '../fhir/outcome.ts';
import { baseUrlOf, FHIR_JSON, type RouteGroup } from '../http/app.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../errors/index.ts';
import { vetEndpoint, type Resolver } from '../net/index.ts';
import { statusBundle } from './status.ts';
import { parseSubscription } from './subscription-input.ts';
import { HANDSHAKE_KIND, NPI_SYSTEM, PAS_TOPIC } from './topic.ts';
import { withTransaction } from '../db/tx.ts';
import { listed } from '../fhir/bundle.ts';

/** Subscriptions an organization may hold at once (each one receives its PHI). */
export const MAX_SUBSCRIPTIONS_PER_ORG = 25;
const HANDSHAKE_ATTEMPTS = 5;
const VISIBLE = ['requested', 'active', 'error', 'off'];
/** What a client's update may ask for: turned off, or (back) on — the server then decides `requested` or `active`. */
const CLIENT_STATUSES = ['requested', 'active', 'off'];

function fhirJson(c: Context<AppEnv>, body: unknown, status: 200 | 201 | 400 | 422, headers: Record<string, string> = {}) {
  return c.body(JSON.stringify(body), status, { 'Content-Type': FHIR_JSON, ...headers });
}

function outcome(c: Context<AppEnv>, status: 400 | 422, issues: OutcomeIssue[]) {
  return fhirJson(c, operationOutcome(issues), status);
}

/** The stored resource with the server's id, status and meta. */
export function renderSubscription(row: SubscriptionRow): Record<string, unknown> {
  const { resourceType: _t, id: _i, status: _s, meta, ...rest } = row.resource as Record<string, unknown>;
  return {
    resourceType: 'Subscription',
    id: row.id,
    meta: { ...(meta as object), lastUpdated: row.createdAt.toISOString() },
    status: row.status,
    ...rest,
    ...(row.status === 'error' ? { error: row.statusReason ?? 'the endpoint refused or failed the handshake, or is no longer allowed' } : {}),
  };
}

function caller(c: Context<AppEnv>) {
  const auth = c.var.auth;
  if (!auth) throw new AppError('unauthorized', 'a bearer access token is required');
  return auth;
}

/**
 * A posted or put Subscription, checked as a whole: its shape (subscription-input.ts), the filter
 * naming the caller's own organization, the endpoint allowed. An answer to send back when refused.
 */
async function checkedInput(c: Context<AppEnv>, deps: AppDeps, resolve: Resolver | undefined, body: Record<string, unknown>) {
  const auth = caller(c);
  const now = deps.now?.() ?? new Date();
  const parsed = parseSubscription(body, { now, allowlist: deps.config.hookAllowlist });
  if (!parsed.ok) return { refused: outcome(c, parsed.status, parsed.issues) };
  const input = parsed.value;

  // PAS §spec-58/59: the filter names the sending organization, and only that organization may
  // subscribe to its prior authorizations.
  const org = await findOrganization(deps.db, auth.orgId);
  if (!org?.npi) throw new AppError('forbidden', 'your organization has no registered NPI to subscribe with', input.filter.expression);
  if (input.filter.value !== org.npi) {
    throw new AppError('forbidden', `the filter must name your own organization (orgIdentifier=${NPI_SYSTEM}|${org.npi})`, input.filter.expression);
  }
  const verdict = await vetEndpoint(input.endpoint, deps.config.hookAllowlist, resolve);
  if (!verdict.ok) {
    return { refused: outcome(c, 422, [{ severity: 'error', code: 'security', diagnostics: `endpoint refused: ${verdict.reason}`, expression: ['Subscription.channel.endpoint'] }]) };
  }
  return { input, host: verdict.url.host };
}

/** A provider's change to one of its subscriptions, audited in the transaction that makes it. */
function auditChange(tx: Db, c: Context<AppEnv>, action: string, id: string, detail: Record<string, unknown>) {
  const auth = caller(c);
  return appendAudit(tx, { actor: `client:${auth.clientId}`, action, orgId: auth.orgId, entityType: 'subscription', entityId: id, requestId: c.var.requestId, detail });
}

const queueHandshake = (tx: Db, orgId: string, id: string) => enqueue(tx, { kind: HANDSHAKE_KIND, orgId, payload: { subscriptionId: id }, maxAttempts: HANDSHAKE_ATTEMPTS });

async function create(c: Context<AppEnv>, deps: AppDeps, resolve: Resolver | undefined) {
  const auth = caller(c);
  const checked = await checkedInput(c, deps, resolve, await readResourceBody(c, 'Subscription'));
  if (checked.refused) return checked.refused;
  const { input, host } = checked;
  if ((await countSubscriptions(deps.db, auth.orgId, VISIBLE)) >= MAX_SUBSCRIPTIONS_PER_ORG) {
    throw new AppError('unprocessable', `an organization may hold at most ${MAX_SUBSCRIPTIONS_PER_ORG} subscriptions; delete unused ones first`);
  }

  const id = randomUUID();
  const row = await withTransaction(deps.db, async (tx) => {
    const inserted = await insertSubscription(tx, { id, orgId: auth.orgId, status: 'requested', endpoint: input.endpoint, resource: input.resource });
    await queueHandshake(tx, auth.orgId, id);
    await auditChange(tx, c, 'subscription.create', id, { topic: PAS_TOPIC, host });
    return inserted;
  });
  const location = `${baseUrlOf(deps, c.req.url)}/fhir/Subscription/${id}`;
  return fhirJson(c, renderSubscription(row), 201, { Location: location, ETag: 'W/"1"' });
}

async function read(c: Context<AppEnv>, deps: AppDeps) {
  const row = await findSubscription(deps.db, caller(c).orgId, c.req.param('id') ?? '');
  if (!row) throw new AppError('not_found', 'no such Subscription');
  return fhirJson(c, renderSubscription(row), 200);
}

/** `$status`: what the subscription has had and what it is owed (status.ts). */
async function status(c: Context<AppEnv>, deps: AppDeps) {
  const row = await findSubscription(deps.db, caller(c).orgId, c.req.param('id') ?? '');
  if (!row) throw new AppError('not_found', 'no such Subscription');
  const base = `${baseUrlOf(deps, c.req.url)}`;
  const bundle = statusBundle(row, await deliveryState(deps.db, row.id), {
    subscriptionUrl: `${base}/fhir/Subscription/${row.id}`,
    baseUrl: base,
    now: deps.now?.() ?? new Date(),
    newId: randomUUID,
  });
  return fhirJson(c, bundle, 200);
}

/** The Subscription search parameters taken (token, comma-separated values OR'd); `_format` and `_count` pass. */
const SEARCH_PARAMS = ['status', '_id'] as const;
const PASSED_PARAMS = ['_format', '_count', '_pretty', '_summary'];

/**
 * `GET /fhir/Subscription[?status=active,off][&_id=...]`: the caller's subscriptions. Other
 * parameters are ignored and left out of the self link (FHIR search's lenient handling), or refused
 * with 400 when the client asks `Prefer: handling=strict`.
 */
async function search(c: Context<AppEnv>, deps: AppDeps) {
  const query = c.req.queries();
  const unknown = Object.keys(query).filter((k) => !(SEARCH_PARAMS as readonly string[]).includes(k) && !PASSED_PARAMS.includes(k));
  if (unknown.length && /\bhandling=strict\b/.test(c.req.header('prefer') ?? '')) {
    return outcome(c, 400, unknown.map((k) => ({ severity: 'error', code: 'not-supported', diagnostics: `the search parameter ${k} is not supported on Subscription (supported: ${SEARCH_PARAMS.join(', ')})` })));
  }
  const wanted = (name: string) => (query[name] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const statuses = wanted('status');
  const ids = wanted('_id');
  const rows = (await listSubscriptions(deps.db, caller(c).orgId)).filter((r) => (!statuses.length || statuses.includes(r.status)) && (!ids.length || ids.includes(r.id)));
  const base = `${baseUrlOf(deps, c.req.url)}/fhir`;
  const used = new URLSearchParams();
  if (statuses.length) used.set('status', statuses.join(','));
  if (ids.length) used.set('_id', ids.join(','));
  return fhirJson(c, {
    resourceType: 'Bundle',
    type: 'searchset',
    total: rows.length,
    link: [{ relation: 'self', url: `${base}/Subscription${used.size ? `?${used}` : ''}` }],
    ...listed('entry', rows.map((r) => ({ fullUrl: `${base}/Subscription/${r.id}`, resource: renderSubscription(r), search: { mode: 'match' } }))),
  }, 200);
}

/**
 * `PUT /fhir/Subscription/{id}`: the caller's subscription replaced, checked as a new one is. Its
 * id, event numbers and owed events stay. `status` is the client's to set to `off` (nothing is
 * sent; events meanwhile are not owed) or back on: a subscription that was off or in `error`, or
 * whose endpoint or header lines changed, is `requested` again and proven by a new handshake before
 * anything more is sent (owed events wait for it); otherwise it keeps its status.
 */
async function update(c: Context<AppEnv>, deps: AppDeps, resolve: Resolver | undefined) {
  const auth = caller(c);
  const id = c.req.param('id') ?? '';
  const body = await readResourceBody(c, 'Subscription');
  if (body.id !== id) {
    return outcome(c, 400, [{ severity: 'error', code: 'invalid', diagnostics: `the resource's id must be the id in the URL (${id})`, expression: ['Subscription.id'] }]);
  }
  if (body.status !== undefined && !CLIENT_STATUSES.includes(body.status as string)) {
    return outcome(c, 422, [{ severity: 'error', code: 'value', diagnostics: `status may be set to ${CLIENT_STATUSES.join(' or ')}`, expression: ['Subscription.status'] }]);
  }
  if (!(await findSubscription(deps.db, auth.orgId, id))) throw new AppError('not_found', 'no such Subscription');
  const checked = await checkedInput(c, deps, resolve, body);
  if (checked.refused) return checked.refused;
  const { input, host } = checked;

  const row = await withTransaction(deps.db, async (tx) => {
    const before = await findSubscription(tx, auth.orgId, id, { lock: true });
    if (!before) return undefined;
    const channelOf = (r: Record<string, unknown>) => JSON.stringify((r.channel as { header?: unknown } | undefined)?.header ?? []);
    const moved = before.endpoint !== input.endpoint || channelOf(before.resource) !== channelOf(input.resource);
    const status = body.status === 'off' ? 'off' : moved || before.status === 'off' || before.status === 'error' ? 'requested' : before.status;
    const after = await replaceSubscription(tx, id, { status, endpoint: input.endpoint, resource: input.resource });
    // A handshake already queued (still `requested`, same endpoint and lines) proves this one too.
    const handshake = status === 'requested' && (moved || before.status !== 'requested');
    if (handshake) await queueHandshake(tx, auth.orgId, id);
    await auditChange(tx, c, 'subscription.update', id, { from: before.status, to: status, host, handshake });
    return after;
  });
  if (!row) throw new AppError('not_found', 'no such Subscription');
  return fhirJson(c, renderSubscription(row), 200);
}

async function remove(c: Context<AppEnv>, deps: AppDeps) {
  const auth = caller(c);
  const id = c.req.param('id') ?? '';
  const deleted = await withTransaction(deps.db, async (tx) => {
    const row = await findSubscription(tx, auth.orgId, id);
    if (!row || !(await setSubscriptionStatus(tx, row.id, VISIBLE, 'deleted'))) return false;
    await auditChange(tx, c, 'subscription.delete', row.id, { from: row.status });
    return true;
  });
  if (!deleted) throw new AppError('not_found', 'no such Subscription');
  return c.body(null, 204);
}

/** The Subscription routes, with an injectable resolver for the create-time DNS check (tests). */
export function subscriptionRoutesWith(opts: { resolve?: Resolver } = {}): RouteGroup {
  return (app: Hono<AppEnv>, deps: AppDeps) => {
    app.post('/fhir/Subscription', requireScope('Subscription', 'c'), (c) => create(c, deps, opts.resolve));
    // SMART `system/Subscription.crud` has no `s`: searching one's own list needs `r`.
    app.get('/fhir/Subscription', requireScope('Subscription', 'r'), (c) => search(c, deps));
    app.get('/fhir/Subscription/:id/$status', requireScope('Subscription', 'r'), (c) => status(c, deps));
    app.post('/fhir/Subscription/:id/$status', requireScope('Subscription', 'r'), (c) => status(c, deps));
    app.get('/fhir/Subscription/:id', requireScope('Subscription', 'r'), (c) => read(c, deps));
    app.put('/fhir/Subscription/:id', requireScope('Subscription', 'u'), (c) => update(c, deps, opts.resolve));
    app.delete('/fhir/Subscription/:id', requireScope('Subscription', 'd'), (c) => remove(c, deps));
  };
}

export const subscriptionRoutes: RouteGroup = subscriptionRoutesWith();
