/**
 * `priorgate client add --id ID --org ORG [--org-name NAME] [--npi NPI] (--jwks FILE | --jwks-url URL) [--scopes "..."]`
 * registers (or updates) an API client of an organization.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { appendAudit } from '../../audit/index.ts';
import { parseScope, PROVIDER_SCOPES } from '../../auth/index.ts';
import { loadConfig } from '../../config/index.ts';
import type { Db } from '../../db/client.ts';
import { npiProblem } from '../../fhir/npi.ts';
import { vetEndpoint } from '../../net/index.ts';
import { findOrganization, upsertClient, upsertOrganization } from '../../db/queries/clients.ts';
import { withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
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
    await db.transaction(async (t) => {
      const tx = t as unknown as Db;
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
