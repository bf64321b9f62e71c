/** The real app on a real (test) database, with log lines captured for assertions. */
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createApp, type RouteGroup } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/context.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { createLogger } from '../../src/log/index.ts';
import { keyRingHolder } from '../../src/server/keyring.ts';
import { testDatabase, type TestDatabase } from './db.ts';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  database: TestDatabase;
  logText(): string;
  close(): Promise<void>;
}

export async function testApp(opts: { env?: Record<string, string>; extra?: RouteGroup[]; config?: Partial<Config> } = {}): Promise<TestApp> {
  const database = await testDatabase();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink });
  const config = { ...loadConfig({ PRIORGATE_DATA_DIR: '/nonexistent', ...opts.env }), ...opts.config };
  const keys = await keyRingHolder(database.db, config.tokenTtlS);
  const deps: AppDeps = { config, db: database.db, log, keys, metrics: createMetrics() };
  return {
    app: createApp(deps, opts.extra),
    deps,
    database,
    logText: () => lines.join(''),
    close: () => database.close(),
  };
}
