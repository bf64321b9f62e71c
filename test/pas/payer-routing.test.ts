/**
 * Which payer a request goes to, through the real gateway (loopback HTTP, the payer simulator, the
 * worker): the Claim.insurer Organization's identifiers are matched against, in this order, the
 * payer ids of rules/payers, the `insurerIdentifiers` of rules/prior-auth, the X12 2010A `umoId`s,
 * and else the configured default payer. The rules directory is a copy, so the hot-reload test may
 * rewrite it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { OUTBOUND_278, OUTBOUND_PAS } from '../../src/payers/deliver.ts';
import { eligibilityBundle } from '../eligibility/fixtures.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { payerRules } from '../helpers/payer-rules.ts';
import { until } from '../helpers/wait.ts';

const SURGICAL = 'Bundle-SurgicalRequestBundleExample.json';
let gw: TestGateway;
let token: string;
let rules: string;

beforeAll(async () => {
  rules = payerRules('pg-route-', []);
  // The FHIR plan's rules name no rule for the example's CABG line; make it required so the
  // request leaves for the FHIR payer instead of being answered here (no authorization needed).
  const fhirRules = path.join(rules, 'prior-auth/demo-fhir-payer.yaml');
  writeFileSync(fhirRules, readFileSync(fhirRules, 'utf8').replace('defaultPriorAuth: not-required', 'defaultPriorAuth: required'));
  gw = await testGateway({ PRIORGATE_RULES_DIR: rules });
  token = await gw.token();
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  rmSync(rules, { recursive: true, force: true });
});

/** The IG surgical example with its insurer Organization carrying exactly `ids`. */
function surgicalFor(member: string, ids: string[]): any {
  const b = pasExample(SURGICAL, member);
  const insurer = b.entry.find((e: any) => e.fullUrl.endsWith('/Organization/InsurerExample')).resource;
  insurer.identifier = ids.map((value) => ({ system: 'urn:test:payer-id', value }));
  return b;
}

/** Submits; returns the stored request and what went out to the payer. */
async function routed(bundle: unknown) {
  const r = await gw.submit(bundle, token);
  expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
  const cr = r.body.entry[0].resource;
  const row = await requestById(gw.deps.db, cr.id);
  return {
    cr,
    payerId: row?.payerId,
    pas: await latestMessage(gw.deps.db, cr.id, OUTBOUND_PAS),
    x12: await latestMessage(gw.deps.db, cr.id, OUTBOUND_278),
  };
}

describe('payer routing by Claim.insurer identifiers (spec-6: one PAS endpoint for every payer)', () => {
  it('an insurer identifier listed in a payer\'s rules (DEMOFHIR, prior-auth/demo-fhir-payer.yaml) reaches that payer: the PAS Bundle goes to the FHIR payer simulator, no 278', async () => {
    const sent = surgicalFor('ROUTE01A', ['DEMOFHIR']);
    const r = await routed(sent);
    expect(r.payerId).toBe('demo-fhir-payer');
    expect(r.pas, 'the PAS Bundle was passed through to the FHIR payer').toBeDefined();
    expect(JSON.parse(r.pas!.payload).identifier).toEqual(sent.identifier);
    expect(r.x12).toBeUndefined();
    expect(reviewCodes(r.cr), JSON.stringify(r.cr).slice(0, 600)).toContain('A1');
  });

  it('an identifier no payer claims keeps going to the default payer (demo-payer, X12 278)', async () => {
    const r = await routed(surgicalFor('ROUTE02A', ['NOSUCHPLAN']));
    expect(r.payerId).toBe('demo-payer');
    expect(r.x12).toBeDefined();
    expect(r.pas).toBeUndefined();
  });

  it('a payer id among the identifiers wins over another payer\'s rules identifier', async () => {
    const r = await routed(surgicalFor('ROUTE03A', ['DEMOFHIR', 'demo-payer']));
    expect(r.payerId).toBe('demo-payer');
    expect(r.x12).toBeDefined();
  });

  it('eligibility is routed the same way: an insurer meaning the FHIR plan is refused (it takes no 270), not sent to the default payer', async () => {
    const b = eligibilityBundle({ memberId: 'ROUTE04A' });
    const payer = b.entry.find((e: any) => e.resource.resourceType === 'Organization' && e.resource.id === 'payer').resource;
    payer.identifier = [{ system: 'urn:test:payer-id', value: 'DEMOFHIR' }];
    const r = await gw.submit(b, token, 'CoverageEligibilityRequest/$submit');
    expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(422);
    expect(r.body.issue[0].diagnostics).toMatch(/270/);
  });

  it('a rules reload takes effect for routing: once 99999 moves to the FHIR plan\'s insurerIdentifiers it routes there, ahead of demo-payer\'s umoId 99999', async () => {
    expect((await routed(surgicalFor('ROUTE05A', ['99999']))).payerId).toBe('demo-payer');
    const edit = (file: string, from: string, to: string) => {
      const f = path.join(rules, 'prior-auth', file);
      const text = readFileSync(f, 'utf8');
      expect(text).toContain(from);
      writeFileSync(f, text.replace(from, to));
    };
    edit('demo-payer.yaml', 'insurerIdentifiers: ["99999", "DEMOPAYER"]', 'insurerIdentifiers: ["DEMOPAYER"]');
    edit('demo-fhir-payer.yaml', 'insurerIdentifiers: ["DEMOFHIR"]', 'insurerIdentifiers: ["DEMOFHIR", "99999"]');
    await until('the rules reload', async () => gw.deps.services!.rules().payers['demo-fhir-payer']?.insurerIdentifiers.includes('99999'), 10_000);
    const r = await routed(surgicalFor('ROUTE06A', ['99999']));
    expect(r.payerId).toBe('demo-fhir-payer');
    expect(r.pas).toBeDefined();
  });
});
