/**
 * Writes nobody reads back, sent as one statement. A transaction that stores a request, its lines,
 * its messages, its job and its audit events needs none of their results; sent one by one they cost
 * a statement each (a parse, a round trip, a socket write). A `Batch` collects them and `flush`
 * sends them as one data-modifying `WITH` statement, in the caller's transaction:
 *
 *   with w0 as (insert into messages ... values (..), (..)), w1 as (update request_items ...), ...
 *   select 1
 *
 * Rows for the same table become one multi-row insert, in the order they were added, so serial ids
 * (audit events, message seq) keep the order of the code that wrote them: Postgres runs the parts of
 * one statement in no order we may rely on, but the rows of one VALUES list in order.
 *
 * A write whose rows are wanted (a job's id) joins with `returning`; its promise settles at the flush.
 *
 * Rules: the parts must not depend on each other (they see the same snapshot: nothing one writes is
 * visible to another), and no row may be changed by two parts. Constraints are checked when the
 * statement ends, so a part may reference a row inserted by an earlier statement of the transaction.
 *
 * @example const b = new Batch(tx); b.insert(messages, row); const job = b.returning(insertJob); await b.flush(); (await job)[0].id
 */
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { rows, type Db } from './client.ts';

interface Returning {
  statement: SQLWrapper;
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (e: unknown) => void;
}

export class Batch {
  private readonly inserts = new Map<PgTable, Record<string, unknown>[]>();
  private readonly statements: SQLWrapper[] = [];
  private readonly returnings: Returning[] = [];

  constructor(readonly tx: Db) {}

  /** A row for `table`, inserted with the other rows for it (in the order added). */
  insert<T extends PgTable>(table: T, row: T['$inferInsert']): void {
    const pending = this.inserts.get(table);
    if (pending) pending.push(row as Record<string, unknown>);
    else this.inserts.set(table, [row as Record<string, unknown>]);
  }

  /** Any other write whose result is not needed (an update, an insert built elsewhere). */
  add(statement: SQLWrapper): void {
    this.statements.push(statement);
  }

  /**
   * A write whose rows are wanted (`... returning ...`): the promise settles when the batch is
   * flushed (await it after `flush`, never before: it would wait for ever). Rows of a batch with
   * more than one such write come back as JSON (numbers, strings, booleans: no dates).
   */
  returning<R extends Record<string, unknown>>(statement: SQLWrapper): Promise<R[]> {
    const settled = new Promise<R[]>((resolve, reject) => this.returnings.push({ statement, resolve: resolve as Returning['resolve'], reject }));
    // A flush that fails throws to its caller; the caller then never awaits this one.
    settled.catch(() => {});
    return settled;
  }

  get empty(): boolean {
    return this.inserts.size === 0 && this.statements.length === 0 && this.returnings.length === 0;
  }

  /** Sends what is pending as one statement (nothing when nothing is), and starts empty again. */
  async flush(): Promise<void> {
    const parts: SQLWrapper[] = [...[...this.inserts].map(([table, values]) => this.tx.insert(table).values(values)), ...this.statements];
    const returnings = this.returnings.splice(0);
    this.inserts.clear();
    this.statements.length = 0;
    try {
      if (parts.length === 0 && returnings.length === 1) {
        returnings[0]!.resolve(await rows(this.tx, returnings[0]!.statement.getSQL()));
      } else if (parts.length === 1 && returnings.length === 0) {
        await this.tx.execute(parts[0]!.getSQL());
      } else if (parts.length + returnings.length > 0) {
        await this.sendTogether(parts, returnings);
      }
    } catch (e) {
      for (const r of returnings) r.reject(e);
      throw e;
    }
  }

  private async sendTogether(parts: SQLWrapper[], returnings: Returning[]): Promise<void> {
    const ctes: SQL[] = [
      ...parts.map((p, i) => sql`${sql.raw(`w${i}`)} as (${p.getSQL()})`),
      ...returnings.map((r, i) => sql`${sql.raw(`r${i}`)} as (${r.statement.getSQL()})`),
    ];
    const head = sql`with ${sql.join(ctes, sql`, `)}`;
    if (returnings.length === 0) {
      await this.tx.execute(sql`${head} select 1`);
    } else if (returnings.length === 1) {
      returnings[0]!.resolve(await rows(this.tx, sql`${head} select * from r0`));
    } else {
      const union = sql.join(
        returnings.map((_, i) => sql.raw(`select ${i} as part, to_jsonb(r${i}.*) as row from r${i}`)),
        sql` union all `,
      );
      const out = await rows<{ part: number; row: Record<string, unknown> | string }>(this.tx, sql`${head} ${union}`);
      returnings.forEach((r, i) => r.resolve(out.filter((o) => Number(o.part) === i).map((o) => (typeof o.row === 'string' ? JSON.parse(o.row) : o.row))));
    }
  }
}

/**
 * Runs `fn` with the caller's batch, or with one of its own flushed when `fn` is done: a function
 * that writes can take part in a caller's batch or stand alone.
 */
export async function batched<T>(tx: Db, batch: Batch | undefined, fn: (b: Batch) => Promise<T> | T): Promise<T> {
  if (batch) return fn(batch);
  const own = new Batch(tx);
  const out = await fn(own);
  await own.flush();
  return out;
}
