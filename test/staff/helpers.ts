/**
 * Staff-side test helpers: the app with `staffRoutes`, staff users, a cookie-keeping client for
 * `app.request()`, and requests seeded through the real query functions (insertRequest,
 * saveMessage, transition) at chosen instants.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { vi } from 'vitest';
import { hashPassword } from '../../src/auth/index.ts';
import type { Db } from '../../src/db/client.ts';
import { upsertOrganization } from '../../src/db/queries/clients.ts';
import { insertRequest, saveMessage } from '../../src/db/queries/requests.ts';
import { transition } from '../../src/requests/index.ts';
import { payers, requests, staffRecoveryCodes, staffUsers } from '../../src/db/schema.ts';
import { staffRoutes, type Role } from '../../src/staff/index.ts';
import { newRecoveryCodes, newTotpSecret, recoveryCodeHash } from '../../src/staff/totp.ts';
import type { RequestState } from '../../src/workflow/states.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

export const ORIGIN = 'http://gateway.test';
export const PASSWORD = 'correct horse battery';

export function staffTestApp(): Promise<TestApp> {
  return testApp({ extra: [staffRoutes] });
}

export async function seedOrgs(db: Db) {
  await upsertOrganization(db, { id: 'org-a', name: 'Clinic A' });
  await upsertOrganization(db, { id: 'org-b', name: 'Clinic B' });
  for (const id of ['pay-one', 'pay-two']) {
    await db.insert(payers).values({ id, name: `Payer ${id}`, connector: 'core-soap' }).onConflictDoNothing();
  }
}

/** The TOTP code of a secret at an instant (what the user's phone shows). */
export function totpAt(secret: string, at: Date | number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: typeof at === 'number' ? at : at.getTime() });
}

/** What the tests know of each enrolled user's second factor (their "phone" and recovery sheet). */
export const factors = new Map<string, { secret: string; recovery: string[]; lastStep: number }>();

/**
 * A code that will be accepted now: the server takes a step only once and accepts the steps
 * next to the current one, so quick successive sign-ins walk through them; beyond that a
 * recovery code is used (tests of other things sign in many times a minute).
 */
export function nextCode(username: string, now: Date): string {
  const f = factors.get(username);
  if (!f) throw new Error(`${username} has no second factor the tests know`);
  const current = Math.floor(now.getTime() / 30_000);
  const step = Math.max(current - 1, f.lastStep + 1);
  if (step <= current + 1) {
    f.lastStep = step;
    return totpAt(f.secret, step * 30_000);
  }
  const code = f.recovery.shift();
  if (!code) throw new Error(`${username}: out of codes for this half minute`);
  return code;
}

/**
 * Adds a staff user; admins (MFA required by default) come with TOTP enrolled, as after a real
 * enrolment: a secret (in the unsealed `plain:` form earlier releases stored, which needs no key
 * here; the first code taken seals it), and ten recovery codes stored as hashes.
 */
export async function addStaff(db: Db, username: string, role: Role, orgId: string | null = null, password = PASSWORD, opts: { mfa?: boolean } = {}) {
  const id = randomUUID();
  const mfa = opts.mfa ?? role === 'admin';
  const secret = newTotpSecret();
  const recovery = newRecoveryCodes();
  await db.insert(staffUsers).values({
    id,
    username,
    passwordHash: await hashPassword(password),
    role,
    orgId,
    ...(mfa ? { mfaSecret: `plain:${secret}`, mfaEnabledAt: new Date() } : {}),
  });
  if (mfa) {
    await db.insert(staffRecoveryCodes).values(recovery.map((c) => ({ userId: id, codeHash: recoveryCodeHash(id, c) })));
    factors.set(username, { secret, recovery, lastStep: 0 });
  }
  return id;
}

