/**
 * The FHIR-native payer's answer (`POST /fhir/Claim/$submit` of the simulator): the same decision
 * as its X12 side, told the way a PAS payer tells it, with what only FHIR can carry — who reviewed
 * the request (claimResponseReviewer: CMS wants a human behind every denial and modification), by
 * when the documentation it asks for is due (Task.restriction.period), and, for member ids ending
 * in `U`, an answer that does not link the provider's Claim (ClaimResponse.request carries a
 * data-absent-reason instead: PAS spec-44, as a payer answers for a request it received outside PAS).
 * Pure: the clock comes in.
 */
import type { Bundle } from '../translate/index.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

/** The simulated plan's medical director: NPI (check digit valid) and NUCC taxonomy. */
const REVIEWER = { npi: '1588667638', taxonomy: '207Q00000X' };

/** Days the simulated payer gives a provider to send what it asks for. */
export const DOCUMENTATION_DUE_DAYS = 14;

type Json = Record<string, any>;

function decisionCodes(cr: Json): string[] {
  return (JSON.stringify(cr).match(/"system":"https:\/\/codesystem\.x12\.org\/005010\/306","code":"([A-Z0-9]+)"/g) ?? []).map((m) => m.slice(m.lastIndexOf(':"') + 2, -1));
}

export function fhirAnswer(bundle: Bundle, opts: { now: Date; memberId: string }): Bundle {
  const entries = (bundle.entry ?? []) as Json[];
  const cr = entries[0]?.resource as Json | undefined;
  if (cr?.['resourceType'] !== 'ClaimResponse') return bundle;
  const codes = decisionCodes(cr);
  const decided = codes.some((c) => c !== 'A4');
  if (decided) {
    const human = codes.some((c) => c === 'A3' || c === 'A6');
    cr['extension'] = [
      ...(cr['extension'] ?? []),
      {
        url: `${PAS}extension-claimResponseReviewer`,
        extension: [
          { url: 'wasHumanReviewedFlag', valueBoolean: human },
          ...(human
            ? [
                { url: 'reviewerNPI', valueIdentifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: REVIEWER.npi } },
                { url: 'reviewerSpecialty', valueCodeableConcept: { coding: [{ system: 'http://nucc.org/provider-taxonomy', code: REVIEWER.taxonomy }] } },
              ]
            : []),
        ],
      },
    ];
  }
  const due = new Date(opts.now.getTime() + DOCUMENTATION_DUE_DAYS * 86_400_000);
  for (const e of entries) {
    if (e['resource']?.resourceType === 'Task') e['resource'].restriction = { period: { start: opts.now.toISOString(), end: due.toISOString() } };
  }
  if (/U$/i.test(opts.memberId.trim())) cr['request'] = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
  return bundle;
}
