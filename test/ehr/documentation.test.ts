import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachToBundle, fetchDocumentation } from '../../src/ehr/index.ts';
import { evaluatePriorAuth, loadRuleSet, patientOf } from '../../src/rules/index.ts';
import { pasRequestTo278 } from '../../src/translate/index.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { lines } from '../translate/helpers/segments.ts';
import { NOW, RULES_DIR } from '../rules/fixtures.ts';
import { startEhr, type RunningEhr } from './helpers.ts';

const { ruleSet } = loadRuleSet(RULES_DIR);
let ehr: RunningEhr;
beforeAll(async () => {
  ehr = await startEhr({ now: () => NOW });
});
afterAll(() => ehr.close());

/** The IG's medical-services request, asking for a lumbar MRI instead of an office visit. */
function mriRequest(): any {
  const b = JSON.parse(readFileSync(path.join(PAS_EXAMPLES, 'Bundle-MedicalServicesAuthorizationBundleExample.json'), 'utf8'));
  b.entry[0].resource.item[0].productOrService.coding[0] = { system: 'http://www.ama-assn.org/go/cpt', code: '72148', display: 'MRI lumbar spine without contrast' };
  return b;
}

describe('fetching the documentation the rules ask for', () => {
  it('documented patient: fetched, re-evaluated as required with everything satisfied, attached as PWK', async () => {
    const bundle = mriRequest();
    const first = evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-payer', now: NOW });
    expect(first.outcome).toBe('required');
    const patientId = patientOf(bundle)!.id!;
    expect(patientId).toBe('SubscriberExample');
    const docs = await fetchDocumentation(ehr.client({ now: () => NOW }), first.documentation.filter((d) => !d.satisfied), { patientId, now: NOW });
    expect(docs.report.every((r) => !r.error)).toBe(true);
    expect(docs.resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual(['Condition/SubscriberExample-lbp', 'Procedure/SubscriberExample-pt']);

    const second = evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-payer', now: NOW, fetched: docs.resources });
    expect(second.outcome).toBe('required');
    expect(second.documentation.every((d) => d.satisfied)).toBe(true);

    const enriched = attachToBundle(bundle, docs.resources, { source: ehr.url });
    expect(bundle.entry).toHaveLength(mriRequest().entry.length); // input untouched
    const claim = enriched.entry![0]!.resource as any;
    const added = claim.supportingInfo.slice(-2);
    expect(added.map((s: any) => [s.sequence, s.category.coding[0].code, s.valueReference.reference])).toEqual([
      [1, 'additionalInformation', `${ehr.url}/Condition/SubscriberExample-lbp`],
      [2, 'additionalInformation', `${ehr.url}/Procedure/SubscriberExample-pt`],
    ]);
    expect(enriched.entry!.slice(-2).map((e) => e.fullUrl)).toEqual([`${ehr.url}/Condition/SubscriberExample-lbp`, `${ehr.url}/Procedure/SubscriberExample-pt`]);
    // Attaching the same resources again adds nothing.
    expect(attachToBundle(enriched, docs.resources, { source: ehr.url }).entry).toHaveLength(enriched.entry!.length);

    const { segments } = pasRequestTo278(enriched as never, { now: NOW });
    expect(lines(segments, 'PWK')).toEqual([
      'PWK*OZ*EL***AC*Condition-SubscriberExample-lbp*Condition M54.50 Low back pain, unspecified',
      'PWK*OZ*EL***AC*Procedure-SubscriberExample-pt*Procedure 97110 Therapeutic exercises',
    ]);
  });

  it('undocumented patient: conservative therapy stays missing after fetching', async () => {
    const bundle = mriRequest();
    const first = evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-payer', now: NOW });
    const docs = await fetchDocumentation(ehr.client({ now: () => NOW }), first.documentation, { patientId: 'pat-lbp-early', now: NOW });
    // The Procedure is found by the search but fails the 6-week filter.
    expect(docs.report.find((r) => r.requirement === 'conservative-therapy' && r.search.startsWith('Procedure'))).toMatchObject({ found: 1, kept: 0 });
    const second = evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-payer', now: NOW, fetched: docs.resources });
    expect(second.outcome).toBe('missing-documentation');
    expect(second.documentation.filter((d) => !d.satisfied).map((d) => d.id)).toEqual(['conservative-therapy']);
  });

  it('an EHR that is down is reported per search, not thrown', async () => {
    const bundle = mriRequest();
    const first = evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-payer', now: NOW });
    const client = ehr.client({ baseUrl: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/auth/token', retries: 0 });
    const docs = await fetchDocumentation(client, first.documentation, { patientId: 'SubscriberExample', now: NOW });
    expect(docs.resources).toEqual([]);
    expect(docs.report.every((r) => r.error?.startsWith('network:'))).toBe(true);
    expect(evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-payer', now: NOW, fetched: docs.resources }).outcome).toBe('missing-documentation');
  });

  it('bariatric surgery at the FHIR payer: BMI 42 within 90 days satisfies the BMI rule', async () => {
    const bundle = mriRequest();
    bundle.entry[0].resource.item[0].productOrService.coding[0] = { system: 'http://www.ama-assn.org/go/cpt', code: '43644' };
    const first = evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-fhir-payer', now: NOW });
    expect(first.documentation.map((d) => d.sources[0]!.search)).toEqual(['Observation?patient={patient}&code=http://loinc.org|39156-5&date=ge2024-12-10']);
    const docs = await fetchDocumentation(ehr.client({ now: () => NOW }), first.documentation, { patientId: 'pat-bmi-42', now: NOW });
    expect(evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-fhir-payer', now: NOW, fetched: docs.resources }).outcome).toBe('required');
    const none = await fetchDocumentation(ehr.client({ now: () => NOW }), first.documentation, { patientId: 'pat-lbp-ready', now: NOW });
    expect(evaluatePriorAuth(ruleSet, { bundle, payerId: 'demo-fhir-payer', now: NOW, fetched: none.resources }).outcome).toBe('missing-documentation');
  });
});
