/**
 * Opening the database from a CLI command. On the embedded store, which one process holds at a
 * time, a command either goes through the running server (operator secret) or says plainly that
 * the store is in use and how to proceed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config/index.ts';
import { embeddedLockHolder, openDatabase, StoreInUseError, type Database } from '../db/client.ts';
import { AppError } from '../errors/index.ts';
import { localClientTls, sendRequest, type TlsMaterial } from '../net/index.ts';
import { openDataKeys, type DataKeyService } from '../db/data-keys/index.ts';
import { createLogger } from '../log/index.ts';
import { LogIntegrityError, sealAll } from '../audit/index.ts';
import { loadKeyRing } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { println, type CliIo } from './io.ts';

export interface RunningServer {
  url: string;
  secret: string;
  /** How to trust the server's own certificate when it terminates TLS. */
  tls?: TlsMaterial;
}

/** The running server that holds the embedded store, if any (and if we can reach its secret). */
export function runningServer(config: Config): RunningServer | undefined {
  if (config.databaseUrl) return undefined;
  const holder = embeddedLockHolder(config.dataDir);
  const file = path.join(config.dataDir, 'operator.json');
  if (!holder || !existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RunningServer & { pid: number };
    if (info.pid !== holder.pid) return undefined;
    return { url: info.url, secret: info.secret, ...(config.tls ? { tls: localClientTls(config.tls.cert, config.caPem) } : {}) };
  } catch {
    return undefined;
  }
}

export async function operatorCall<T>(server: RunningServer, route: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await sendRequest(new URL(`${server.url}/operator/${route}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-priorgate-operator': server.secret },
    body: JSON.stringify(body),
    timeoutMs: 60_000,
    maxResponseBytes: 16 * 1024 * 1024,
    tls: server.tls,
  });
  if (res.kind !== 'response') throw new Error(`the running server at ${server.url} did not answer (${res.kind === 'network' ? res.error : res.reason})`);
  return { status: res.status, body: JSON.parse(res.body.toString('utf8')) as T };
}

/** An operator call whose error answer (an OperationOutcome) becomes the same AppError the server raised. */
export async function operatorRequest<T>(server: RunningServer, route: string, body: unknown): Promise<T> {
  const r = await operatorCall<T & { issue?: { diagnostics?: string }[] }>(server, route, body);
  if (r.status === 200) return r.body;
  const text = r.body.issue?.[0]?.diagnostics ?? `the running server answered HTTP ${r.status}`;
  throw new AppError(r.status === 404 ? 'not_found' : r.status === 403 ? 'forbidden' : r.status < 500 ? 'invalid' : 'internal', text);
}

/**
 * Seals the audit events committed so far (the command's own, or any a stopped gateway left): the
 * sequencer runs in whichever process holds the database, and one-shot commands are no exception.
 */
export async function sealCommitted(db: Db, config: Config, io: CliIo): Promise<void> {
  try {
    await sealAll({ db, signer: async () => (await loadKeyRing(db, config.tokenTtlS)).signer });
  } catch (e) {
    if (!(e instanceof LogIntegrityError)) throw e;
    println(io.stderr, `warning: ${e.message}`);
  }
}

/**
 * Opens and migrates the configured database for a one-shot command; closes it afterwards. Audit
 * events committed before the command and by it are sealed. With
 * `keys: true` the data keys are attached too, checked against the database exactly as the server
 * checks them: for commands that read or write sealed PHI columns (retention export, record
 * flags). The others leave the ring alone (a read-only `audit verify` registers no key).
 */
export async function withDatabase<T>(io: CliIo, fn: (db: Database, config: Config) => Promise<T>, opts: { keys?: boolean } = {}): Promise<T> {
  const config = loadConfig(io.env);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax });
  let keys: DataKeyService | undefined;
  try {
    await database.migrate();
    if (opts.keys) keys = await openDataKeys(database.db, config.dataKeys, { log: createLogger({ level: 'warn', destination: io.stderr as never }) });
    // What a stopped gateway left unsealed is sealed first: a purge or a verify sees the whole log.
    await sealCommitted(database.db, config, io);
    const result = await fn(database, config);
    await sealCommitted(database.db, config, io);
    return result;
  } finally {
    await keys?.stop();
    await database.close();
  }
}

export { StoreInUseError };
