/**
 * Per-payer circuit breaker and concurrency limit (in-process). After `failures` consecutive
 * transport failures the circuit opens for `resetMs`; then one trial call is let through.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  private trial = false;

  constructor(
    private readonly failures: number,
    private readonly resetMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** May a call go out now? Returns the wait in ms when the circuit is open. */
  check(): { allowed: true } | { allowed: false; retryInMs: number } {
    const t = this.now();
    if (this.openUntil === 0) return { allowed: true };
    if (t < this.openUntil) return { allowed: false, retryInMs: this.openUntil - t };
    if (this.trial) return { allowed: false, retryInMs: Math.min(1000, this.resetMs) };
    this.trial = true; // half-open: one call decides
    return { allowed: true };
  }

  success() {
    this.consecutive = 0;
    this.openUntil = 0;
    this.trial = false;
  }

  failure() {
    this.consecutive++;
    this.trial = false;
    if (this.consecutive >= this.failures) this.openUntil = this.now() + this.resetMs;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openUntil === 0) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }
}

/** A counting semaphore: at most `max` calls to one payer at a time. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
