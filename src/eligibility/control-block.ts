/**
 * X12 control numbers for a batch: reserved from the database in blocks (one round trip per
 * `block` interchanges instead of three per interchange), so a batch never reuses a number the
 * gateway or an earlier batch used, and payers can keep de-duplicating by ISA13.
 */
import type { ControlKind, ControlNumbers } from '../x12/index.ts';

/** Reserves `count` numbers of a kind and returns the first (`nextControlNumbers` in db/queries). */
export type Reserve = (kind: ControlKind, count: number) => Promise<number>;

const KINDS: ControlKind[] = ['ISA', 'GS', 'ST'];

export class ControlNumberBlocks implements ControlNumbers {
  private readonly left = new Map<ControlKind, { next: number; end: number }>();
  private readonly pending = new Map<ControlKind, Promise<void>>();

  constructor(
    private readonly reserve: Reserve,
    private readonly block = 1000,
    /** The kinds `ensure` keeps at hand (an envelope whose GS06 repeats the ISA13 needs no GS numbers). */
    private readonly kinds: ControlKind[] = KINDS,
  ) {}

  /** Makes sure one number of each kind is at hand; call right before a synchronous write. */
  async ensure(): Promise<void> {
    for (const kind of this.kinds) {
      while (this.available(kind) < 1) {
        let p = this.pending.get(kind);
        if (!p) {
          p = this.reserve(kind, this.block).then((first) => {
            this.left.set(kind, { next: first, end: first + this.block });
            this.pending.delete(kind);
          });
          p.catch(() => this.pending.delete(kind));
          this.pending.set(kind, p);
        }
        await p;
      }
    }
  }

  /** Numbers of a kind at hand without a round trip. */
  available(kind: ControlKind): number {
    const r = this.left.get(kind);
    return r ? r.end - r.next : 0;
  }

  next(kind: ControlKind): number {
    const r = this.left.get(kind);
    if (!r || r.next >= r.end) throw new Error(`no ${kind} control number reserved: call ensure() first`);
    return r.next++;
  }
}

/** Control numbers without a database (tests, `--dry` runs): a counter from `start`. */
export function memoryReserve(start = 1): Reserve {
  const last = new Map<ControlKind, number>();
  return async (kind, count) => {
    const first = (last.get(kind) ?? start - 1) + 1;
    last.set(kind, first + count - 1);
    return first;
  };
}
