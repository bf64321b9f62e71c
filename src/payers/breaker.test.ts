import { describe, expect, it } from 'vitest';
import { CircuitBreaker, Limiter } from './breaker.ts';

describe('circuit breaker', () => {
  it('opens after N consecutive failures, lets one trial through after the reset time, closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker(3, 1000, () => t);
    b.failure();
    b.failure();
    expect(b.check().allowed).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.check()).toEqual({ allowed: false, retryInMs: 1000 });
    t = 1000;
    expect(b.check().allowed).toBe(true); // the trial
    expect(b.check().allowed).toBe(false); // only one trial at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(b.check().allowed).toBe(true);
  });
  it('tells its observers each change of state, once (interface-health history)', () => {
    let t = 0;
    const b = new CircuitBreaker(2, 500, () => t);
    const seen: string[] = [];
    b.observe((s) => seen.push(s));
    b.failure();
    b.failure();
    b.failure(); // already open: no news
    t = 600;
    b.check(); // the trial
    b.failure();
    t = 1200;
    b.check();
    b.success();
    b.success();
    expect(seen).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
  it('re-opens when the trial call fails', () => {
    let t = 0;
    const b = new CircuitBreaker(1, 500, () => t);
    b.failure();
    t = 600;
    expect(b.check().allowed).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
  });
});

describe('limiter', () => {
  it('never runs more than max calls at once', async () => {
    const l = new Limiter(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        l.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});
