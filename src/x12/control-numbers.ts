/**
 * Control numbers come from the caller, who persists them (a database sequence per sender in the
 * gateway). `next` must return a fresh positive number per (kind, sender).
 */
export type ControlKind = 'ISA' | 'GS' | 'ST';

export interface ControlNumbers {
  next(kind: ControlKind, sender: string): number;
}

/**
 * Counters kept in memory, one per (kind, sender), starting at `start` (tests, CLI, acks).
 *
 * @example
 * const numbers = new InMemoryControlNumbers();
 * numbers.next('ISA', 'PRIORGATE'); // 1
 * numbers.next('ISA', 'PRIORGATE'); // 2
 */
export class InMemoryControlNumbers implements ControlNumbers {
  private readonly last = new Map<string, number>();
  constructor(private readonly start = 1) {}

  next(kind: ControlKind, sender: string): number {
    const key = `${kind}\u0000${sender}`;
    const value = (this.last.get(key) ?? this.start - 1) + 1;
    this.last.set(key, value);
    return value;
  }
}
