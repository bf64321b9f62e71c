/**
 * Our must-support presence check against the kit's own fixtures: it must miss what the kit would
 * miss and find what the kit would find, or the conformance suite's must-support tests prove nothing.
 */
import { describe, expect, it } from 'vitest';
import { infernoFixture } from '../fhir/helpers/pas-corpus.ts';
import { KIT_MUST_SUPPORT, MustSupportCheck, resourcesOfType } from './must-support.ts';

const submitMs = (key: string) => KIT_MUST_SUPPORT[`pas_server_v221_submit_response_must_support_${key}`]!;
const preset = infernoFixture('pas_client_v221_must_support_preset.json') as any;
const presetResponses = [JSON.parse(preset.inputs.find((i: any) => i.name === 'ms_submit_responses').value)].flat();

describe('must-support presence, as the kit computes it', () => {
  it('holds the kit lists for the 17 response must-support tests', () => {
    expect(Object.keys(KIT_MUST_SUPPORT)).toHaveLength(17);
    expect(submitMs('claimresponse').extensions.map((e) => e.id)).toContain('ClaimResponse.item.extension:authorizedItemDetail');
  });

  it("finds every ClaimResponse, CommunicationRequest and Task element in the kit's complete must-support response", () => {
    for (const key of ['claimresponse', 'communication_request', 'task', 'beneficiary', 'practitioner', 'practitioner_role', 'pas_response_bundle']) {
      const ms = submitMs(key);
      expect(new MustSupportCheck(ms).missing(resourcesOfType(presetResponses, ms.resourceType)), key).toEqual([]);
    }
  });

  it('misses what the kit misses there: a payer id typed by v2-0203 PI, where the slice wants C4BB payerid', () => {
    const ms = submitMs('insurer');
    expect(new MustSupportCheck(ms).missing(resourcesOfType(presetResponses, 'Organization'))).toEqual(['Organization.identifier:PI']);
  });

  it("reports the elements missing from the kit's response with missing elements", () => {
    const ms = submitMs('claimresponse');
    const missing = new MustSupportCheck(ms).missing(resourcesOfType([infernoFixture('pa_response_bundle_missing_elements.json')], 'ClaimResponse'));
    expect(missing).toEqual(expect.arrayContaining(['addItem', 'communicationRequest', 'ClaimResponse.error.extension:errorPath']));
  });

  it('spec-44: a request data-absent-reason satisfies `request`, and is not itself content', () => {
    const ms = submitMs('claimresponse');
    const check = new MustSupportCheck(ms);
    const dar = { resourceType: 'ClaimResponse', request: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } };
    expect(check.missing([dar])).not.toContain('request');
    expect(check.missing([dar])).not.toContain('ClaimResponse.request.extension:DataAbsentReason');
    expect(check.missing([{ resourceType: 'ClaimResponse' }])).toContain('request');
  });
});
