/**
 * The pre-send checks that need nothing but the request and the payer's rules (pure): NPIs that
 * fail their check digit, diagnosis and service codes not valid for the service date's code-set
 * version (where a code list is shipped), and elements the payer requires for the service.
 */
import { isObject, type Bundle } from '../fhir/bundle.ts';
import { isValidNpi, NPI_SYSTEM } from '../fhir/npi.ts';
import { claimOf, isTruthy, runFhirPath, serviceLines, todayOf, type RuleDecision, type RuleSet } from '../rules/index.ts';
import { checkCode, codeSetFor, type CodeSet } from './code-sets.ts';
import type { Finding } from './findings.ts';

const base = { refused: false } as const;

/** An Identifier that says it is an NPI: the NPI system, or type `NPI` (HL7 v2 table 0203). */
function isNpiIdentifier(o: Record<string, unknown>): boolean {
  if (typeof o.value !== 'string') return false;
  if (o.system === NPI_SYSTEM) return true;
  const type = isObject(o.type) && Array.isArray(o.type.coding) ? (o.type.coding as unknown[]) : [];
  return type.some((c) => isObject(c) && c.code === 'NPI' && (c.system === undefined || String(c.system).endsWith('v2-0203')));
}

/**
 * Every NPI in the Bundle, wherever it is (resource identifiers, logical references such as
 * `careTeam.provider.identifier`): ten digits with a valid Luhn check digit over 80840 and the
 * first nine. NPIs of the PAS-profiled Organizations and Practitioners never get here with a bad
 * check digit: their profiles' us-core-17 invariant already refuses the request (400).
 */
export function npiFindings(bundle: Bundle): Finding[] {
  const out: Finding[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 12) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    if (!isObject(v)) return;
    if (isNpiIdentifier(v) && !isValidNpi((v.value as string).trim())) {
      out.push({
        ...base,
        kind: 'npi-check-digit',
        issueCode: 'value',
        expression: `${path}.value`,
        message: /^\d{10}$/.test((v.value as string).trim())
          ? 'this NPI fails its check digit (Luhn over 80840 and the first nine digits): payers reject it as an invalid provider identifier'
          : 'an NPI is ten digits ending in a check digit: payers reject this provider identifier',
      });
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'text' && typeof x === 'object') walk(x, `${path}.${k}`, depth + 1);
  };
  (bundle.entry ?? []).forEach((entry, e) => walk(entry?.resource, `Bundle.entry[${e}].resource`, 0));
  return out;
}

type Coding = { system?: string; code?: string };
type Item = { servicedDate?: string; servicedPeriod?: { start?: string }; productOrService?: { coding?: Coding[] } };
type ClaimLike = { item?: Item[]; diagnosis?: { diagnosisCodeableConcept?: { coding?: Coding[] } }[] };

const dayOf = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined);

function codeFinding(set: CodeSet, coding: Coding, day: string, expression: string): Finding | undefined {
  const verdict = typeof coding.code === 'string' ? checkCode(set, coding.code, day) : undefined;
  if (!verdict || verdict.valid) return undefined;
  return { ...base, kind: 'code-not-valid', issueCode: 'code-invalid', expression, message: `${verdict.reason} (code set ${set.name} ${verdict.version}, by the service date)` };
}

/**
 * Diagnosis (Claim.diagnosis) and service (Claim.item.productOrService) codes against the shipped
 * lists, for each line's service date (servicedDate or servicedPeriod.start); the diagnoses for the
 * first line's. Without a date, the day of submission: a prior authorization is asked for ahead.
 */
export function codeFindings(bundle: Bundle, now: Date, sets?: CodeSet[]): Finding[] {
  const claim = claimOf(bundle) as ClaimLike | undefined;
  if (!claim) return [];
  const today = todayOf(now);
  const dateOf = (item: Item | undefined) => dayOf(item?.servicedDate) ?? dayOf(item?.servicedPeriod?.start) ?? today;
  const out: Finding[] = [];
  const at = 'Bundle.entry[0].resource';
  (claim.diagnosis ?? []).forEach((d, i) =>
    (d.diagnosisCodeableConcept?.coding ?? []).forEach((c, j) => {
      const set = codeSetFor(c.system, sets);
      const f = set && codeFinding(set, c, dateOf(claim.item?.[0]), `${at}.diagnosis[${i}].diagnosisCodeableConcept.coding[${j}].code`);
      if (f) out.push(f);
    }),
  );
  (claim.item ?? []).forEach((item, k) =>
    (item.productOrService?.coding ?? []).forEach((c, j) => {
      const set = codeSetFor(c.system, sets);
      const f = set && codeFinding(set, c, dateOf(item), `${at}.item[${k}].productOrService.coding[${j}].code`);
      if (f) out.push(f);
    }),
  );
  return out;
}

/** `item.quantity` → `Bundle.entry[0].resource.item[2].quantity`; `diagnosis` → `…resource.diagnosis`. */
function elementPath(element: string, itemIndex: number): string {
  if (element === 'item') return `Bundle.entry[0].resource.item[${itemIndex}]`;
  if (element.startsWith('item.')) return `Bundle.entry[0].resource.item[${itemIndex}].${element.slice(5)}`;
  return `Bundle.entry[0].resource.${element}`;
}

/**
 * The elements the payer's rules require for the service each line matched (`requiredElements`
 * of that service rule): one finding per line and element whose expression is not true. An
 * expression that fails on the data counts as missing (it cannot show the element is there).
 */
export function requiredElementFindings(bundle: Bundle, set: RuleSet, payerId: string, decision: Pick<RuleDecision, 'items'>, now: Date): Finding[] {
  const rules = set.payers[payerId];
  if (!rules) return [];
  const claim = claimOf(bundle);
  const out: Finding[] = [];
  for (const line of serviceLines(bundle)) {
    const serviceId = decision.items.find((i) => i.sequence === line.sequence)?.service;
    const service = serviceId ? rules.services.find((s) => s.id === serviceId) : undefined;
    for (const r of service?.requiredElements ?? []) {
      const fn = set.compiled.get(r.expression);
      const result = fn ? runFhirPath(fn, bundle, { today: todayOf(now), item: line.item, claim }) : undefined;
      if (result?.ok && isTruthy(result.value)) continue;
      out.push({
        ...base,
        kind: 'required-element',
        issueCode: 'required',
        expression: elementPath(r.element, line.index),
        message: `${payerId} requires ${r.description} for ${service!.description} (rule ${service!.id}/${r.id})`,
        ...(r.refuse ? { refuseByRule: true } : {}),
      });
    }
  }
  return out;
}
