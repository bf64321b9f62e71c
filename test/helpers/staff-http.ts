/**
 * A browser-like staff client of a real gateway port: keeps cookies, sends same-origin headers,
 * signs in through the login form (with its CSRF token) and follows no redirects.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/index.ts';
import type { Db } from '../../src/db/client.ts';
import { staffUsers } from '../../src/db/schema.ts';

export const STAFF_PASSWORD = 'staff http tester password';

/** A staff user without a second factor (roles whose MFA is not required). */
export async function addStaffUser(db: Db, username: string, role: 'staff' | 'viewer' | 'auditor' | 'admin', orgId: string | null, password = STAFF_PASSWORD) {
  await db.insert(staffUsers).values({ id: randomUUID(), username, passwordHash: await hashPassword(password), role, orgId });
}

export class StaffHttp {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      if (!v.join('=') || /max-age=0/i.test(c)) this.cookies.delete(k!);
      else this.cookies.set(k!, v.join('='));
    }
    return res;
  }

  headers(extra: Record<string, string> = {}) {
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: this.base, 'sec-fetch-site': 'same-origin', ...extra };
  }

  async fetch(path: string, init: RequestInit = {}) {
    return this.keep(await fetch(`${this.base}${path}`, { redirect: 'manual', ...init, headers: this.headers(init.headers as Record<string, string>) }));
  }

  /** Signs in with the password form; throws unless the server redirects into the app. */
  async login(username: string, password = STAFF_PASSWORD) {
    const page = await (await this.fetch('/ui/login')).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await this.fetch('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password, _csrf: token }).toString(),
    });
    if (res.status !== 303) throw new Error(`login ${username}: ${res.status}`);
    return this;
  }

  async text(path: string): Promise<{ status: number; body: string }> {
    const res = await this.fetch(path);
    return { status: res.status, body: await res.text() };
  }

  async json(path: string): Promise<{ status: number; body: any }> {
    const res = await this.fetch(path);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}

/** The staff client, with the session's CSRF token and the batch endpoints. */
export class BatchStaff extends StaffHttp {
  csrf = '';
  override async login(username: string) {
    await super.login(username);
    const list = (await (await this.fetch('/api/eligibility/batches')).json()) as { csrf: string };
    this.csrf = list.csrf;
    return this;
  }
  upload(roster: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const form = new FormData();
    form.set('roster', new Blob([roster], { type: 'text/csv' }), 'roster.csv');
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    return this.fetch('/api/eligibility/batches', { method: 'POST', body: form, headers: { 'x-csrf-token': this.csrf, ...headers } });
  }
  async until(id: string, done: (b: any) => boolean, tries = 200) {
    for (let i = 0; i < tries; i++) {
      const b = await (await this.fetch(`/api/eligibility/batches/${id}`)).json();
      if (done(b)) return b;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`batch ${id} did not get there`);
  }
}
