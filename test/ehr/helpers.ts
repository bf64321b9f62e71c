/** Runs the EHR simulator on a loopback port with a freshly generated backend client key. */
import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createEhrClient, type EhrClientOptions } from '../../src/ehr/index.ts';
import { createEhrSim, type EhrSimOptions } from '../../src/sim/ehr-server.ts';

export interface RunningEhr {
  url: string;
  sim: ReturnType<typeof createEhrSim>;
  clientId: string;
  privateJwk: JWK;
  client(o?: Partial<EhrClientOptions>): ReturnType<typeof createEhrClient>;
  close(): Promise<void>;
}

export async function startEhr(o: Partial<EhrSimOptions> = {}): Promise<RunningEhr> {
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = `kid-${randomUUID().slice(0, 8)}`;
  const clientId = 'priorgate-test';
  const sim = createEhrSim({ clients: [{ clientId, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES384' } }], ...o });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES384' };
  const { server, url } = await new Promise<{ server: ServerType; url: string }>((resolve) => {
    const s = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ server: s, url: `http://127.0.0.1:${info.port}` }));
  });
  return {
    url,
    sim,
    clientId,
    privateJwk,
    client: (extra = {}) => createEhrClient({ baseUrl: url, clientId, privateKey: privateJwk, backoffMs: 10, ...extra }),
    close: () =>
      new Promise<void>((resolve) => {
        sim.close();
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
