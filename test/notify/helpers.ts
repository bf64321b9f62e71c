/**
 * Notify test helpers: provider clients with tokens and NPIs, PAS Subscription fixtures from the
 * shared corpus, loopback rest-hook receivers, and running the notify jobs to completion.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { upsertOrganization } from '../../src/db/queries/clients.ts';
import { jobs } from '../../src/db/schema.ts';
import type { Bundle } from '../../src/fhir/bundle.ts';
import { notifyHandlers, subscriptionRoutesWith, type NotifyDeps, type Resolver } from '../../src/notify/index.ts';
import { startWorker } from '../../src/jobs/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { clientAssertion, registerClient, tokenForm, type TestClient } from '../helpers/clients.ts';
import { CORPUS_DIR } from '../helpers/corpus.ts';

export const ORIGIN = 'http://gateway.test';
const CORPUS = CORPUS_DIR;

export function pasExample<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(CORPUS, 'pas-2.2.1/examples', name), 'utf8')) as T;
}

export function infernoFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(CORPUS, 'pas-2.2.1/inferno-fixtures', name), 'utf8')) as T;
}

/** Test DNS: names mapped to addresses, anything else does not resolve. */
export function fakeResolver(table: Record<string, string[]>): Resolver {
  return async (host) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** The app with the Subscription routes, hooks allowlisted for 127.0.0.1 only. */
export function notifyApp(opts: { resolve?: Resolver; allowlist?: string } = {}): Promise<TestApp> {
  return testApp({
    env: { PRIORGATE_HOOK_ALLOWLIST: opts.allowlist ?? '127.0.0.1' },
    extra: [subscriptionRoutesWith({ resolve: opts.resolve ?? fakeResolver({}) })],
  });
}

export interface Provider {
  client: TestClient;
  npi: string;
  token: string;
}

/** A provider organization with an NPI and a client holding a bearer token. */
export async function provider(t: TestApp, npi: string, scopes?: string[]): Promise<Provider> {
  const client = await registerClient(t.deps.db, { scopes });
  await upsertOrganization(t.deps.db, { id: client.orgId, name: `Org ${client.orgId}`, npi });
  const tokenUrl = `${ORIGIN}/auth/token`;
  const res = await t.app.request(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenForm(await clientAssertion(client, tokenUrl)),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return { client, npi, token: body.access_token };
}

/** The IG's Subscription example, subscribed for `npi` at `endpoint`. */
export function pasSubscription(npi: string, endpoint: string): Record<string, any> {
  const s = pasExample<Record<string, any>>('Subscription-PASSubscriptionExample.json');
  delete s.text;
  s._criteria.extension[0].valueString = `orgIdentifier=${npi}`;
  s.channel.endpoint = endpoint;
  return s;
}

export interface Sent {
  status: number;
  body: string;
  json: any;
  headers: Headers;
}

/** Calls the app as a provider. */
export async function call(t: TestApp, who: Provider | undefined, method: string, path: string, body?: unknown): Promise<Sent> {
  const res = await t.app.request(`${ORIGIN}${path}`, {
    method,
    headers: {
      ...(who ? { authorization: `Bearer ${who.token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, json, headers: res.headers };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: any;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A rest-hook receiver on 127.0.0.1: answers each POST with the next scripted status (the last one
 * repeats), optionally after a delay, and keeps what it got.
 */
export async function receiver(statuses: number[] = [200], opts: { delayMs?: number; redirectTo?: string } = {}): Promise<Receiver> {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: data ? JSON.parse(data) : undefined });
      const status = statuses[Math.min(n++, statuses.length - 1)]!;
      setTimeout(() => {
        res.writeHead(status, opts.redirectTo ? { Location: opts.redirectTo } : {});
        res.end('{}');
      }, opts.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Runs the notify jobs with a real worker until `done()` holds (or the time is up). */
export async function runNotifyJobs(t: TestApp, done: () => Promise<boolean> | boolean, extra: Partial<NotifyDeps> = {}, timeoutMs = 10_000) {
  const worker = startWorker({
    db: t.deps.db,
    log: t.deps.log,
    handlers: notifyHandlers({ db: t.deps.db, log: t.deps.log, config: t.deps.config, retryBaseMs: 20, timeoutMs: 2000, ...extra }),
    pollMs: 10,
  });
  const until = Date.now() + timeoutMs;
  try {
    while (!(await done())) {
      if (Date.now() > until) throw new Error('notify jobs did not finish in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await worker.stop();
  }
}

/** The status of every job of a kind, in id order. */
export async function jobStatuses(t: TestApp, kind: string): Promise<string[]> {
  const rows = await t.deps.db.select().from(jobs).where(eq(jobs.kind, kind)).orderBy(jobs.id);
  return rows.map((r) => r.status);
}

export type { Bundle };

/** The PAS response Bundle a notification carries as its event's focus (IG Bundle-PASSubscriptionNotification). */
export function focusOf(notification: any): any {
  const event = notification?.entry?.[0]?.resource?.parameter?.find((p: any) => p.name === 'notification-event');
  const ref = event?.part?.find((p: any) => p.name === 'focus')?.valueReference?.reference;
  return notification?.entry?.find((e: any) => e.fullUrl === ref)?.resource;
}

/** The ClaimResponse of the response Bundle a notification carries. */
export function notifiedClaimResponse(notification: any): any {
  return focusOf(notification)?.entry?.find((e: any) => e.resource?.resourceType === 'ClaimResponse')?.resource;
}
