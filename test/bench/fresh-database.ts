/**
 * A new empty database on a Postgres server for one benchmark phase, dropped by `drop()`; without a
 * server (no URL) nothing: the benchmark uses the embedded store.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export async function freshDatabase(serverUrl: string | undefined): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  if (!serverUrl) return undefined;
  const name = `priorgate_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
