/** `priorgate sim payer [--port N] [--callback URL]`: the payer simulator, standalone. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import { createEhrSim } from '../../sim/ehr-server.ts';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../config/index.ts';
import { createPayerSim } from '../../sim/payer-server.ts';
import { type CliIo, EXIT, println, untilSignal } from '../io.ts';
import { usageOf } from '../help.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string' },
      callback: { type: 'string' },
      auth: { type: 'string' },
      'delay-ms': { type: 'string' },
      'fail-status': { type: 'string' },
      'reject-share': { type: 'string' },
      client: { type: 'string' },
      jwk: { type: 'string' },
    },
  });
  if (kind === 'ehr') return runEhr(values, io);
  if (kind !== 'payer') {
    println(io.stderr, usageOf('sim'));
    return EXIT.usage;
  }
  const config = loadConfig(io.env);
  const shares = (values['reject-share'] ?? '').split(',').filter(Boolean).map((p) => {
    const [code, share] = p.split('=');
    return { code: code!.trim(), share: Number(share) };
  });
  if (shares.some((s) => !/^([0-9A-Z]{2}|999)$/.test(s.code) || !(s.share >= 0 && s.share <= 1)) || shares.reduce((t, s) => t + s.share, 0) > 1) {
    println(io.stderr, 'sim payer: --reject-share is CODE=SHARE,… (AAA03 codes such as 72, 73, 75, or 999), shares from 0 to 1 adding up to at most 1');
    return EXIT.usage;
  }
  const failStatus = values['fail-status'] ? Number(values['fail-status']) : undefined;
  if (failStatus !== undefined && !(Number.isInteger(failStatus) && failStatus >= 400 && failStatus <= 599)) {
    println(io.stderr, 'sim payer: --fail-status must be an HTTP status from 400 to 599');
    return EXIT.usage;
  }
  const sim = createPayerSim({
    pendMs: config.simPendMs,
    callbackUrl: values.callback,
    callbackAuth: values.auth,
    delayMs: Number(values['delay-ms'] ?? 0),
    faults: { ...(failStatus ? { failStatus } : {}), ...(shares.length ? { rejectShare: shares } : {}) },
  });
  const port = Number(values.port ?? 9090);
  const server = serve({ fetch: sim.app.fetch, port, hostname: '127.0.0.1' });
  println(io.stdout, `payer simulator on http://127.0.0.1:${port}  (POST /core CORE SOAP, POST /x12, POST /fhir/Claim/$submit, GET /stats, POST /faults)`);
  await untilSignal();
  sim.close();
  server.close();
  return EXIT.ok;
}

/** The EHR simulator: a FHIR server with synthetic patients; one backend client may connect. */
async function runEhr(values: { port?: string; client?: string; jwk?: string }, io: CliIo): Promise<number> {
  if (!values.client || !values.jwk) {
    println(io.stderr, usageOf('sim'));
    return EXIT.usage;
  }
  const jwk = JSON.parse(readFileSync(values.jwk, 'utf8')) as JWK;
  const sim = createEhrSim({ clients: [{ clientId: values.client, jwk }] });
  const port = Number(values.port ?? 9091);
  const server = serve({ fetch: sim.app.fetch, port, hostname: '127.0.0.1' });
  println(io.stdout, `EHR simulator on http://127.0.0.1:${port}  (SMART token at /auth/token; Patient, Condition, Observation, Procedure, MedicationRequest)`);
  await untilSignal();
  sim.close();
  server.close();
  return EXIT.ok;
}
