/** What the HTTP app is given (explicit dependencies) and what it keeps per request. */
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log/index.ts';
import type { AccessClaims, KeyRingHolder } from '../auth/index.ts';
import type { Metrics } from './metrics.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  log: Logger;
  keys: KeyRingHolder;
  metrics: Metrics;
  /** The clock, injectable for tests. */
  now?: () => Date;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    auth?: AccessClaims;
  };
}
