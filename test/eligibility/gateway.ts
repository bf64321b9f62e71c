/** testGateway plus eligibility helpers: `$submit` for CoverageEligibilityRequest and simulator stats. */
import { testGateway, type TestGateway } from '../helpers/gateway.ts';

export interface EligibilityGateway extends TestGateway {
  /** POST /fhir/CoverageEligibilityRequest/$submit. */
  check(bundle: unknown, token: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  simStats(): Promise<any>;
}

export async function eligibilityGateway(env: Record<string, string> = {}): Promise<EligibilityGateway> {
  const gw = await testGateway(env);
  const check = async (bundle: unknown, token: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gw.url}/fhir/CoverageEligibilityRequest/$submit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...headers },
      body: JSON.stringify(bundle),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const simStats = async () => (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json();
  return { ...gw, check, simStats };
}
