/**
 * A whole gateway on a real loopback port, with the payer simulator, the worker and a fresh test
 * database, plus a provider-side helper that gets tokens the SMART way with the demo keys.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { startGateway, type Gateway } from '../../src/server/index.ts';
import { openPostgres, type Database } from '../../src/db/client.ts';
import { emptyValueIssues } from '../../src/fhir/validate/index.ts';
import { testDatabase, type TestDatabase } from './db.ts';
import { providerToken } from './jwk.ts';
import { PAS_EXAMPLES } from './corpus.ts';

export interface TestGateway extends Gateway {
  dataDir: string;
  logText(): string;
  token(client?: string, scope?: string): Promise<string>;
  submit(bundle: unknown, token: string, op?: string): Promise<{ status: number; body: any }>;
}

/**
 * @param opts.via Postgres only: the URL the gateway connects through, given the test database's
 *   (a proxy that cuts connections); the test's own `database` handle is then the gateway's.
 */
export async function testGateway(env: Record<string, string> = {}, opts: { via?: (url: string) => Promise<string> } = {}): Promise<TestGateway> {
  const direct = await testDatabase();
  const database: Database = opts.via && direct.url ? await proxied(direct, await opts.via(direct.url)) : direct;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-gw-'));
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never });
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', PRIORGATE_DATA_DIR: dataDir, PRIORGATE_SYNC_WAIT_MS: '4000', PRIORGATE_SIM_PEND_MS: '800', PRIORGATE_HOOK_ALLOWLIST: '127.0.0.1', ...env },
    { demo: true },
  );
  const gw = await startGateway(config, log, { database });
  const token = async (client = 'demo-clinic-a', scope?: string) => {
    const r = await providerToken(gw.url, dataDir, client, scope);
    if (!r.body.access_token) throw new Error(`no token: ${JSON.stringify(r.body)}`);
    return r.body.access_token;
  };
  const submit = async (bundle: unknown, tok: string, op = 'Claim/$submit') => {
    const res = await fetch(`${gw.url}/fhir/${op}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ...gw,
    dataDir,
    logText: () => lines.join(''),
    token,
    submit,
    async stop() {
      await gw.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A handle on the test database through another URL; closing it drops the test database too. */
async function proxied(direct: TestDatabase, url: string): Promise<Database> {
  const via = await openPostgres(url, { max: 5 });
  return {
    ...via,
    async close() {
      await via.close();
      await direct.close();
    },
  };
}

const EXAMPLES = PAS_EXAMPLES;

/** An IG example Bundle with a fresh identifier and the member id set (the simulator decides by it). */
export function pasExample(name: string, memberId: string, bundleId = `t-${Math.random().toString(36).slice(2)}`): any {
  const b = JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8'));
  b.identifier = { ...(b.identifier ?? { system: 'urn:test' }), value: bundleId };
  // A unique Claim trace too, so $inquire and late payer answers match this submission only.
  const claim = b.entry?.[0]?.resource;
  if (claim?.identifier?.[0]) claim.identifier[0].value = `${claim.identifier[0].value}${bundleId.replace(/[^0-9A-Za-z]/g, '').slice(-30)}`.slice(0, 50);
  for (const e of b.entry ?? []) {
    const r = e.resource;
    if (r.resourceType === 'Coverage') {
      r.subscriberId = memberId;
      for (const i of r.identifier ?? []) i.value = memberId;
    }
    if (r.resourceType === 'Patient') for (const i of r.identifier ?? []) i.value = memberId;
  }
  return b;
}

/** X12 306 review-action codes anywhere in a ClaimResponse's items. */
export function reviewCodes(claimResponse: any): string[] {
  const codes: string[] = [];
  JSON.stringify(claimResponse?.item ?? [], (_k, v) => {
    if (v && typeof v === 'object' && typeof v.system === 'string' && v.system.endsWith('/005010/306')) codes.push(v.code);
    return v;
  });
  return codes;
}

/**
 * An inquiry about one Claim identifier. With the request at hand it is built from it, as a provider
 * system does (PAS spec-53: the member and the provider's NPI must match, and every criterion the
 * example gives): its Claim as a PAS Claim Inquiry with the same patient, insurer, provider,
 * coverage and items. Without, the IG inquiry example with that identifier.
 */
export function inquiryFor(claimIdentifier: string, request?: any): any {
  const tag = `inq-${Math.random().toString(36).slice(2)}`;
  if (!request) {
    const b = JSON.parse(readFileSync(path.join(EXAMPLES, 'Bundle-PASClaimInquiryBundleExample.json'), 'utf8'));
    b.identifier = { ...(b.identifier ?? { system: 'urn:test' }), value: tag };
    b.entry[0].resource.identifier[0].value = claimIdentifier;
    return b;
  }
  const b = structuredClone(request);
  b.meta = { profile: ['http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-pas-inquiry-request-bundle'] };
  b.identifier = { system: 'urn:test', value: tag };
  const claim = b.entry[0].resource;
  claim.meta = { profile: ['http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-inquiry'] };
  claim.identifier = [{ ...(claim.identifier?.[0] ?? {}), system: claim.identifier?.[0]?.system ?? 'urn:test', value: claimIdentifier }];
  delete claim.related;
  delete claim.supportingInfo;
  // Numbers a request quotes are its previous authorizations, not what the inquiry asks about.
  const quoted = (e: any) => !/extension-(authorizationNumber|administrationReferenceNumber)$/.test(e.url);
  // FHIR JSON has no empty arrays: a list left with nothing is left out.
  const keep = (o: any, key: string, list: any[]) => (list.length ? (o[key] = list) : delete o[key]);
  keep(claim, 'extension', (claim.extension ?? []).filter(quoted));
  for (const item of claim.item ?? []) {
    delete item.informationSequence;
    keep(item, 'extension', (item.extension ?? []).filter(quoted));
  }
  // The prior Claim an update Bundle carries is not part of an inquiry.
  b.entry = b.entry.filter((e: any, i: number) => i === 0 || e.resource.resourceType !== 'Claim');
  return b;
}

/**
 * Every empty string, array and object in a FHIR response body (FHIR JSON has none: an element
 * without content is left out), one `expression: diagnostics` a line; `[]` when the body is clean.
 */
export function emptyValuesIn(body: unknown): string[] {
  const root = body && typeof body === 'object' && typeof (body as { resourceType?: unknown }).resourceType === 'string' ? (body as { resourceType: string }).resourceType : 'body';
  return emptyValueIssues(body, root).map((i) => `${i.expression}: ${i.diagnostics}`);
}
