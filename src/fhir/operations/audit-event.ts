/**
 * `GET /fhir/AuditEvent` — the audit trail as FHIR R4 AuditEvents in a searchset Bundle, for staff
 * (session cookie; the caller passes its guard and scope). Search parameters: `entity` (a request
 * id, or a reference ending in one: `Claim/{id}`, `ClaimResponse/{id}`), `date` (ge/gt/le/lt,
 * repeatable), `_count` (default 100, at most 500), and the `_cursor` paging link we hand out.
 * Newest first. `type=alert` lists the audit monitor's security alerts instead (administrators
 * only; see alert-event.ts).
 *
 * `GET /fhir/AuditEvent/{id}` reads one event with its place in the Merkle log and an RFC 9162
 * inclusion proof against the latest signed tree head (extension `audit-log`): the exact bytes of its
 * leaf, the audit path, the tree size and root, and the signed head (ES384 JWS, keys at
 * `/.well-known/jwks.json`). With those an auditor or a provider checks the one event on its own.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { inclusionProof, type InclusionProof } from '../../audit/index.ts';
import type { Db } from '../../db/client.ts';
import { eventIdsBySeq } from '../../db/queries/audit-log.ts';
import { listAlerts } from '../../db/queries/monitor.ts';
import { auditEventInScope, auditEventsFor, type AuditRow } from '../../db/queries/staff.ts';
import { baseUrlOf, FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { alertAuditEvent, wantsAlerts } from './alert-event.ts';
import { listed } from '../bundle.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const LOG_EXT = 'urn:priorgate:fhir:extension:audit-log';

/** Our action names → AuditEvent type, subtype-free action code (C/R/U/D/E). */
function classify(action: string): { type: { system: string; code: string; display: string }; action: 'C' | 'R' | 'U' | 'D' | 'E' } {
  if (action === 'phi.read') return { type: { system: DCM, code: '110110', display: 'Patient Record' }, action: 'R' };
  if (action === 'staff.login' || action === 'staff.logout' || action === 'auth.token') return { type: { system: DCM, code: '110114', display: 'User Authentication' }, action: 'E' };
  if (action === 'request.submit') return { type: { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' }, action: 'C' };
  if (action.startsWith('request.')) return { type: { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' }, action: 'U' };
  return { type: { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' }, action: 'E' };
}

/** The event's place in the log and, when given, its inclusion proof, as extension parts. */
function logExtension(e: AuditRow, proof?: InclusionProof) {
  const parts: Record<string, unknown>[] = [{ url: 'sealed', valueBoolean: e.seq !== null }];
  if (e.seq !== null) parts.push({ url: 'seq', valueString: String(e.seq) });
  if (e.hash !== null) parts.push({ url: 'chainPrevHash', valueString: e.prevHash }, { url: 'chainHash', valueString: e.hash });
  if (proof) {
    parts.push(
      { url: 'leafIndex', valueString: String(proof.leafIndex) },
      { url: 'leafData', valueBase64Binary: Buffer.from(proof.leafData, 'utf8').toString('base64') },
      { url: 'leafHash', valueString: proof.leafHash },
      { url: 'treeSize', valueString: String(proof.treeSize) },
      { url: 'rootHash', valueString: proof.rootHash },
      ...proof.auditPath.map((h) => ({ url: 'auditPath', valueString: h })),
      { url: 'signedTreeHead', valueString: proof.head.jws },
      { url: 'headNo', valueString: String(proof.head.headNo) },
    );
  }
  return { url: LOG_EXT, extension: parts };
}

/** One audit_events row as a FHIR R4 AuditEvent (ids and codes only: the trail holds no PHI). */
export function toAuditEvent(e: AuditRow, proof?: InclusionProof) {
  const { type, action } = classify(e.action);
  const detail = Object.entries(e.detail ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ({ type: k, valueString: typeof v === 'string' ? v : JSON.stringify(v) }));
  return {
    resourceType: 'AuditEvent',
    id: String(e.id),
    extension: [logExtension(e, proof)],
    type,
    subtype: [{ system: 'urn:priorgate:audit-action', code: e.action }],
    action,
    recorded: e.at.toISOString(),
    outcome: e.outcome === 'success' ? '0' : '4',
    agent: [
      {
        who: { identifier: { system: 'urn:priorgate:actor', value: e.actor }, display: e.actor },
        requestor: !e.actor.startsWith('system') && !e.actor.startsWith('payer:'),
      },
    ],
    source: {
      observer: { display: 'Priorgate' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      ...(e.entityId
        ? [
            {
              what: { identifier: { system: `urn:priorgate:${e.entityType ?? 'entity'}`, value: e.entityId } },
              type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
              ...(detail.length ? { detail } : {}),
            },
          ]
        : detail.length
          ? [{ detail }]
          : []),
      ...(e.requestId ? [{ what: { identifier: { system: 'urn:priorgate:http-request-id', value: e.requestId } } }] : []),
    ],
    ...(e.orgId ? { meta: { tag: [{ system: 'urn:priorgate:organization', code: e.orgId }] } } : {}),
  };
}

const ID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const DATE = /^(ge|gt|le|lt)?(\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)$/;

function dateBounds(values: string[]): { after?: Date; before?: Date } {
  const out: { after?: Date; before?: Date } = {};
  for (const v of values) {
    const m = DATE.exec(v);
    const t = m ? Date.parse(m[2]!.length === 10 ? `${m[2]}T00:00:00Z` : m[2]!) : NaN;
    if (!m || Number.isNaN(t)) throw new AppError('invalid', `date must be like ge2026-01-01 (got "${v.slice(0, 40)}")`, 'date');
    const prefix = m[1] ?? 'ge';
    if (prefix === 'ge' || prefix === 'gt') out.after = new Date(t - (prefix === 'ge' ? 1 : 0));
    else out.before = new Date(t + (prefix === 'le' ? (m[2]!.length === 10 ? 86_400_000 : 1) : 0));
  }
  return out;
}

export interface AuditEventRouteOptions {
  db: Db;
  /** Staff session checks (401 without one). */
  guard: MiddlewareHandler<AppEnv>;
  /** The caller's organization (null: all). */
  scopeOf: (c: Context<AppEnv>) => string | null;
  /** May the caller read security alerts (`type=alert`)? Default: no. */
  canReadAlerts?: (c: Context<AppEnv>) => boolean;
}

export function auditEventRoutes(app: Hono<AppEnv>, deps: AppDeps, opts: AuditEventRouteOptions) {
  app.get('/fhir/AuditEvent', opts.guard, async (c) => {
    const type = c.req.query('type');
    if (type !== undefined) {
      // Only the audit monitor's alerts are searchable by type (DICOM 110113 Security Alert).
      if (!wantsAlerts(type)) throw new AppError('invalid', 'type supports only alert (110113, Security Alert)', 'type');
      if (!opts.canReadAlerts?.(c)) throw new AppError('forbidden', 'security alerts are for administrators');
      const count = Math.min(500, Math.max(1, Number(c.req.query('_count') ?? 100) || 100));
      const alerts = await listAlerts(opts.db, { scope: opts.scopeOf(c), limit: count });
      const ids = await eventIdsBySeq(opts.db, [...new Set(alerts.flatMap((a) => [a.firstSeq, a.lastSeq]))]);
      const base = baseUrlOf(deps, c.req.url);
      const bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        timestamp: (deps.now?.() ?? new Date()).toISOString(),
        link: [{ relation: 'self', url: `${base}${new URL(c.req.url).pathname}${new URL(c.req.url).search}` }],
        ...listed('entry', alerts.map((a) => ({ fullUrl: `${base}/fhir/AuditEvent/alert-${a.id}`, resource: alertAuditEvent(a, (seq) => ids.get(seq)), search: { mode: 'match' } }))),
      };
      return c.body(JSON.stringify(bundle), 200, { 'Content-Type': FHIR_JSON, 'Cache-Control': 'no-store' });
    }
    const entity = c.req.query('entity');
    const entityId = entity ? ID.exec(entity)?.[1]?.toLowerCase() : undefined;
    if (entity && !entityId) throw new AppError('invalid', 'entity must be a request id or a reference ending in one', 'entity');
    const count = Math.min(500, Math.max(1, Number(c.req.query('_count') ?? 100) || 100));
    const cursor = c.req.query('_cursor') ? Number(c.req.query('_cursor')) : undefined;
    if (cursor !== undefined && !(Number.isInteger(cursor) && cursor > 0)) throw new AppError('invalid', '_cursor is not valid', '_cursor');
    const rows = await auditEventsFor(opts.db, { scope: opts.scopeOf(c), entityId, ...dateBounds(c.req.queries('date') ?? []), limit: count + 1, beforeId: cursor });
    const page = rows.slice(0, count);
    const base = baseUrlOf(deps, c.req.url);
    const self = new URL(c.req.url);
    const link = [{ relation: 'self', url: `${base}${self.pathname}${self.search}` }];
    if (rows.length > count) {
      const next = new URLSearchParams(self.search);
      next.set('_cursor', String(page[page.length - 1]!.id));
      link.push({ relation: 'next', url: `${base}/fhir/AuditEvent?${next.toString()}` });
    }
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: (deps.now?.() ?? new Date()).toISOString(),
      link,
      ...listed('entry', page.map((e) => ({ fullUrl: `${base}/fhir/AuditEvent/${e.id}`, resource: toAuditEvent(e), search: { mode: 'match' } }))),
    };
    return c.body(JSON.stringify(bundle), 200, { 'Content-Type': FHIR_JSON, 'Cache-Control': 'no-store' });
  });

  app.get('/fhir/AuditEvent/:id', opts.guard, async (c) => {
    const id = Number(c.req.param('id'));
    // Alerts are read through the search (`type=alert`); anything not an event id is simply not found.
    const event = Number.isSafeInteger(id) && id > 0 ? await auditEventInScope(opts.db, opts.scopeOf(c), id) : undefined;
    if (!event) throw new AppError('not_found', 'no such AuditEvent');
    const r = await inclusionProof(opts.db, event.id);
    const resource = toAuditEvent(r.kind === 'missing' ? event : r.event, r.kind === 'proof' ? r.proof : undefined);
    return c.body(JSON.stringify(resource), 200, { 'Content-Type': FHIR_JSON, 'Cache-Control': 'no-store' });
  });
}
