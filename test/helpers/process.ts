/** Runs the real `priorgate` command as a child process (what users and CI run). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/bin.mjs');

/** The node flags of `npm start` (the words between `node` and the script), as the gateway runs in production. */
export function startNodeFlags(): string[] {
  const start: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts.start;
  const words = start.split(/\s+/);
  if (words[0] !== 'node' || !words.includes('src/cli/bin.mjs')) throw new Error(`npm start is not "node [flags] src/cli/bin.mjs ...": ${start}`);
  return words.slice(1, words.indexOf('src/cli/bin.mjs'));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export function cli(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** Milliseconds from spawn until /healthz answered. */
  startMs: number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * @param timeoutMs how long the server may take to answer /healthz: a few seconds alone, but more
 *   than 30 s when the whole suite runs on both stores at once on two cores
 * @param opts.port listen on this port (a restart keeps the address the payer pushes to)
 */
export async function startServer(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, opts: { port?: number; nodeArgs?: string[] } = {}): Promise<ChildServer> {
  const port = opts.port ?? (await freePort());
  const started = Date.now();
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, 'serve', '--port', String(port), ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${out}`);
    if (Date.now() - started > timeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`server not healthy after ${timeoutMs} ms: ${out}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const startMs = Date.now() - started;
  return {
    url,
    proc,
    startMs,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // Exited already (with a code, or killed by a signal: then `exit` will not come again).
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}
