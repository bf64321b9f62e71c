/**
 * Saved worklist views and remembered filters. A revenue-cycle day starts from "pended, due
 * soonest first": it is one click, and the view `/ui` opens for a user who has not filtered yet.
 * The filters a user last chose are remembered in a cookie (this browser, this user; never the
 * search text, which may be a member id) and `/ui` opens with them.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { isHttps } from './session.ts';
import type { StaffPrincipal } from './types.ts';
import { parseWorklistParams, toQuery, WorklistParams } from './worklist.ts';

const base = (change: Partial<WorklistParams>): WorklistParams => ({ ...WorklistParams.parse({}), ...change });

export const VIEWS: { id: string; label: string; params: WorklistParams }[] = [
  { id: 'pended-soonest', label: 'Pended, due soonest first', params: base({ status: ['pended'], sort: 'deadline', dir: 'asc' }) },
  { id: 'review', label: 'Held for review', params: base({ status: ['review'], sort: 'deadline', dir: 'asc' }) },
  { id: 'failed', label: 'Failed delivery', params: base({ status: ['error'], sort: 'deadline', dir: 'asc' }) },
  { id: 'overdue', label: 'Overdue', params: base({ overdue: true, sort: 'deadline', dir: 'asc' }) },
  { id: 'denied', label: 'Denied or rejected', params: base({ status: ['denied', 'rejected'], sort: 'updated', dir: 'desc' }) },
  { id: 'all', label: 'All requests', params: base({}) },
];

export const DEFAULT_VIEW = VIEWS[0]!;

/** The saved view these parameters are (ignoring the page), if any. */
export function viewOf(p: WorklistParams): string | undefined {
  const key = toQuery({ ...p, page: 1 });
  return VIEWS.find((v) => toQuery(v.params) === key)?.id;
}

const COOKIE = 'pg_worklist';
/** Query parameters that make a worklist URL explicit (anything else: open the remembered view). */
const PARAMS = ['status', 'payer', 'overdue', 'text', 'kind', 'sort', 'dir', 'page', 'size', 'view'];

/** A worklist link: always explicit (`?view=all` when every parameter is at its default). */
export function worklistHref(p: WorklistParams, change: Parameters<typeof toQuery>[1] = {}): string {
  return `/ui${toQuery(p, change) || '?view=all'}`;
}

export function isExplicit(query: Record<string, string[]>): boolean {
  return PARAMS.some((k) => k in query);
}

/** Remembers the filters (not the search text, not the page) for this user in this browser. */
export function rememberFilters(c: Context, staff: StaffPrincipal, p: WorklistParams): void {
  const value = `${staff.userId}|${toQuery({ ...p, text: undefined, page: 1 }).slice(1) || 'all'}`;
  setCookie(c, COOKIE, encodeURIComponent(value), { httpOnly: true, sameSite: 'Lax', secure: isHttps(c), path: '/ui', maxAge: 30 * 86_400 });
}

/** The remembered filters of this user, if the cookie holds valid ones. */
export function rememberedFilters(c: Context, staff: StaffPrincipal): WorklistParams | undefined {
  const raw = getCookie(c, COOKIE);
  if (!raw) return undefined;
  const [user, query] = decodeURIComponent(raw).split('|');
  if (user !== staff.userId || query === undefined) return undefined;
  try {
    const qs = new URLSearchParams(query === 'all' ? '' : query);
    const q: Record<string, string[]> = {};
    for (const k of new Set(qs.keys())) if (k !== 'text') q[k] = qs.getAll(k);
    return parseWorklistParams(q);
  } catch {
    deleteCookie(c, COOKIE, { path: '/ui' });
    return undefined;
  }
}
