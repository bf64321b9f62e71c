/** `priorgate sim payer [--port N] [--callback URL]`: the payer simulator, standalone. */
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../config/index.ts';
import { createPayerSim } from '../../sim/payer-server.ts';
import { type CliIo, EXIT, println } from '../io.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { port: { type: 'string' }, callback: { type: 'string' }, auth: { type: 'string' }, 'delay-ms': { type: 'string' } } });
  if (kind !== 'payer') {
    println(io.stderr, 'usage: priorgate sim payer [--port N] [--callback URL] [--auth "Basic ..."] [--delay-ms N]');
    return EXIT.usage;
  }
  const config = loadConfig(io.env);
  const sim = createPayerSim({ pendMs: config.simPendMs, callbackUrl: values.callback, callbackAuth: values.auth, delayMs: Number(values['delay-ms'] ?? 0) });
  const port = Number(values.port ?? 9090);
  const server = serve({ fetch: sim.app.fetch, port, hostname: '127.0.0.1' });
  println(io.stdout, `payer simulator on http://127.0.0.1:${port}  (POST /core CORE SOAP, POST /x12, POST /fhir/Claim/$submit, GET /stats)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  sim.close();
  server.close();
  return EXIT.ok;
}
