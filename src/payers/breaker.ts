/**
 * Per-payer circuit breaker and concurrency limit (in-process). After `failures` consecutive
 * transport failures the circuit opens for `resetMs`; then one trial call is let through.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  private trial = false;
  private listeners: ((state: CircuitState) => void)[] = [];

  /** Told each change of state (interface health records the breaker's history). */
  observe(listener: (state: CircuitState) => void) {
    this.listeners.push(listener);
  }

  private emit(state: CircuitState) {
    for (const l of this.listeners) l(state);
  }

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
    this.emit('half-open');
    return { allowed: true };
  }

  success() {
    const wasOpen = this.openUntil !== 0;
    this.consecutive = 0;
    this.openUntil = 0;
    this.trial = false;
    if (wasOpen) this.emit('closed');
  }

  failure() {
    this.consecutive++;
    const trial = this.trial;
    this.trial = false;
    if (this.consecutive >= this.failures) {
      // Opens (from closed, or again after a failed trial call); further failures while open are not news.
      const opening = this.openUntil === 0 || trial || this.now() >= this.openUntil;
      this.openUntil = this.now() + this.resetMs;
      if (opening) this.emit('open');
    }
  }

  get state(): CircuitState {
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
