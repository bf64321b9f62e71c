/**
 * Staff eligibility batches over the staff session (CONTRACT.md), the same engine as
 * `priorgate eligibility batch`:
 *
 * - `POST /api/eligibility/batches` — a roster CSV as `multipart/form-data` (`roster` file field,
 *   `payer`, optional `concurrency`, `org` for users not tied to one organization) or as a
 *   `text/csv` body with `?payer=`; CSRF token in `X-CSRF-Token` (or `_csrf`). 202 + Location.
 * - `GET /api/eligibility/batches` — this organization's batches (and the CSRF token to post with).
 * - `GET /api/eligibility/batches/{id}` — status and counts by result status.
 * - `GET /api/eligibility/batches/{id}/results` — the results CSV so far, in roster order.
 * - `POST /api/eligibility/batches/{id}/cancel`
 *
 * Another organization's batch is a 404, like a batch that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import { stringify } from 'csv-stringify/sync';
import { appendAudit, recordAudit } from '../../audit/index.ts';
import { cancelBatch, getBatch, insertBatch, listBatches, resultCounts, resultCountsOf, resultsPage, type BatchInfo } from '../../db/queries/eligibility-batches.ts';
import { countLines, readRoster, RESULT_COLUMNS, RosterError } from '../../eligibility/index.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { allow, apiGuard, csrfGuard, staffOf } from '../guards.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from '../types.ts';
import { withTransaction } from '../../db/tx.ts';

export function view(b: BatchInfo, counts: Record<string, number>) {
  const done = Object.values(counts).reduce((a, n) => a + n, 0);
  return {
    id: b.id,
    status: b.status,
    payer: b.payerId,
    organization: b.orgId,
    createdBy: b.createdBy,
    createdAt: b.createdAt,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    total: b.total,
    done,
    counts,
    error: b.error,
    results: `/api/eligibility/batches/${b.id}/results`,
  };
}

export async function readUpload(c: Context<AppEnv>): Promise<{ roster: string; fields: Record<string, string | undefined> }> {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('text/csv')) return { roster: await c.req.text(), fields: { payer: c.req.query('payer'), concurrency: c.req.query('concurrency'), org: c.req.query('org') } };
  if (type.startsWith('multipart/form-data')) {
    const form = await c.req.parseBody();
    const file = form.roster;
    const roster = typeof file === 'string' ? file : file instanceof File ? await file.text() : undefined;
    if (roster === undefined) throw new AppError('invalid', 'the form has no "roster" file', 'roster');
    const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
    return { roster, fields: { payer: text('payer'), concurrency: text('concurrency'), org: text('org') } };
  }
  throw new AppError('unsupported_media', 'send the roster as multipart/form-data (field "roster") or as text/csv');
}

/** Header and row count, before anything is stored: a roster the engine cannot read is a 400 now, not a failed batch later. */
async function checkRoster(roster: string): Promise<number> {
  try {
    for await (const item of readRoster(Readable.from([Buffer.from(roster)]), new Date().toISOString().slice(0, 10))) {
      void item;
      break;
    }
  } catch (e) {
    if (e instanceof RosterError) throw new AppError('invalid', `roster: ${e.message}`, 'roster');
    throw e;
  }
  const total = await countLines(Readable.from([Buffer.from(roster)]));
  if (total === 0) throw new AppError('invalid', 'roster: no member rows after the header', 'roster');
  return total;
}

/** Payers a batch can go to: an X12 270 endpoint in this gateway. */
export function batchPayers(deps: AppDeps): { id: string; name: string; maxConcurrency: number }[] {
  return (deps.services?.payers.all() ?? []).filter((p) => p.config.x12 && p.connector).map((p) => ({ id: p.config.id, name: p.config.name, maxConcurrency: p.config.maxConcurrency }));
}

/**
 * Checks and stores a staff batch (audited `eligibility.batch.create` in the same transaction) and
 * starts it: the one way in for the JSON API and the page's upload form.
 */
