/**
 * The payers this gateway knows: configuration from `rules/payers/`, endpoint from the database
 * (the demo seed points demo payers at the simulator), and per-payer connector, circuit breaker and
 * concurrency limit.
 */
import type { Db } from '../db/client.ts';
import { payers as payersTable } from '../db/schema.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { CircuitBreaker, Limiter } from './breaker.ts';
import type { TlsMaterial } from '../net/index.ts';
import { connectorFor, type PayerConnector } from './connector.ts';

export interface PayerRuntime {
  config: PayerConfig;
  endpoint?: string;
  connector?: PayerConnector;
  breaker: CircuitBreaker;
  limiter: Limiter;
}

export interface PayerRegistry {
  get(id: string): PayerRuntime | undefined;
  all(): PayerRuntime[];
  /** The payer whose 2010A identifier (or id) matches one of the insurer's identifiers. */
  forInsurer(identifiers: string[]): PayerRuntime | undefined;
}

/** @param tlsOf each payer's TLS material (read once, here at start: a bad reference fails the start). */
export async function createPayerRegistry(db: Db, configs: PayerConfig[], tlsOf: (p: PayerConfig) => TlsMaterial = () => ({})): Promise<PayerRegistry> {
  // Keep the payers table (foreign keys, staff views) in step with the rule files.
  for (const c of configs) {
    await db
      .insert(payersTable)
      .values({ id: c.id, name: c.name, connector: c.connector, endpoint: c.endpoint ?? null })
      .onConflictDoUpdate({ target: payersTable.id, set: { name: c.name, connector: c.connector } });
  }
  const rows = await db.select().from(payersTable);
  const byId = new Map<string, PayerRuntime>();
  for (const c of configs) {
    const endpoint = c.endpoint ?? rows.find((r) => r.id === c.id)?.endpoint ?? undefined;
    byId.set(c.id, {
      config: c,
      endpoint,
      connector: endpoint ? connectorFor(c, endpoint, tlsOf(c)) : undefined,
      breaker: new CircuitBreaker(c.circuitBreaker.failures, c.circuitBreaker.resetMs),
      limiter: new Limiter(c.maxConcurrency),
    });
  }
  return {
    get: (id) => byId.get(id),
    all: () => [...byId.values()],
    forInsurer(identifiers) {
      const ids = new Set(identifiers.map((i) => i.trim()).filter(Boolean));
      return [...byId.values()].find((p) => ids.has(p.config.id) || (p.config.x12 && ids.has(p.config.x12.umoId)));
    },
  };
}
