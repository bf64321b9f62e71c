/**
 * A TCP proxy between a connection pool and Postgres that can cut a connection the way a network
 * failure does: it forwards a COMMIT, lets it land, and closes both sides before Postgres's answer
 * gets back. The client cannot tell whether its transaction committed; Postgres can. Or it holds
 * the COMMIT back: the client's side is cut at once, while the server's session waits inside the
 * transaction until the COMMIT is delivered late (a network that delays it), if that session is
 * still there by then.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CommitCuttingProxy {
  /** The target URL with the proxy's host and port. */
  url: string;
  /**
   * Cuts the next COMMIT sent on a connection whose transaction sent a statement matching `after`
   * (any COMMIT when omitted). Once.
   */
  cutNextCommit(after?: RegExp, opts?: { heldMs?: number }): void;
  /** How many held-back COMMITs were delivered late to a session still there to take them. */
  lateCommits(): number;
  /** How many COMMITs were cut. */
  cuts(): number;
  close(): Promise<void>;
}

/** A COMMIT as a simple query or a Parse message; a prepared one is then run by name (Bind). */
const COMMIT_TEXT = /(?:^|\0)(?:Q[\s\S]{4}|P[\s\S]{4}([^\0]*)\0)commit\0/gi;
const BIND = /B[\s\S]{4}[^\0]*\0([^\0]+)\0/g;
/** A Parse message of a named (prepared) statement: its name and its text. */
const PARSE = /P[\s\S]{4}([^\0]+)\0([^\0]*)\0/g;

export async function commitCuttingProxy(targetUrl: string, landMs = 1000): Promise<CommitCuttingProxy> {
  const target = new URL(targetUrl);
  let armed: { after?: RegExp; heldMs?: number } | undefined;
  let cut = 0;
  let late = 0;
  /** Names of the prepared statements that are a COMMIT (the driver prepares it once per connection). */
  const commitStatements = new Set<string>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    // The arming whose `after` this connection has run (a later arming starts unmarked).
    let marked: object | undefined;
    let cutting = false;
    /** This connection's prepared statements, by name: a statement run again is bound by name only. */
    const prepared = new Map<string, string>();
    client.on('data', (chunk: Buffer) => {
      if (cutting) return void upstream.write(chunk);
      const text = chunk.toString('latin1');
      let commit = false;
      for (const m of text.matchAll(COMMIT_TEXT)) {
        commit = true;
        if (m[1]) commitStatements.add(m[1]);
      }
      for (const m of text.matchAll(PARSE)) prepared.set(m[1]!, m[2]!);
      const bound = [...text.matchAll(BIND)].map((m) => m[1]!);
      if (!commit) commit = bound.some((name) => commitStatements.has(name));
      // What this chunk runs: its own text, and that of the prepared statements it binds.
      const runs = !!armed?.after && [text, ...bound.map((name) => prepared.get(name) ?? '')].some((t) => armed!.after!.test(t));
      const cutNow = !!armed && commit && (!armed.after || marked === armed || runs);
      if (runs) marked = armed;
      if (!cutNow) return void upstream.write(chunk);
      const heldMs = armed!.heldMs;
      armed = undefined;
      cutting = true;
      cut++;
      if (heldMs === undefined) {
        upstream.write(chunk);
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, landMs);
        return;
      }
      // Held back: the client loses its connection now; the server's session gets the COMMIT later.
      client.removeAllListeners('close');
      client.destroy();
      setTimeout(() => {
        if (!upstream.destroyed && upstream.writable) {
          upstream.write(chunk);
          // Counted once the session answers it: still there, it took the COMMIT.
          upstream.once('data', () => late++);
        }
        setTimeout(() => upstream.destroy(), landMs);
      }, heldMs);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cutting) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.href,
    cutNextCommit: (after, opts = {}) => void (armed = { ...(after ? { after } : {}), ...opts }),
    cuts: () => cut,
    lateCommits: () => late,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
