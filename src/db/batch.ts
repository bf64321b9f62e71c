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
 * A statement added as SQL is renumbered into the whole by rewriting its `$n`: it must not carry a
 * literal that contains `$` and a digit (pass such a value as a parameter).
 *
 * @example const b = new Batch(tx); b.insert(messages, row); const job = b.returning(insertJob); await b.flush(); (await job)[0].id
 */
import { getTableColumns, is, SQL, type SQLWrapper } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgDialect, type PgInsertValue, type PgTable } from 'drizzle-orm/pg-core';
import { sendText, type Db } from './client.ts';

interface Returning {
  statement: SQLWrapper;
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (e: unknown) => void;
}

/** One part of the statement: its SQL text, its parameters numbered from $1. */
export interface Part {
  text: string;
  params: unknown[];
}

/**
 * How rows of a table are written, worked out once per table: the quoted column list, and per
 * column the row key, the driver encoding and the default — what drizzle's insert builder does for
 * every row of every call. Built here, a batch's rows cost a string join, not a query-builder tree
 * of hundreds of nodes walked on every flush.
 */
interface TableShape {
  target: string;
  columnList: string;
  columns: { key: string; column: PgColumn }[];
  /** Every column (generated ones too), as a `returning` list and as rows are read back. */
  returningList: string;
  all: { key: string; column: PgColumn }[];
}
const shapes = new WeakMap<PgTable, TableShape>();

function shapeOf(table: PgTable): TableShape {
  let shape = shapes.get(table);
  if (!shape) {
    const { name, schema } = getTableConfig(table);
    const all = Object.entries(getTableColumns(table) as Record<string, PgColumn>).map(([key, column]) => ({ key, column }));
    // Generated columns are never written (drizzle's own rule; the method is not in its types).
    const columns = all.filter(({ column }) => !(column as unknown as { shouldDisableInsert(): boolean }).shouldDisableInsert());
    shape = {
      target: `${schema ? `"${schema}".` : ''}"${name}"`,
      columnList: columns.map(({ column }) => `"${column.name}"`).join(', '),
      columns,
      returningList: all.map(({ column }) => `"${column.name}"`).join(', '),
      all,
    };
    shapes.set(table, shape);
  }
  return shape;
}

/**
 * The insert of `rows` as drizzle would write it (a missing value takes the column's JS default
 * function, else its SQL default), or undefined when a row holds an SQL expression (then drizzle
 * writes it).
 */
function insertText(table: PgTable, rows: Record<string, unknown>[]): Part | undefined {
  const shape = shapeOf(table);
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const values: string[] = [];
    for (const { key, column } of shape.columns) {
      let v = row[key];
      if (v === undefined) {
        if (column.defaultFn) v = column.defaultFn();
        else if (!column.default && column.onUpdateFn) v = column.onUpdateFn();
        else {
          values.push('default');
          continue;
        }
      }
      if (is(v, SQL)) return undefined;
      params.push(driverValue(column, v));
      values.push(`$${params.length}`);
    }
    tuples.push(`(${values.join(', ')})`);
  }
  return { text: `insert into ${shape.target} (${shape.columnList}) values ${tuples.join(', ')}`, params };
}

/** A row of `table` as drizzle returns it, from a row as the driver gives it (column names as in the database). */
export function rowOf<T extends PgTable>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {};
  for (const { key, column } of shapeOf(table).all) {
    const v = raw[column.name];
    out[key] = v === null || v === undefined ? null : column.mapFromDriverValue(v);
  }
  return out as T['$inferSelect'];
}

/**
 * `insert … [on conflict do nothing] returning *` of one row, written from the table's shape instead
 * of drizzle's insert builder (which builds the statement and its `returning` list, a node per
 * column, on every call), in `tx`'s transaction when it is one. The rows come back as drizzle's.
 */
export async function insertReturning<T extends PgTable>(tx: Db, table: T, row: PgInsertValue<T>, opts: { onConflictDoNothing?: boolean } = {}): Promise<T['$inferSelect'][]> {
  const part = insertText(table, [row as Record<string, unknown>]);
  if (!part) {
    const insert = tx.insert(table).values(row);
    return (await (opts.onConflictDoNothing ? insert.onConflictDoNothing() : insert).returning()) as T['$inferSelect'][];
  }
  const text = `${part.text}${opts.onConflictDoNothing ? ' on conflict do nothing' : ''} returning ${shapeOf(table).returningList}`;
  return (await sendText<Record<string, unknown>>(tx, text, part.params)).map((r) => rowOf(table, r));
}

