/**
 * Shared pieces of the encryption-at-rest suites (test/security/crypto-*.test.ts): synthetic
 * canary PHI (never real), Bundles carrying it, a raw scan of every text column of every table,
 * and a hook receiver for Subscription notifications.
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../src/db/client.ts';
import { eligibilityBundle } from '../eligibility/fixtures.ts';
import { pasExample } from '../helpers/gateway.ts';
import { pasSubscription as sharedSubscription } from '../notify/helpers.ts';

/** Synthetic PHI unlikely to occur by chance anywhere else in the database. */
export interface Canary {
  family: string;
  given: string;
  memberId: string;
  birthDate: string;
  street: string;
}

export function canary(tag: string, decision = 'A'): Canary {
  const n = Math.random().toString(36).slice(2, 7).toUpperCase();
  return { family: `Quixgrove${tag}${n}`, given: `Zebulon${n}`, memberId: `CNRY${tag}${n}${decision}`, birthDate: '1911-02-03', street: `${n} Canaryfield Lane` };
}

/** What must never be found in a raw column: names, member id, birth date (FHIR and X12 D8 forms), street. */
export const needles = (c: Canary) => [c.family, c.given, c.memberId, c.birthDate, c.birthDate.replace(/-/g, ''), c.street];

/** The IG surgical example with the canary as its patient and member. */
export function pasWithCanary(c: Canary): any {
  const b = pasExample('Bundle-SurgicalRequestBundleExample.json', c.memberId);
  for (const e of b.entry) {
    if (e.resource.resourceType !== 'Patient') continue;
    e.resource.name = [{ family: c.family, given: [c.given] }];
    e.resource.birthDate = c.birthDate;
    e.resource.address = [{ line: [c.street], city: 'Springfield', state: 'MD', postalCode: '20601' }];
    delete e.resource.text;
  }
  return b;
}

export function eligibilityWithCanary(c: Canary): any {
  const b = eligibilityBundle({ memberId: c.memberId });
  const patient = b.entry[1].resource;
  patient.name = [{ family: c.family, given: [c.given] }];
  patient.birthDate = c.birthDate;
  patient.address = [{ line: [c.street], city: 'Springfield', state: 'MD', postalCode: '20601' }];
  return b;
}

export interface ColumnRef {
  table: string;
  column: string;
}

/** Every text-like column (text, varchar, json, jsonb, arrays) of every table in the public schema. */
export async function textColumns(db: Db): Promise<ColumnRef[]> {
  const cols = await rows<{ table_name: string; column_name: string }>(
    db,
    sql`select c.table_name, c.column_name from information_schema.columns c
          join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
         where c.table_schema = 'public'
           and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
         order by 1, 2`,
  );
  return cols.map((c) => ({ table: c.table_name, column: c.column_name }));
}

/** `table.column: needle` for every raw column value containing a needle (case-insensitive). */
export async function scanForPlaintext(db: Db, find: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const { table, column } of await textColumns(db)) {
    for (const needle of find) {
      const [r] = await rows<{ n: number | string }>(
        db,
        sql`select count(*) as n from ${sql.identifier(table)} where ${sql.identifier(column)}::text ilike ${`%${needle}%`}`,
      );
      if (Number(r?.n) > 0) hits.push(`${table}.${column}: ${needle}`);
    }
  }
  return hits;
}


/** The IG's Subscription example for demo-clinic-a (NPI 1234567893) at `endpoint`. */
export const pasSubscription = (endpoint: string) => sharedSubscription('1234567893', endpoint);

export async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
