/**
 * Per-client rate limit (token bucket, in-process): each API client gets `perMinute` requests a
 * minute with bursts up to the same number. Over it: 429 with Retry-After. Several gateway
 * instances each apply the limit, so the cluster-wide ceiling is N × perMinute.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { AppError } from '../../errors/index.ts';

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * rate);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}

/** Use after `requireAuth`: the bucket is the caller's client id. */
export function rateLimit(perMinute: number): MiddlewareHandler<AppEnv> {
  const buckets = new TokenBuckets(perMinute);
  return async (c, next) => {
    const client = c.var.auth?.clientId;
    if (client) {
      const wait = buckets.take(client);
      if (wait > 0) throw new AppError('throttled', `rate limit of ${perMinute} requests a minute exceeded`, undefined, { 'Retry-After': String(wait) });
    }
    await next();
  };
}