export async function createBatch(
  s: StaffDeps,
  deps: AppDeps,
  staff: StaffPrincipal,
  upload: { roster: string; fields: Record<string, string | undefined> },
  httpRequestId?: string,
): Promise<BatchInfo> {
  const { roster, fields } = upload;
  const p = fields.payer ? deps.services?.payers.get(fields.payer) : undefined;
  if (!p) throw new AppError('invalid', `unknown payer "${fields.payer ?? ''}"`, 'payer');
  if (!p.config.x12 || !p.connector) throw new AppError('invalid', `payer "${p.config.id}" takes no X12 270 here`, 'payer');
  const payer = p.config;
  const orgId = staff.orgId ?? fields.org;
  if (!orgId) throw new AppError('invalid', 'say which organization the batch is for ("org")', 'org');
  const concurrency = fields.concurrency ? Number(fields.concurrency) : Math.max(1, Math.floor(payer.maxConcurrency / 2));
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > payer.maxConcurrency) {
    throw new AppError('invalid', `concurrency must be 1-${payer.maxConcurrency} for payer ${payer.id}`, 'concurrency');
  }
  const total = await checkRoster(roster);
  const id = randomUUID();
  await withTransaction(s.db, async (tx) => {
    await insertBatch(tx, { id, orgId, payerId: payer.id, createdBy: actorOf(staff), concurrency, total, roster });
    await appendAudit(tx, { actor: actorOf(staff), action: 'eligibility.batch.create', orgId, entityType: 'eligibility-batch', entityId: id, requestId: httpRequestId ?? null, detail: { payerId: payer.id, rows: total } });
  });
  deps.services?.batches?.kick(id);
  return (await getBatch(s.db, id, null))!;
}

/** Cancels a running or queued batch of the user's organization (audited); false when it had ended. */
export async function cancelStaffBatch(s: StaffDeps, deps: AppDeps, staff: StaffPrincipal, b: BatchInfo, httpRequestId?: string): Promise<boolean> {
  const cancelled = await withTransaction(s.db, async (tx) => {
    const ok = await cancelBatch(tx, b.id, staff.orgId);
    if (ok) await appendAudit(tx, { actor: actorOf(staff), action: 'eligibility.batch.cancel', orgId: b.orgId, entityType: 'eligibility-batch', entityId: b.id, requestId: httpRequestId ?? null });
    return ok;
  });
  if (cancelled) deps.services?.batches?.abort(b.id);
  return cancelled;
}

export function batchRoutes(app: Hono<AppEnv>, s: StaffDeps, deps: AppDeps) {
  const csrf = csrfGuard(s);
  // Batches send 270s on the organization's behalf and their results carry member ids.
  const may = allow(s, 'eligibility.batch');

  app.post('/api/eligibility/batches', apiGuard, may, csrf, async (c) => {
    const batch = await createBatch(s, deps, staffOf(c), await readUpload(c), c.var.requestId);
    c.header('Location', `/api/eligibility/batches/${batch.id}`);
    return c.json(view(batch, {}), 202);
  });

  app.get('/api/eligibility/batches', apiGuard, may, async (c) => {
    const staff = staffOf(c);
    const items = await listBatches(s.db, staff.orgId);
    const counts = await resultCountsOf(s.db, items.map((b) => b.id));
    return c.json({ csrf: staff.csrf, items: items.map((b) => view(b, counts.get(b.id)!)) });
  });

  const found = async (c: Context<AppEnv>) => {
    const b = await getBatch(s.db, c.req.param('id') ?? '', staffOf(c).orgId);
    if (!b) throw new AppError('not_found', 'no such batch');
    return b;
  };

  app.get('/api/eligibility/batches/:id{[0-9a-f-]{36}}', apiGuard, may, async (c) => {
    const b = await found(c);
    return c.json(view(b, await resultCounts(s.db, b.id)));
  });

  app.get('/api/eligibility/batches/:id{[0-9a-f-]{36}}/results', apiGuard, may, async (c) => {
    const staff = staffOf(c);
    const b = await found(c);
    // The results carry member ids: reading them is a PHI read.
    await recordAudit(s.db, { actor: actorOf(staff), action: 'phi.read', orgId: b.orgId, entityType: 'eligibility-batch', entityId: b.id, requestId: c.var.requestId, detail: { what: 'batch results' } });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="eligibility-${b.id}.csv"`);
    c.header('X-Batch-Status', b.status);
    return stream(c, async (out) => {
      await out.write(stringify([RESULT_COLUMNS as unknown as string[]]));
      for (let after = 0; ; ) {
        const page = await resultsPage(s.db, b.id, after, 1000);
        if (page.length === 0) break;
        await out.write(stringify(page.map((r) => RESULT_COLUMNS.map((k) => r.row[k] ?? ''))));
        after = page.at(-1)!.line;
      }
    });
  });

  app.post('/api/eligibility/batches/:id{[0-9a-f-]{36}}/cancel', apiGuard, may, csrf, async (c) => {
    const b = await found(c);
    if (!(await cancelStaffBatch(s, deps, staffOf(c), b, c.var.requestId))) throw new AppError('conflict', `the batch has already ended (${b.status})`);
    return c.json(view((await getBatch(s.db, b.id, null))!, await resultCounts(s.db, b.id)));
  });
}