/** A tiny browser: keeps cookies, sends same-origin headers on POSTs like a real form would. */
export class Client {
  cookies = new Map<string, string>();
  constructor(private readonly t: TestApp) {}

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      const value = v.join('=');
      if (!value || /max-age=0/i.test(c)) this.cookies.delete(k!);
      else this.cookies.set(k!, value);
    }
    return res;
  }

  async get(path: string, headers: Record<string, string> = {}) {
    return this.keep(await this.t.app.request(`${ORIGIN}${path}`, { headers: { cookie: this.cookieHeader(), ...headers } }));
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }) {
    return this.keep(
      await this.t.app.request(`${ORIGIN}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers },
        body: new URLSearchParams(form).toString(),
      }),
    );
  }

  /** The hidden `_csrf` value on a page. */
  static csrfOf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error(`no CSRF field in page: ${html.slice(0, 300)}`);
    return m[1]!;
  }

  /** Loads the login form and posts it, as a browser does. Returns the POST response. */
  async login(username: string, password = PASSWORD) {
    const page = await (await this.get('/ui/login')).text();
    return this.post('/ui/login', { username, password, _csrf: Client.csrfOf(page) });
  }

  /** Signs in completely: password, then (when asked for) a code of the user's second factor. */
  async loggedIn(username: string, password = PASSWORD) {
    let res = await this.login(username, password);
    if (res.status !== 303) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
    if (res.headers.get('location')?.startsWith('/ui/mfa?') || res.headers.get('location') === '/ui/mfa') {
      const page = await (await this.get('/ui/mfa')).text();
      res = await this.post('/ui/mfa', { code: nextCode(username, this.t.deps.now?.() ?? new Date()), _csrf: Client.csrfOf(page) });
      if (res.status !== 303) throw new Error(`code step of ${username} failed: ${res.status} ${await res.text()}`);
    }
    return this;
  }
}

/** A minimal PAS request Bundle: a Claim with items and its Patient (synthetic, no real PHI). */
export function pasBundle(opts: { given: string; family: string; memberId: string; birthDate?: string; services: [string, string][] }) {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    identifier: { system: 'urn:test', value: randomUUID() },
    entry: [
      {
        fullUrl: 'urn:uuid:claim-1',
        resource: {
          resourceType: 'Claim',
          use: 'preauthorization',
          patient: { reference: 'Patient/p1' },
          item: opts.services.map(([code, display], i) => ({ sequence: i + 1, productOrService: { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code, display }] } })),
        },
      },
      { fullUrl: 'http://example.org/fhir/Patient/p1', resource: {
          resourceType: 'Patient',
          id: 'p1',
          name: [{ family: opts.family, given: [opts.given] }],
          identifier: [{ value: opts.memberId }],
          ...(opts.birthDate ? { birthDate: opts.birthDate } : {}),
        },
      },
      { fullUrl: 'http://example.org/fhir/Coverage/c1', resource: { resourceType: 'Coverage', id: 'c1', subscriberId: opts.memberId } },
    ],
  };
}

export interface SeedStep {
  to: RequestState;
  /** Hours after submission. */
  at: number;
  /** The answer's review action (HCR01), recorded as an answer does: transition detail and summary. */
  decision?: string;
}

export interface SeedRequest {
  orgId: string;
  payerId: string;
  urgency?: 'standard' | 'expedited';
  submitted: string;
  steps?: SeedStep[];
  kind?: 'prior-auth' | 'eligibility';
  memberId?: string;
  patient?: [string, string];
  birthDate?: string;
  claimIdentifier?: string;
  deadlineHours?: number;
}

/**
 * Inserts a request submitted at `submitted` and moves it through `steps` with the real
 * `transition()` (audit events included), each at its own instant (only `Date` is faked).
 */
export async function seedRequest(db: Db, r: SeedRequest): Promise<string> {
  const submitted = new Date(r.submitted);
  const memberId = r.memberId ?? `M${Math.floor(Math.random() * 1e8)}X`;
  const urgency = r.urgency ?? 'standard';
  const deadlineHours = r.deadlineHours ?? (urgency === 'expedited' ? 72 : 168);
  const { row } = await insertRequest(db, {
    orgId: r.orgId,
    kind: r.kind ?? 'prior-auth',
    payerId: r.payerId,
    urgency,
    deadlineAt: new Date(submitted.getTime() + deadlineHours * 3_600_000),
    idempotencyKey: randomUUID(),
    traceNumber: `TRN${Math.floor(Math.random() * 1e9)}`,
    // The provider's own number for the request (never the member id: the worklist shows it to every role).
    summary: { memberIds: [memberId], claimIdentifier: r.claimIdentifier ?? `CLM-${randomUUID().slice(0, 8).toUpperCase()}` },
    items: [{ sequence: 1 }],
  });
  await db.update(requests).set({ createdAt: submitted, updatedAt: submitted }).where(eq(requests.id, row.id));
  const [given, family] = r.patient ?? ['Ada', 'Lovelace'];
  await saveMessage(db, {
    orgId: r.orgId,
    requestId: row.id,
    direction: 'in',
    format: 'fhir',
    transactionSet: 'pas-request',
    payload: JSON.stringify(pasBundle({ given, family, memberId, birthDate: r.birthDate, services: [['99212', 'Established office visit']] })),
  });
  let last: RequestState = 'queued';
  for (const step of r.steps ?? []) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(submitted.getTime() + step.at * 3_600_000));
    try {
      if (last === 'queued' && step.to !== 'sent' && step.to !== 'rejected' && step.to !== 'error' && step.to !== 'cancelled') {
        await db.transaction((tx) => transition(tx, row.id, 'sent', { actor: 'system' }));
      }
      const decision = step.decision ? { detail: { decision: step.decision }, summary: { decision: step.decision } } : {};
      await db.transaction((tx) => transition(tx, row.id, step.to, { actor: 'payer:test', ...decision }));
      last = step.to;
    } finally {
      vi.useRealTimers();
    }
  }
  return row.id;
}

const RA = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';

/** A PAS response Bundle: per-item review actions (306 + HCR03 reason + note), or AAA errors. */
export function responseBundle(opts: { items?: { code: string; reason?: string; note?: string; number?: string }[]; errors?: { code: string; followUp?: string; loop?: string }[]; disposition?: string }) {
  const notes = (opts.items ?? []).flatMap((i, n) => (i.note ? [{ number: n + 1, text: i.note }] : []));
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        fullUrl: 'urn:uuid:cr',
        resource: {
          resourceType: 'ClaimResponse',
          use: 'preauthorization',
          outcome: opts.errors?.length ? 'error' : 'complete',
          ...(opts.disposition ? { disposition: opts.disposition } : {}),
          ...(notes.length ? { processNote: notes } : {}),
          item: (opts.items ?? []).map((i, n) => ({
            itemSequence: n + 1,
            ...(i.note ? { noteNumber: [n + 1] } : {}),
            adjudication: [
              {
                extension: [
                  {
                    url: RA,
                    extension: [
                      ...(i.number ? [{ url: 'number', valueString: i.number }] : []),
                      { url: `${RA}Code`, valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/306', code: i.code }] } },
                      ...(i.reason ? [{ url: 'reasonCode', valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/external/886', code: i.reason }] } }] : []),
                    ],
                  },
                ],
                category: { coding: [{ code: 'submitted' }] },
              },
            ],
          })),
          ...(opts.errors?.length
            ? {
                error: opts.errors.map((e) => ({
                  extension: [
                    ...(e.loop ? [{ url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-errorElement', extension: [{ url: 'error', valueString: e.loop }] }] : []),
                    ...(e.followUp
                      ? [{ url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-errorFollowupAction', valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/889', code: e.followUp }] } }]
                      : []),
                  ],
                  code: { coding: [{ system: 'https://codesystem.x12.org/005010/901', code: e.code }] },
                })),
              }
            : {}),
        },
      },
    ],
  };
}

/**
 * A copy of rules/ with the demo payer giving up quickly (1.5 s timeouts, two attempts, no circuit breaking), so a
 * payer that never answers ends in `error` within seconds; `extra` may change more.
 */
export function fastRules(extra: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-rules-'));
  cpSync(path.resolve('rules'), dir, { recursive: true });
  const file = path.join(dir, 'payers', 'demo-payer.yaml');
  // A breaker that never opens: each test's silent payer fails on its own attempts, not on an
  // earlier test's open circuit.
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace(/^timeoutMs: \d+$/m, 'timeoutMs: 1500')
      .replace(/^maxAttempts: \d+$/m, 'maxAttempts: 2')
      .replace(/^  failures: \d+$/m, '  failures: 1000'),
  );
  extra(dir);
  return dir;
}

/** Polls `check` until it gives something truthy (returned), or fails naming what it waited for. */
export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
