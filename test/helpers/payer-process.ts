/**
 * The payer simulator as a process of its own (`priorgate sim payer`): it outlives the gateways the
 * crash suites kill, and its `/stats` tell what reached the payer. With it, a rules directory that
 * routes demo-payer to it.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, freePort } from './process.ts';
import { until } from './wait.ts';

/** What the simulator's `GET /stats` reports, the parts the crash suites read. */
export interface PayerStats {
  /** Requests received and not answered yet: deliveries on the wire. */
  inFlight: number;
  /** Distinct interchanges decided. */
  decided: number;
  /** Interchange keys (`sender/ISA13`) seen per 2000E trace. */
  traces: Record<string, string[]>;
  /** How often each interchange key arrived (more than once: re-sent, de-duplicated). */
  received: Record<string, number>;
  /** 270s answered, in all and per member id. */
  eligibility: number;
  eligibilityByMember: Record<string, number>;
}

export interface PayerProcess {
  url: string;
  stats(): Promise<PayerStats>;
  /** `kill -9`: the payer holds nothing a test waits for. */
  kill(): void;
}

/**
 * @param opts.args more `sim payer` options (`--delay-ms`, `--callback`, `--auth`)
 * @example const payer = await startPayerProcess({ args: ['--delay-ms', '300'] });
 */
export async function startPayerProcess(opts: { port?: number; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<PayerProcess> {
  const port = opts.port ?? (await freePort());
  const proc = spawn(process.execPath, [BIN, 'sim', 'payer', '--port', String(port), ...(opts.args ?? [])], {
    stdio: 'ignore',
    env: { ...process.env, ...opts.env },
  });
  const url = `http://127.0.0.1:${port}`;
  const stats = async () => (await (await fetch(`${url}/stats`)).json()) as PayerStats;
  const payer = { url, stats, kill: () => void proc.kill('SIGKILL') };
  const listening = () =>
    stats().then(
      () => true,
      () => {
        if (proc.exitCode !== null) throw new Error(`sim payer exited ${proc.exitCode}`);
        return false;
      },
    );
  try {
    await until('the payer simulator to listen', listening, 30_000);
  } catch (e) {
    payer.kill();
    throw e;
  }
  return payer;
}

/** A rules directory with the shipped demo payers, demo-payer sending to `endpoint` (`remove()` deletes it). */
export function rulesRoutingDemoPayer(endpoint: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-rules-'));
  mkdirSync(path.join(dir, 'payers'));
  writeFileSync(path.join(dir, 'payers', 'demo-payer.yaml'), `${readFileSync('rules/payers/demo-payer.yaml', 'utf8')}\nendpoint: ${endpoint}\n`);
  copyFileSync('rules/payers/demo-fhir-payer.yaml', path.join(dir, 'payers', 'demo-fhir-payer.yaml'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