/**
 * An update of `table` written as SQL text with `$n` parameters, run with `returning` every column,
 * the rows read back as drizzle's; for statements built once per shape.
 */
export async function updateReturning<T extends PgTable>(tx: Db, table: T, update: Part): Promise<T['$inferSelect'][]> {
  return (await sendText<Record<string, unknown>>(tx, `${update.text} returning ${shapeOf(table).returningList}`, update.params)).map((r) => rowOf(table, r));
}

/** A value of `column` as its driver takes it (drizzle's encoding: a Date as ISO text, JSON as text). */
export function driverValue(column: PgColumn, value: unknown): unknown {
  return value === null || value === undefined ? null : column.mapToDriverValue(value);
}

export class Batch {
  private readonly inserts = new Map<PgTable, Record<string, unknown>[]>();
  private readonly statements: (SQLWrapper | Part)[] = [];
  private readonly returnings: Returning[] = [];

  constructor(readonly tx: Db) {}

  /** A row for `table`, inserted with the other rows for it (in the order added). A value may be an SQL expression. */
  insert<T extends PgTable>(table: T, row: PgInsertValue<T>): void {
    const pending = this.inserts.get(table);
    if (pending) pending.push(row as Record<string, unknown>);
    else this.inserts.set(table, [row as Record<string, unknown>]);
  }

  /** Any other write whose result is not needed (an update, an insert built elsewhere). */
  add(statement: SQLWrapper): void {
    this.statements.push(statement);
  }

  /** A write already rendered as SQL text with `$1`… parameters (built once per shape). */
  addText(part: Part): void {
    this.statements.push(part);
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
    // Taken at once: the batch is empty again before anything is awaited.
    const inserts = [...this.inserts];
    const statements = this.statements.splice(0);
    const returnings = this.returnings.splice(0);
    this.inserts.clear();
    const dialect = (this.tx as unknown as { dialect: PgDialect }).dialect;
    const built = (w: SQLWrapper): Part => {
      const q = dialect.sqlToQuery(w.getSQL());
      return { text: q.sql, params: q.params };
    };
    try {
      const parts: Part[] = [...inserts.map(([table, values]) => insertText(table, values) ?? built(this.tx.insert(table).values(values))), ...statements.map((s) => ('text' in s ? s : built(s)))];
      if (parts.length + returnings.length === 0) return;
      if (parts.length === 1 && returnings.length === 0) {
        await sendText(this.tx, parts[0]!.text, parts[0]!.params);
        return;
      }
      const wanted = returnings.map((r) => built(r.statement));
      if (parts.length === 0 && wanted.length === 1) {
        returnings[0]!.resolve(await sendText(this.tx, wanted[0]!.text, wanted[0]!.params));
        return;
      }
      await this.sendTogether(parts, wanted, returnings);
    } catch (e) {
      for (const r of returnings) r.reject(e);
      throw e;
    }
  }

  private async sendTogether(parts: Part[], wanted: Part[], returnings: Returning[]): Promise<void> {
    const params: unknown[] = [];
    // Each part's $n moves past the parameters of the parts before it.
    const cte = (name: string, p: Part) => {
      const offset = params.length;
      params.push(...p.params);
      return `${name} as (${offset ? p.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`) : p.text})`;
    };
    const head = `with ${[...parts.map((p, i) => cte(`w${i}`, p)), ...wanted.map((p, i) => cte(`r${i}`, p))].join(', ')}`;
    if (returnings.length === 0) {
      await sendText(this.tx, `${head} select 1`, params);
    } else if (returnings.length === 1) {
      returnings[0]!.resolve(await sendText(this.tx, `${head} select * from r0`, params));
    } else {
      const union = returnings.map((_, i) => `select ${i} as part, to_jsonb(r${i}.*) as row from r${i}`).join(' union all ');
      const out = await sendText<{ part: number; row: Record<string, unknown> | string }>(this.tx, `${head} ${union}`, params);
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
