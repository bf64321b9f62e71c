/**
 * testGateway plus eligibility. Until the lead registers the route in FHIR_OPERATIONS and the
 * `payer.eligibility` handler in server/services.ts, this mounts the route on a second app built
 * by the same `createApp` over the same deps (same auth, error handling and database; the
 * gateway's tokens are valid there) and runs a worker for the job kind beside the gateway's.
 * Once both are wired the shim is harmless (the route is served by the gateway itself, and two
 * workers share the queue through SKIP LOCKED); it can then be deleted.
 */
import { serve, type ServerType } from '@hono/node-server';
import { coverageEligibilityRequestSubmitRoute } from '../../src/fhir/operations/coverage-eligibility-request-submit.ts';
import { FHIR_OPERATIONS } from '../../src/fhir/operations/index.ts';
import { createApp } from '../../src/http/app.ts';
import { eligibilityDeliverHandler } from '../../src/payers/eligibility-deliver.ts';
import { ELIGIBILITY_JOB } from '../../src/workflow/eligibility.ts';
import { startWorker } from '../../src/workflow/worker.ts';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';

export interface EligibilityGateway extends TestGateway {
  /** POST /fhir/CoverageEligibilityRequest/$submit. */
  check(bundle: unknown, token: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  simStats(): Promise<any>;
}

export async function eligibilityGateway(env: Record<string, string> = {}): Promise<EligibilityGateway> {
  const gw = await testGateway(env);
  const deps = gw.deps;
  const services = deps.services!;
  let url = gw.url;
  let server: ServerType | undefined;
  if (!FHIR_OPERATIONS.includes(coverageEligibilityRequestSubmitRoute)) {
    const app = createApp(deps, [coverageEligibilityRequestSubmitRoute]);
    url = await new Promise<string>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`));
    });
  }
  const worker = startWorker({
    db: deps.db,
    log: deps.log,
    pollMs: 20,
    lockMs: deps.config.jobLockMs,
    handlers: { [ELIGIBILITY_JOB]: eligibilityDeliverHandler({ db: deps.db, log: deps.log, payers: services.payers, events: services.events, senderId: deps.config.x12SenderId }) },
  });
  const check = async (bundle: unknown, token: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/fhir/CoverageEligibilityRequest/$submit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...headers },
      body: JSON.stringify(bundle),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const simStats = async () => (await fetch(`${services.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json();
  return {
    ...gw,
    check,
    simStats,
    async stop() {
      await worker.stop();
      if (server) {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      await gw.stop();
    },
  };
}
