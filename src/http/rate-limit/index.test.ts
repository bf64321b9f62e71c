import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './index.ts';

describe('token buckets', () => {
  it('allows a burst of perMinute, then refuses with the wait until the next token, then refills', () => {
    let t = 0;
    const b = new TokenBuckets(60, () => t);
    for (let i = 0; i < 60; i++) expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBe(1);
    expect(b.take('other')).toBe(0); // buckets are per client
    t += 1000;
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBeGreaterThan(0);
    t += 60_000;
    for (let i = 0; i < 60; i++) expect(b.take('a')).toBe(0);
  });
});
