/** Bad Subscriptions get a 400/422 OperationOutcome naming each offending element. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { call, infernoFixture, notifyApp, pasSubscription, provider, type Provider } from './helpers.ts';

const NPI = '1234567893';
const HOOK = 'http://127.0.0.1:9/hook';

let t: TestApp;
let a: Provider;

beforeAll(async () => {
  t = await notifyApp();
  a = await provider(t, NPI);
});
afterAll(() => t.close());

function expressionsOf(body: any): string[] {
  return (body?.issue ?? []).flatMap((i: { expression?: string[] }) => i.expression ?? []);
}

type Sub = Record<string, any>;
const cases: [string, (s: Sub) => Sub, number, string[]][] = [
  ['no criteria', (s) => ({ ...s, criteria: undefined }), 400, ['Subscription.criteria']],
  ['a topic other than the PAS topic', (s) => ({ ...s, criteria: 'http://example.org/SubscriptionTopic/other' }), 422, ['Subscription.criteria']],
  ['no filter criteria extension (spec-58)', (s) => ({ ...s, _criteria: undefined }), 400, ['Subscription.criteria.extension']],
  ['a filter on another parameter (spec-58)', (s) => ((s._criteria.extension[0].valueString = 'identifier=1234567893'), s), 422, ['Subscription.criteria.extension[0].valueString']],
  ['two filter parameters', (s) => ((s._criteria.extension[0].valueString = `orgIdentifier=${NPI}&status=active`), s), 422, ['Subscription.criteria.extension[0].valueString']],
  ['a filter identifier that is not an NPI', (s) => ((s._criteria.extension[0].valueString = `orgIdentifier=urn:oid:1.2.3|${NPI}`), s), 422, ['Subscription.criteria.extension[0].valueString']],
  ['no reason', (s) => ({ ...s, reason: undefined }), 400, ['Subscription.reason']],
  ['no channel', (s) => ({ ...s, channel: undefined }), 400, ['Subscription.channel']],
  ['a websocket channel (spec-56)', (s) => ((s.channel.type = 'websocket'), s), 422, ['Subscription.channel.type']],
  ['no endpoint', (s) => ((s.channel.endpoint = undefined), s), 400, ['Subscription.channel.endpoint']],
  ['an endpoint that is not a URL', (s) => ((s.channel.endpoint = 'not a url'), s), 400, ['Subscription.channel.endpoint']],
  ['an ftp endpoint', (s) => ((s.channel.endpoint = 'ftp://hooks.example.org/x'), s), 422, ['Subscription.channel.endpoint']],
  ['an XML payload', (s) => ((s.channel.payload = 'application/fhir+xml'), s), 422, ['Subscription.channel.payload']],
  ['no payload', (s) => ((s.channel.payload = undefined), s), 400, ['Subscription.channel.payload']],
  ['id-only content (spec-62)', (s) => ((s.channel._payload.extension[0].valueCode = 'id-only'), s), 422, ['Subscription.channel.payload.extension[0].valueCode']],
  ['a header with a line break (header injection)', (s) => ((s.channel.header = ['X-A: 1\r\nHost: evil']), s), 422, ['Subscription.channel.header[0]']],
  ['a header the gateway sets itself', (s) => ((s.channel.header = ['X-Ok: 1', 'Content-Type: text/plain']), s), 422, ['Subscription.channel.header[1]']],
  ['header not a list', (s) => ((s.channel.header = 'X-A: 1'), s), 400, ['Subscription.channel.header']],
  ['an end in the past', (s) => ({ ...s, end: '2001-01-01T00:00:00Z' }), 422, ['Subscription.end']],
  ['an end that is not an instant', (s) => ({ ...s, end: 'tomorrow' }), 400, ['Subscription.end']],
];

describe('POST /fhir/Subscription refuses bad input with OperationOutcome expressions', () => {
  for (const [what, mutate, status, expressions] of cases) {
    it(`refuses ${what} with ${status} at ${expressions.join(', ')}`, async () => {
      const r = await call(t, a, 'POST', '/fhir/Subscription', mutate(pasSubscription(NPI, HOOK)));
      expect(r.status, r.body).toBe(status);
      expect(r.json.resourceType, r.body).toBe('OperationOutcome');
      expect(expressionsOf(r.json), r.body).toEqual(expect.arrayContaining(expressions));
    });
  }

  it('reports every problem of the Inferno "bad" Subscription at once (spec-56, spec-58, spec-62)', async () => {
    const s = infernoFixture<Sub>('PAS_Subscription_example_v221_bad.json');
    const r = await call(t, a, 'POST', '/fhir/Subscription', s);
    expect(r.status, r.body).toBe(422);
    expect(expressionsOf(r.json), r.body).toEqual(
      expect.arrayContaining([
        'Subscription.criteria.extension[0].valueString',
        'Subscription.channel.type',
        'Subscription.channel.payload.extension[0].valueCode',
      ]),
    );
  });

  it('refuses the Inferno fixture with a foreign topic and no filter (spec-57)', async () => {
    const r = await call(t, a, 'POST', '/fhir/Subscription', infernoFixture('PAS_Subscription_example_bad_topic_and_criteria.json'));
    expect(r.status, r.body).toBe(400);
    expect(expressionsOf(r.json)).toEqual(expect.arrayContaining(['Subscription.criteria', 'Subscription.criteria.extension']));
  });

  it('refuses a body that is not JSON (400), not a Subscription (400) or not FHIR JSON (415)', async () => {
    expect((await call(t, a, 'POST', '/fhir/Subscription', '{nope')).status).toBe(400);
    const wrong = await call(t, a, 'POST', '/fhir/Subscription', { resourceType: 'Patient' });
    expect(wrong.status, wrong.body).toBe(400);
    expect(expressionsOf(wrong.json)).toEqual(['Subscription.resourceType']);
    const res = await t.app.request('http://gateway.test/fhir/Subscription', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'text/plain' },
      body: JSON.stringify(pasSubscription(NPI, HOOK)),
    });
    expect(res.status).toBe(415);
  });
});
