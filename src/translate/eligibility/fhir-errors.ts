/**
 * AAA (request validation) at any level of a 271 → CoverageEligibilityResponse.error. An AAA says
 * the payer could not answer (part of) the inquiry; it is never read as "not covered".
 * error.code carries AAA03 (element 901) with its meaning and the follow-up in text; the
 * follow-up code (AAA04, element 889) rides in the PAS errorFollowupAction extension and the
 * request element the error is about in the R5 `error.expression` cross-version extension.
 */
import type { Located } from '../bundle-index.ts';
import { EXT } from '../codes/systems.ts';
import { X12_EXT } from './x12-extensions.ts';
import { ECS } from './codes/members.ts';
import { AAA03, AAA04 } from './codes/rejections.ts';
import type { RequestRefs } from './fhir-parties.ts';
import type { Parsed271, Rejection } from './parse-271.ts';

/** R5 CoverageEligibilityResponse.error.expression, usable in R4 as a cross-version extension. */
export const ERROR_EXPRESSION_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-CoverageEligibilityResponse.error.expression';

const CER = 'Bundle.entry[0].resource';

const at = (hit: Located | undefined, fallback: string) => (hit ? `Bundle.entry[${hit.index}].resource` : fallback);

/** The request element an AAA's loop is about (2100A the payer, 2100B the provider, …). */
function expressionFor(r: Rejection, refs: RequestRefs, parsed: Parsed271, items: { category?: { coding?: { code?: string }[] } }[]): string {
  switch (r.loopId) {
    case '2000A':
    case '2100A':
      return at(refs.insurer, `${CER}.insurer`);
    case '2100B':
      return at(refs.provider, `${CER}.provider`);
    case '2100C':
      return refs.coverage ? `${at(refs.coverage, '')}.subscriberId` : `${CER}.insurance`;
    case '2100D':
      return at(refs.patient, `${CER}.patient`);
    case '2110C':
    case '2110D': {
      const member = r.loopId === '2110D' ? parsed.dependent : parsed.subscriber;
      const types = member?.benefits[r.benefitIndex ?? -1]?.serviceTypes ?? [];
      const k = items.findIndex((i) => i.category?.coding?.some((c) => c.code && types.includes(c.code)));
      return k >= 0 ? `${CER}.item[${k}]` : CER;
    }
    default:
      return CER;
  }
}

export function responseErrors(parsed: Parsed271, refs: RequestRefs, requestItems: { category?: { coding?: { code?: string }[] } }[]): Record<string, unknown>[] {
  return parsed.rejections.map((r) => {
    const reason = AAA03[r.reason] ?? `reject reason ${r.reason}`;
    const follow = r.followUp ? AAA04[r.followUp] ?? r.followUp : undefined;
    return {
      extension: [
        ...(r.valid ? [{ url: X12_EXT.validRequest, valueCoding: { system: 'https://codesystem.x12.org/005010/1073', code: r.valid } }] : []),
        ...(r.followUp ? [{ url: EXT.errorFollowupAction, valueCodeableConcept: { coding: [{ system: ECS.followUp, code: r.followUp, ...(AAA04[r.followUp] ? { display: AAA04[r.followUp] } : {}) }] } }] : []),
        { url: ERROR_EXPRESSION_EXT, valueString: expressionFor(r, refs, parsed, requestItems) },
      ],
      code: {
        coding: [{ system: ECS.rejectReason, code: r.reason, ...(AAA03[r.reason] ? { display: AAA03[r.reason] } : {}) }],
        text: `${reason} (loop ${r.loopId})${follow ? `; follow-up: ${follow}` : ''}`,
      },
    };
  });
}
