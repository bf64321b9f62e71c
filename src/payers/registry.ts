/**
 * The payers this gateway knows: configuration from `rules/payers/`, endpoint from the database
 * (the demo seed points demo payers at the simulator), and per-payer connector, circuit breaker and
 * concurrency limit.
 */
import type { Db } from '../db/client.ts';
import { payers as payersTable } from '../db/schema.ts';
import { payerForInsurer, type RuleSet } from '../rules/index.ts';
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
  /**
   * The payer a request's insurer (Claim.insurer, CoverageEligibilityRequest.insurer) means, by the
   * insurer Organization's identifier values. Precedence, first match wins:
   * 1. a value that is a payer id (`rules/payers/<id>.yaml`): the sender named the payer outright;
   * 2. a value listed in a payer's `insurerIdentifiers` (`rules/prior-auth/<id>.yaml`, from `rules`,
   *    the rule set in force, so a hot reload re-routes at once): the operator's mapping;
   * 3. a value equal to a payer's X12 2010A `umoId`: what the payer calls itself in X12;
   * 4. `fallback` (the configured default payer), when given.
   * Explicit mappings come before the inferred umoId, so a rules file can claim an identifier that
   * happens to be another payer's UMO id. Undefined when nothing matches and there is no fallback.
   * @example registry.forInsurer(['DEMOFHIR'], services.rules(), config.defaultPayer)?.config.id // 'demo-fhir-payer'
   */
  forInsurer(identifiers: string[], rules: RuleSet, fallback?: string): PayerRuntime | undefined;
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
    forInsurer(identifiers, rules, fallback) {
      const values = identifiers.map((i) => i.trim()).filter(Boolean);
      const ids = new Set(values);
      const byRules = payerForInsurer(rules, values);
      return (
        [...byId.values()].find((p) => ids.has(p.config.id)) ??
        (byRules !== undefined ? byId.get(byRules) : undefined) ??
        [...byId.values()].find((p) => p.config.x12 !== undefined && ids.has(p.config.x12.umoId)) ??
        (fallback !== undefined ? byId.get(fallback) : undefined)
      );
    },
  };
}
