/** `priorgate token --client ID [--scope S]`: mints an access token for a registered client. */
import { parseArgs } from 'node:util';
import { grantScopes, mintAccessToken, tokenIssuer } from '../../auth/index.ts';
import { recordAudit } from '../../audit/index.ts';
import { loadConfig } from '../../config/index.ts';
import { findClient } from '../../db/queries/clients.ts';
import { keyRingHolder } from '../../server/keyring.ts';
import { operatorCall, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { usageOf } from '../help.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { client: { type: 'string' }, scope: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.client) {
    println(io.stderr, usageOf('token'));
    return EXIT.usage;
  }
  const print = (t: { access_token: string }) => println(io.stdout, values.json ? JSON.stringify(t) : t.access_token);
  const config = loadConfig(io.env);
  const server = runningServer(config);
  if (server) {
    const r = await operatorCall<{ access_token: string; issue?: { diagnostics: string }[] }>(server, 'token', {
      client: values.client,
      scope: values.scope,
    });
    if (r.status !== 200) {
      println(io.stderr, `priorgate token: ${r.body.issue?.[0]?.diagnostics ?? `HTTP ${r.status}`}`);
      return EXIT.usage;
    }
    print(r.body);
    return EXIT.ok;
  }
  return withDatabase(io, async ({ db }) => {
    const client = await findClient(db, values.client!);
    if (!client) {
      println(io.stderr, `priorgate token: unknown client "${values.client}"`);
      return EXIT.usage;
    }
    const scopes = grantScopes(values.scope, client.scopes);
    if (scopes.length === 0) {
      println(io.stderr, 'priorgate token: none of the requested scopes is granted to this client');
      return EXIT.usage;
    }
    const keys = await keyRingHolder(db, config.tokenTtlS);
    const token = await mintAccessToken(keys.current(), { issuer: tokenIssuer(config), client, scopes, ttlS: config.tokenTtlS });
    await recordAudit(db, {
      actor: 'operator',
      action: 'auth.token.operator',
      orgId: client.orgId,
      entityType: 'api_client',
      entityId: client.id,
      detail: { scope: token.scope },
    });
    print(token);
    return EXIT.ok;
  });
}
