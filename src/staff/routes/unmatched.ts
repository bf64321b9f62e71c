/**
 * `GET /ui/unmatched` (`requests.read`): undelivered late payer answers naming the user's
 * organization (all of them for a user with none); `POST /ui/unmatched/{message id}/apply`
 * (`users.admin`, no organization, CSRF-checked, form field `requestId`): applies one to the
 * request it answers (payers/unmatched.ts), audited `payer.unmatched.apply`.
 */
import type { Hono } from 'hono';
import { requestsByIds } from '../../db/queries/requests.ts';
import { listUnmatched, messageById, type UnmatchedRow } from '../../db/queries/unmatched.ts';
import type { AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { applyUnmatched, stored278 } from '../../payers/unmatched.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import { can } from '../permissions.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from '../types.ts';
import { messagePage } from '../views/message.tsx';
import { unmatchedPage, type UnmatchedEntry } from '../views/unmatched.tsx';

/** Who applies undelivered answers: an administrator of no organization (who sees every one). */
const canApply = (s: StaffPrincipal) => s.orgId === null && can(s, 'users.admin');

/** Open undelivered answers in the user's scope (the worklist's notice counts them). */
export async function openUnmatched(deps: StaffDeps, s: StaffPrincipal): Promise<UnmatchedRow[]> {
  return listUnmatched(deps.db, { scope: s.orgId, openOnly: true, limit: 200 });
}

async function entryOf(deps: StaffDeps, s: StaffPrincipal, row: UnmatchedRow): Promise<UnmatchedEntry> {
  if (!canApply(s)) {
    const own = s.orgId ? await requestsByIds(deps.db, s.orgId, row.candidateRequestIds) : [];
    return { row, requests: own.map((r) => r.id) };
  }
  const message = await messageById(deps.db, row.messageId);
  const body = message ? stored278(message.payload) : undefined;
  const decisions = [...new Set((body ?? []).filter((seg) => seg.tag === 'HCR').map((seg) => String(seg.elements[0] ?? '')))].filter(Boolean);
  return { row, requests: row.candidateRequestIds, decisions };
}

export function unmatchedRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  app.get('/ui/unmatched', uiGuard, allow(deps, 'requests.read'), async (c) => {
    const s = staffOf(c);
    const rows = await openUnmatched(deps, s);
    const entries: UnmatchedEntry[] = [];
    for (const row of rows) entries.push(await entryOf(deps, s, row));
    return c.html(unmatchedPage({ staff: s, entries, canApply: canApply(s), notice: c.req.query('done') === 'applied' ? 'Answer applied to the request.' : undefined }));
  });

  app.post('/ui/unmatched/:id/apply', uiGuard, csrfGuard(deps), allow(deps, 'users.admin'), async (c) => {
    const s = staffOf(c);
    if (!canApply(s)) return c.html(messagePage({ staff: s, title: 'Not allowed', text: 'Only an administrator with no organization applies undelivered answers: they may belong to any organization.' }), 403);
    const requestId = String((await c.req.parseBody()).requestId ?? '').trim();
    try {
      await applyUnmatched(deps.db, { messageId: c.req.param('id'), requestId, actor: actorOf(s), now: deps.now(), requestIdHttp: c.var.requestId });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return c.html(messagePage({ staff: s, title: 'Not applied', text: e.message }), e.status as 400);
    }
    return c.redirect('/ui/unmatched?done=applied', 303);
  });
}
