/**
 * `priorgate client add --id ID --org ORG [--org-name NAME] [--npi NPI] (--jwks FILE | --jwks-url URL) [--scopes "..."]`
 * registers (or updates) an API client of an organization.
 * `priorgate client disable --id ID` / `client enable --id ID`: a disabled client gets no token and
 * the tokens it holds are refused at once (auth/client-status.ts). Exit 0, 2 unknown client. On a
 * held embedded store they go through the running server.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { appendAudit } from '../../audit/index.ts';
import { parseScope, PROVIDER_SCOPES, setClientEnabled } from '../../auth/index.ts';
import { loadConfig } from '../../config/index.ts';
import { npiProblem } from '../../fhir/npi.ts';
import { vetEndpoint } from '../../net/index.ts';
import { findOrganization, upsertClient, upsertOrganization } from '../../db/queries/clients.ts';
import { operatorRequest, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { withTransaction } from '../../db/tx.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('client');

function readJwks(file: string): { keys: Record<string, unknown>[] } {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown[]; kty?: string; d?: string };
  const keys = (json.keys ?? (json.kty ? [json] : [])) as Record<string, unknown>[];
  if (keys.length === 0) throw new Error('the JWKS file holds no keys');
  if (keys.some((k) => 'd' in k)) throw new Error('the JWKS file holds a private key; register the public key only');
  if (keys.some((k) => typeof k.kid !== 'string')) throw new Error('every key needs a kid');
  return { keys };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'disable' || sub === 'enable') return setEnabled(sub === 'enable', rest, io);
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' },
      org: { type: 'string' },
      'org-name': { type: 'string' },
      npi: { type: 'string' },
      jwks: { type: 'string' },
      'jwks-url': { type: 'string' },
      scopes: { type: 'string' },
    },
  });
  if (sub !== 'add' || !values.id || !values.org || (!values.jwks && !values['jwks-url'])) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const npiWrong = values.npi !== undefined ? npiProblem(values.npi) : undefined;
  if (npiWrong) {
    println(io.stderr, `priorgate client add: --npi ${values.npi} is not a valid NPI: ${npiWrong}`);
    return EXIT.usage;
  }
  const scopes = values.scopes ? values.scopes.split(/\s+/).filter(Boolean) : [...PROVIDER_SCOPES];
  const bad = scopes.find((s) => !parseScope(s));
  if (bad) {
    println(io.stderr, `priorgate client add: "${bad}" is not a SMART scope (e.g. system/Claim.c)`);
    return EXIT.usage;
  }
  if (values['jwks-url']) {
    // The same SSRF rules as at fetch time (which checks again: DNS may change).
    const verdict = await vetEndpoint(values['jwks-url'], loadConfig(io.env).jwksAllowlist);
    if (!verdict.ok) {
      println(io.stderr, `priorgate client add: --jwks-url refused: ${verdict.reason}`);
      return EXIT.usage;
    }
  }
  let jwks;
  try {
    jwks = values.jwks ? readJwks(values.jwks) : undefined;
  } catch (e) {
    println(io.stderr, `priorgate client add: ${(e as Error).message}`);
    return EXIT.usage;
  }
  return withDatabase(io, async ({ db }) => {
    await withTransaction(db, async (tx) => {
      const org = await findOrganization(tx, values.org!);
      if (!org || values['org-name'] || values.npi) {
        await upsertOrganization(tx, { id: values.org!, name: values['org-name'] ?? org?.name ?? values.org!, ...(values.npi ? { npi: values.npi } : {}) });
      }
      await upsertClient(tx, { id: values.id!, orgId: values.org!, jwks, jwksUrl: values['jwks-url'], scopes });
      await appendAudit(tx, { actor: 'operator', action: 'client.add', orgId: values.org!, entityType: 'api_client', entityId: values.id!, detail: { scopes } });
    });
    println(io.stdout, `client ${values.id} registered for organization ${values.org} with scopes: ${scopes.join(' ')}`);
    return EXIT.ok;
  });
}

async function setEnabled(enabled: boolean, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { id: { type: 'string' } } });
  if (!values.id || positionals.length > 0) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const clientId = values.id;
  const server = runningServer(loadConfig(io.env));
  const r = server
    ? await operatorRequest<{ orgId: string; changed: boolean }>(server, 'client/status', { client: clientId, enabled })
    : await withDatabase(io, ({ db }) => setClientEnabled(db, { clientId, enabled, actor: 'operator', now: new Date() }));
  if (!r) {
    println(io.stderr, `priorgate client ${enabled ? 'enable' : 'disable'}: unknown client "${clientId}"`);
    return EXIT.usage;
  }
  const state = enabled
    ? 'enabled: it can get new tokens (tokens issued before it was disabled stay refused)'
    : 'disabled: it gets no tokens, and the tokens it holds are refused from now on';
  println(io.stdout, `client ${clientId} (organization ${r.orgId}) ${r.changed ? '' : 'was already '}${state}`);
  return EXIT.ok;
}
