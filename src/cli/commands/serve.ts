/** `priorgate serve [--port N] [--demo]`: runs the gateway until SIGINT/SIGTERM. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../../log/index.ts';
import { startGateway } from '../../server/index.ts';
import { type CliIo, println, untilSignal } from '../io.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, demo: { type: 'boolean' } } });
  const env = values.port ? { ...io.env, PORT: values.port } : io.env;
  const config = loadConfig(env, { demo: values.demo ?? false });
  const log = createLogger({ level: config.logLevel });
  const gw = await startGateway(config, log);
  log.info({ url: gw.url, store: gw.database.kind, demo: config.demo }, 'priorgate listening');
  if (config.demo) {
    const keys = path.join(config.dataDir, 'demo');
    println(
      io.stdout,
      [
        '',
        `Priorgate demo is running on ${gw.url}`,
        `  FHIR base      ${gw.url}/fhir  (metadata: ${gw.url}/fhir/metadata)`,
        `  token endpoint ${gw.url}/auth/token  (SMART Backend Services, private_key_jwt)`,
        `  demo clients   demo-clinic-a, demo-clinic-b; private keys in ${keys}/<client>.private.jwk`,
        `  staff login    ${gw.url}/ui  user "admin", password from PRIORGATE_DEMO_PASSWORD (default "priorgate-demo");`,
        `                 the first admin login sets up two-step verification (TOTP app); user "clerk" (same password) has none`,
        `  quick token    npx priorgate token --client demo-clinic-a`,
        `  payer sim      ${(gw.deps.services as { simUrl?: string } | undefined)?.simUrl ?? '(not running)'}  (faults: POST <sim>/faults, see README "Data quality")`,
        '',
      ].join('\n'),
    );
  }
  await untilSignal();
  log.info('shutting down');
  await gw.stop();
  log.flush();
  return 0;
}
