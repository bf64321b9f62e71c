/**
 * The page frame: a skip link (the first thing Tab reaches), the header with navigation, the
 * signed-in user and Log out (wrapping onto further lines on a phone, never off-screen), and the
 * main landmark the skip link jumps to.
 */
import type { Child } from 'hono/jsx';
import { html } from 'hono/html';
import { can, homeOf, type Permission } from '../permissions.ts';
import type { StaffPrincipal } from '../types.ts';

export type NavId = 'worklist' | 'eligibility' | 'metrics' | 'quality' | 'health' | 'payers' | 'audit' | 'admin' | 'account';

export interface PageProps {
  title: string;
  staff?: StaffPrincipal;
  /** Which navigation entry is current. */
  nav?: NavId;
  /** Where the skip link goes (default: the main content); the worklist skips to its rows. */
  skipTo?: { href: string; label: string };
  children?: Child;
}

/** Each entry shows only to those whose role may open it (permissions.ts). */
const NAV: { id: NavId; href: string; label: string; needs?: Permission }[] = [
  { id: 'worklist', href: '/ui', label: 'Worklist', needs: 'requests.read' },
  { id: 'eligibility', href: '/ui/eligibility', label: 'Eligibility', needs: 'eligibility.batch' },
  { id: 'metrics', href: '/ui/metrics', label: 'CMS metrics', needs: 'metrics.read' },
  { id: 'quality', href: '/ui/quality', label: 'Data quality', needs: 'quality.read' },
  { id: 'health', href: '/ui/health', label: 'Payer health', needs: 'health.read' },
  { id: 'payers', href: '/ui/payers', label: 'Payers', needs: 'requests.read' },
  { id: 'audit', href: '/ui/audit', label: 'Audit', needs: 'audit.read' },
  { id: 'admin', href: '/ui/admin', label: 'Admin', needs: 'users.admin' },
  { id: 'account', href: '/ui/account', label: 'Account' },
];

export function Page(p: PageProps) {
  const s = p.staff;
  const skip = p.skipTo ?? { href: '#main', label: 'Skip to content' };
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · Priorgate`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/ui/assets/staff.css" />
        <script src="/ui/assets/staff.js" defer></script>
      </head>
      <body>
        <a class="skip" href={skip.href}>
          {skip.label}
        </a>
        <header class="top">
          <a class="brand" href={s ? homeOf(s) : '/ui'}>
            Priorgate
          </a>
          {s ? (
            <nav aria-label="Main">
              {NAV.filter((n) => !n.needs || can(s, n.needs)).map((n) => (
                <a href={n.href} class={p.nav === n.id ? 'current' : undefined} aria-current={p.nav === n.id ? 'page' : undefined}>
                  {n.label}
                </a>
              ))}
            </nav>
          ) : null}
          {s ? (
            <form class="who" method="post" action="/ui/logout">
              <span>
                {s.username} · {s.role}
                {s.orgId ? ` · ${s.orgId}` : ' · all organizations'}
              </span>
              <input type="hidden" name="_csrf" value={s.csrf} />
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {p.children}
        </main>
      </body>
    </html>
  );
}

/** A whole HTML document (with its doctype) for `c.html()`. */
export function documentOf(node: Child) {
  return html`<!DOCTYPE html>${node}`;
}

/** The outcome of the last action: a notice (role status) and/or what went wrong (role alert). */
/** The From / To (inclusive) date inputs of a period filter. */
export function DateRange(p: { from?: string | undefined; to?: string | undefined }) {
  return (
    <>
      <label>
        From <input type="date" name="from" value={p.from} />
      </label>
      <label>
        To (inclusive) <input type="date" name="to" value={p.to} />
      </label>
    </>
  );
}

export function Notices(p: { notice?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {p.notice ? (
        <p class="notice" role="status">
          {p.notice}
        </p>
      ) : null}
      {p.error ? (
        <p class="error" role="alert">
          {p.error}
        </p>
      ) : null}
    </>
  );
}
