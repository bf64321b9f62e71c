/**
 * The EHR connection: a configured EHR (PRIORGATE_EHR_URL, _CLIENT_ID, _KEY_FILE), or in demo mode
 * the in-process EHR simulator with a key pair made at start.
 */
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Config } from '../config/index.ts';
import { createEhrClient, type EhrClient } from '../ehr/index.ts';
import { fetchVia, sendRequest, trustAnchors } from '../net/index.ts';
import { createEhrSim } from '../sim/ehr-server.ts';

/** EHR calls happen inside `$submit`'s sync wait: keep them short. */
const EHR_TIMEOUT_MS = 3000;

export async function connectEhr(config: Config): Promise<{ client?: EhrClient; stop(): Promise<void>; simUrl?: string }> {
  if (config.ehr) {
    const jwk = JSON.parse(readFileSync(config.ehr.keyFile, 'utf8')) as JWK;
    // PRIORGATE_CA_FILE applies to the EHR too (Node's own fetch cannot take extra trust anchors).
    const ca = trustAnchors(config.caPem);
    const transport = ca ? fetchVia((url, req) => sendRequest(url, { ...req, tls: { ca } }), { timeoutMs: EHR_TIMEOUT_MS, maxResponseBytes: 32 * 1024 * 1024 }) : undefined;
    const client = createEhrClient({ baseUrl: config.ehr.url, clientId: config.ehr.clientId, privateKey: jwk, timeoutMs: EHR_TIMEOUT_MS, retries: 1, ...(transport ? { fetch: transport } : {}) });
    return { client, stop: async () => {} };
  }
  if (!config.demo) return { stop: async () => {} };
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = 'priorgate-demo-ehr';
  const sim = createEhrSim({ clients: [{ clientId: 'priorgate', jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES384' } }] });
  const { server, url } = await new Promise<{ server: ServerType; url: string }>((resolve) => {
    const s = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ server: s, url: `http://127.0.0.1:${info.port}` }));
  });
  const client = createEhrClient({ baseUrl: url, clientId: 'priorgate', privateKey, kid, alg: 'ES384', timeoutMs: EHR_TIMEOUT_MS, retries: 1 });
  return {
    client,
    simUrl: url,
    async stop() {
      sim.close();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
