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
    options: { port: { type: 'string' }, callback: { type: 'string' }, auth: { type: 'string' }, 'delay-ms': { type: 'string' }, client: { type: 'string' }, jwk: { type: 'string' } },
  });
  if (kind === 'ehr') return runEhr(values, io);
  if (kind !== 'payer') {
    println(io.stderr, usageOf('sim'));
    println(io.stderr, '       priorgate sim ehr [--port N] --client ID --jwk PUBLIC_JWK_FILE');
    return EXIT.usage;
  }
  const config = loadConfig(io.env);
  const sim = createPayerSim({ pendMs: config.simPendMs, callbackUrl: values.callback, callbackAuth: values.auth, delayMs: Number(values['delay-ms'] ?? 0) });
  const port = Number(values.port ?? 9090);
  const server = serve({ fetch: sim.app.fetch, port, hostname: '127.0.0.1' });
  println(io.stdout, `payer simulator on http://127.0.0.1:${port}  (POST /core CORE SOAP, POST /x12, POST /fhir/Claim/$submit, GET /stats)`);
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
