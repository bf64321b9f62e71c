/**
 * The floor `$submit` is compared with: Hono + node-server on the same store, one transaction that
 * stores the request body and one audit event, nothing else. Run in its own process by
 * submit.bench.ts: `node --import tsx floor-server.ts PORT` with DATABASE_URL (Postgres) or
 * PRIORGATE_DATA_DIR (embedded). Prints `ready` once listening.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { appendAudit } from '../../src/audit/index.ts';
import { openEmbedded, openPostgres } from '../../src/db/client.ts';
import { messages } from '../../src/db/schema.ts';
import { withTransaction } from '../../src/db/tx.ts';

const port = Number(process.argv[2]);
const db = process.env.DATABASE_URL ? await openPostgres(process.env.DATABASE_URL, { max: 20 }) : await openEmbedded(process.env.PRIORGATE_DATA_DIR);
await db.migrate();
const app = new Hono();
app.post('/submit', async (c) => {
  const text = await c.req.text();
  await withTransaction(db.db, async (tx) => {
    await tx.insert(messages).values({ id: crypto.randomUUID(), direction: 'in', format: 'fhir', transactionSet: 'floor', payload: text });
    await appendAudit(tx, { actor: 'bench', action: 'floor.submit' });
  });
  return c.json({ ok: true });
});
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log('ready'));
process.on('SIGTERM', () => void db.close().finally(() => process.exit(0)));
