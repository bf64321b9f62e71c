/**
 * A TCP proxy between a connection pool and Postgres that can cut a connection the way a network
 * failure does: it forwards a COMMIT, lets it land, and closes both sides before Postgres's answer
 * gets back. The client cannot tell whether its transaction committed; Postgres can.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CommitCuttingProxy {
  /** The target URL with the proxy's host and port. */
  url: string;
  /**
   * Cuts the next COMMIT sent on a connection whose transaction sent a statement matching `after`
   * (any COMMIT when omitted). Once.
   */
  cutNextCommit(after?: RegExp): void;
  /** How many COMMITs were cut. */
  cuts(): number;
  close(): Promise<void>;
}

/** A COMMIT as a simple query or a Parse message; a prepared one is then run by name (Bind). */
const COMMIT_TEXT = /(?:^|\0)(?:Q[\s\S]{4}|P[\s\S]{4}([^\0]*)\0)commit\0/gi;
const BIND = /B[\s\S]{4}[^\0]*\0([^\0]+)\0/g;

export async function commitCuttingProxy(targetUrl: string, landMs = 1000): Promise<CommitCuttingProxy> {
  const target = new URL(targetUrl);
  let armed: { after?: RegExp } | undefined;
  let cut = 0;
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
    let marked = false;
    let cutting = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (cutting) return;
      const text = chunk.toString('latin1');
      let commit = false;
      for (const m of text.matchAll(COMMIT_TEXT)) {
        commit = true;
        if (m[1]) commitStatements.add(m[1]);
      }
      if (!commit) for (const m of text.matchAll(BIND)) if (commitStatements.has(m[1]!)) commit = true;
      if (!armed) return;
      if (armed.after && !marked) marked = armed.after.test(text);
      if ((marked || !armed.after) && commit) {
        armed = undefined;
        cutting = true;
        cut++;
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, landMs);
      }
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
    cutNextCommit: (after) => void (armed = after ? { after } : {}),
    cuts: () => cut,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
