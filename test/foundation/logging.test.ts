import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteGroup } from '../../src/http/app.ts';
import { createLogger, REDACTED } from '../../src/log/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

const NAME = 'Zebulon Quixotefield';
const MEMBER_ID = 'QX99887766A';
const BIRTH = '1961-07-04';

/** A handler that logs carelessly, the way a hurried change might: the logger must still redact. */
const careless: RouteGroup = (app) => {
  app.post('/careless', async (c) => {
    const body = (await c.req.json()) as any;
    c.var.log.info({ body }, 'got body');
    c.var.log.info({ patient: body.entry[1].resource, memberId: MEMBER_ID }, 'patient');
    c.var.log.info({ nested: { deeper: [{ name: [{ family: 'Quixotefield' }], birthDate: BIRTH }] } }, 'deep');
    throw new Error(`cannot process patient ${NAME}`);
  });
};

function bundle() {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    identifier: { system: 'urn:test', value: 'b-1' },
    entry: [
      { resource: { resourceType: 'Coverage', subscriberId: MEMBER_ID } },
      {
        resource: {
          resourceType: 'Patient',
          name: [{ given: ['Zebulon'], family: 'Quixotefield', text: NAME }],
          identifier: [{ system: 'urn:member', value: MEMBER_ID }],
          birthDate: BIRTH,
          address: [{ line: ['1 Secret Way'], city: 'Hiddenville', postalCode: '99999' }],
        },
      },
    ],
  };
}

let t: TestApp;
beforeAll(async () => {
  t = await testApp({ extra: [careless] });
});
afterAll(() => t.close());

describe('PHI never reaches a log line', () => {
  it('redacts a request carrying a known name, member id, birth date and address, through the server', async () => {
    const headers = { 'content-type': 'application/fhir+json' };
    const bodies = [JSON.stringify(bundle())];
    await t.app.request('http://gateway.test/careless', { method: 'POST', headers, body: bodies[0] });
    // The same payload through the real FHIR and token endpoints (refused, but logged).
    await t.app.request('http://gateway.test/fhir/Claim/$submit', { method: 'POST', headers, body: bodies[0] });
    await t.app.request(`http://gateway.test/fhir/Patient?name=${encodeURIComponent(NAME)}&identifier=${MEMBER_ID}`);
    const log = t.logText();
    expect(log.length).toBeGreaterThan(200);
    for (const secret of [NAME, 'Quixotefield', 'Zebulon', MEMBER_ID, BIRTH, '1 Secret Way', 'Hiddenville']) {
      expect(log, `log contains ${secret}`).not.toContain(secret);
    }
    expect(log).toContain(REDACTED);
    // Every line is JSON with a request id.
    const lines = log.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'request').every((l) => typeof l.requestId === 'string')).toBe(true);
  });

  it('redacts at any depth in a logger used directly', () => {
    const out: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({ write: (c, _e, cb) => (out.push(String(c)), cb()) }) as never,
    });
    log.info({ a: { b: { c: { d: { patientName: NAME, ok: 'kept-value' } } } }, list: [{ subscriberId: MEMBER_ID }] }, 'x');
    log.flush();
    const line = out.join('');
    expect(line).not.toContain(NAME);
    expect(line).not.toContain(MEMBER_ID);
    expect(line).toContain('kept-value');
  });
});
