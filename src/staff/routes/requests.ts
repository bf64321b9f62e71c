/**
 * One request's page and the staff actions on it, each a CSRF-checked form POST behind its
 * permission (`allow`, from permissions.ts), answered with a redirect back to the page and a notice
 * (or the page again with the refusal and its status). A request outside the user's organization is
 * "not found", exactly like one that does not exist.
 *
 * `GET /ui/requests/{id}`; `POST /ui/requests/{id}/{approve|return|documents|retry|resend|cancel|call|appeal|extension}`.
 */
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { APPEAL_OUTCOMES, recordAppeal, recordExtension, type AppealOutcome } from '../actions.ts';
import { ATTACHABLE_TYPES, MAX_ATTACHMENT_BYTES } from '../documents.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import type { Permission } from '../permissions.ts';
import { approve, cancel, changeDocuments, recordCall, resend, retryDelivery, returnToProvider } from '../request-actions.ts';
import { loadRequestDetail } from '../request-detail.ts';
import type { StaffDeps } from '../types.ts';
import { detailPage } from '../views/detail.tsx';
import { messagePage } from '../views/message.tsx';

const NOTICES: Record<string, string> = {
  appeal: 'Appeal recorded.',
  extension: 'Extended review timeframe recorded.',
  approve: 'Approved: it is on its way to the payer.',
  return: 'Returned to the provider; their subscriptions are notified.',
  documents: 'Documentation saved: this is what will be sent.',
  retry: 'Delivery queued again with the same interchange.',
  resend: 'Queued to be sent as a new interchange.',
  cancel: 'Cancelled; the provider is notified.',
  call: 'Call recorded on the timeline.',
};

type Run = (c: Context<AppEnv>, ctx: { deps: StaffDeps; staff: ReturnType<typeof staffOf>; id: string; httpRequestId?: string }, form: Record<string, string | File | (string | File)[]>) => Promise<void>;

const text = (v: unknown) => (typeof v === 'string' ? v : '');

async function fileOf(form: Record<string, unknown>): Promise<{ title: string; contentType: string; bytes: Uint8Array } | undefined> {
  const file = form.file;
  if (!(file instanceof File) || file.size === 0) return undefined;
  if (file.size > MAX_ATTACHMENT_BYTES) throw new AppError('invalid', `the file is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`, 'file');
  const type = file.type.split(';')[0]!.trim().toLowerCase();
  if (!(ATTACHABLE_TYPES as readonly string[]).includes(type)) throw new AppError('invalid', `attach ${ATTACHABLE_TYPES.join(', ')} files only`, 'file');
  const title = text(form.title).trim() || file.name.replace(/[^\w .()-]/g, '').slice(0, 80) || 'Attached document';
  if (/[\u0000-\u001f\u007f]/.test(title)) throw new AppError('invalid', 'the title holds control characters', 'title');
  return { title: title.slice(0, 80), contentType: type, bytes: new Uint8Array(await file.arrayBuffer()) };
}

const ACTIONS: Record<string, { permission: Permission; run: Run }> = {
  approve: { permission: 'requests.review', run: (_c, ctx) => approve(ctx) },
  return: { permission: 'requests.review', run: (_c, ctx, form) => returnToProvider(ctx, text(form.reason), text(form.note)) },
  documents: {
    permission: 'requests.review',
    run: async (_c, ctx, form) => {
      const remove = ([] as unknown[]).concat(form.remove ?? []).filter((v): v is string => typeof v === 'string');
      const add = await fileOf(form);
      await changeDocuments(ctx, { remove, ...(add ? { add } : {}) });
    },
  },
  retry: { permission: 'requests.act', run: (_c, ctx) => retryDelivery(ctx) },
  resend: { permission: 'requests.act', run: (_c, ctx) => resend(ctx) },
  cancel: { permission: 'requests.act', run: (_c, ctx, form) => cancel(ctx, text(form.reason)) },
  call: { permission: 'requests.act', run: (_c, ctx, form) => recordCall(ctx, text(form.outcome), text(form.reference).trim()) },
  appeal: {
    permission: 'requests.act',
    run: async (_c, ctx, form) => {
      const outcome = text(form.outcome) || 'pending';
      if (!(APPEAL_OUTCOMES as readonly string[]).includes(outcome)) throw new AppError('invalid', `appeal outcome must be one of ${APPEAL_OUTCOMES.join(', ')}`);
      await recordAppeal(ctx.deps, ctx.staff, ctx.id, outcome as AppealOutcome, ctx.httpRequestId);
    },
  },
  extension: { permission: 'requests.act', run: (_c, ctx) => recordExtension(ctx.deps, ctx.staff, ctx.id, ctx.httpRequestId) },
};

export function requestRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  const show = async (c: Context<AppEnv>, extra: { notice?: string; error?: string; status?: number } = {}) => {
    const d = await loadRequestDetail(deps, staffOf(c), c.req.param('id') ?? '', c.var.requestId);
    if (!d) return c.html(messagePage({ staff: staffOf(c), title: 'Not found', text: 'There is no such request in your organization.' }), 404);
    return c.html(detailPage({ staff: staffOf(c), d, ...(extra.notice ? { notice: extra.notice } : {}), ...(extra.error ? { error: extra.error } : {}) }), (extra.status ?? 200) as 200);
  };

  app.get('/ui/requests/:id', uiGuard, allow(deps, 'requests.read'), (c) => show(c, { notice: NOTICES[c.req.query('done') ?? ''] }));

  for (const [name, action] of Object.entries(ACTIONS)) {
    app.post(`/ui/requests/:id/${name}`, uiGuard, csrfGuard(deps), allow(deps, action.permission), async (c) => {
      const id = c.req.param('id');
      const staff = staffOf(c);
      try {
        const form = await c.req.parseBody({ all: true });
        await action.run(c, { deps, staff, id, httpRequestId: c.var.requestId }, form);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        // Not found stays a plain 404; other refusals show the page with what went wrong.
        if (e.status === 404) return c.html(messagePage({ staff, title: 'Not found', text: e.message }), 404);
        return show(c, { error: `Not done: ${e.message}.`, status: e.status });
      }
      return c.redirect(`/ui/requests/${id}?done=${name}`, 303);
    });
  }
}
