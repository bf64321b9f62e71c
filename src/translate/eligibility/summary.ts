/**
 * The few facts a person or a roster wants from a 271: is coverage in force, which plan and group,
 * the coverage dates, the key amounts (deductible, out-of-pocket maximum and what remains of
 * each, co-pay, co-insurance) and the payer's errors. Pure, built on `parse271`.
 */
import { EB01, EB06, type CoverageStatus } from './codes/benefits.ts';
import { COVERAGE_DATES, GROUP_REF, PLAN_REF } from './codes/members.ts';
import { AAA03, AAA04 } from './codes/rejections.ts';
import { DEFAULT_SERVICE_TYPE } from './codes/service-types.ts';
import { patientOf, type Benefit, type DateValue, type Member, type Parsed271, type Rejection } from './parse-271.ts';

export interface SummaryError {
  loopId: string;
  code: string;
  description: string;
  followUp?: string;
  followUpDescription?: string;
}

export interface EligibilitySummary {
  /** `error`: the payer could not answer (AAA outside an EB loop) — never "not covered". */
  status: CoverageStatus | 'error' | 'unknown';
  planName?: string;
  planNumber?: string;
  group?: string;
  /** REF03 of the group REF. */
  groupName?: string;
  coverageStart?: string;
  coverageEnd?: string;
  deductible?: number;
  deductibleRemaining?: number;
  outOfPocket?: number;
  outOfPocketRemaining?: number;
  copay?: number;
  coinsurancePercent?: number;
  errors: SummaryError[];
}

/** A plan-level EB: no service type, or 30 Health Benefit Plan Coverage. */
export function isPlanLevel(b: Benefit): boolean {
  return b.serviceTypes.length === 0 || b.serviceTypes.includes(DEFAULT_SERVICE_TYPE);
}

/** EB01 1–8 of the member: plan-level ones decide; service-level ones only when there are none. */
export function coverageStatus(member: Member | undefined): CoverageStatus | undefined {
  const statuses = (member?.benefits ?? []).filter((b) => EB01[b.code]?.status);
  const planLevel = statuses.filter(isPlanLevel);
  const decisive = planLevel.length ? planLevel : statuses;
  if (decisive.some((b) => EB01[b.code]!.status === 'active')) return 'active';
  if (decisive.length) return 'inactive';
  return undefined;
}

/** The coverage period from 2100C/D DTPs, else from the plan-level status EB's DTPs (2110C/D). */
export function coveragePeriod(member: Member | undefined): { start?: string; end?: string } | undefined {
  const fromDates = (dates: DateValue[]) => {
    for (const rule of COVERAGE_DATES) {
      const whole = rule.period ? dates.find((d) => d.qualifier === rule.period) : undefined;
      const begin = dates.find((d) => d.qualifier === rule.begin)?.start;
      const end = dates.find((d) => d.qualifier === rule.end)?.start;
      const start = begin ?? whole?.start;
      const stop = end ?? whole?.end;
      if (start || stop) return { ...(start ? { start } : {}), ...(stop ? { end: stop } : {}) };
    }
    return undefined;
  };
  const status = (member?.benefits ?? []).find((b) => EB01[b.code]?.status && isPlanLevel(b));
  return fromDates(member?.dates ?? []) ?? fromDates(status?.dates ?? []);
}

/**
 * The best EB for a key amount: the requested service type before plan level, individual before
 * family, in network before unknown before out of network.
 */
function pick(member: Member | undefined, code: string, role: 'total' | 'remaining', serviceType: string): Benefit | undefined {
  let best: Benefit | undefined;
  let bestScore = -1;
  for (const b of member?.benefits ?? []) {
    if (b.code !== code) continue;
    const periodRole = b.period ? EB06[b.period]?.role : 'total';
    if (periodRole !== role) continue;
    const st = b.serviceTypes.includes(serviceType) ? 100 : isPlanLevel(b) ? 50 : 10;
    const level = b.coverageLevel === 'IND' ? 20 : b.coverageLevel === undefined ? 15 : b.coverageLevel === 'FAM' ? 5 : 0;
    const network = b.network === 'Y' ? 4 : b.network === 'N' ? 1 : 3;
    const score = st + level + network;
    if (score > bestScore) {
      best = b;
      bestScore = score;
    }
  }
  return best;
}

export function describeRejection(r: Rejection): SummaryError {
  return {
    loopId: r.loopId,
    code: r.reason,
    description: AAA03[r.reason] ?? `reject reason ${r.reason}`,
    ...(r.followUp ? { followUp: r.followUp, followUpDescription: AAA04[r.followUp] ?? r.followUp } : {}),
  };
}

/**
 * @param serviceType the service type the co-pay and co-insurance are wanted for (30 when absent)
 */
export function summarize271(p: Parsed271, serviceType = DEFAULT_SERVICE_TYPE): EligibilitySummary {
  const member = patientOf(p);
  const refs = [...(member?.refs ?? []), ...(p.dependent ? (p.subscriber?.refs ?? []) : [])];
  const planRef = refs.find((r) => (PLAN_REF as readonly string[]).includes(r.qualifier));
  const groupRef = GROUP_REF.map((q) => refs.find((r) => r.qualifier === q)).find(Boolean);
  const planEb = (member?.benefits ?? []).find((b) => EB01[b.code]?.status && b.planDescription);
  const status = coverageStatus(member);
  // An AAA outside an EB loop means the payer could not look the member up at all.
  const blocking = p.rejections.some((r) => !r.loopId.startsWith('2110'));
  const period = coveragePeriod(member);
  const amount = (code: string, role: 'total' | 'remaining') => pick(member, code, role, serviceType)?.amount;
  const coins = pick(member, 'A', 'total', serviceType)?.percent;
  const out: EligibilitySummary = {
    status: blocking ? 'error' : (status ?? (p.rejections.length ? 'error' : 'unknown')),
    ...(planRef?.description || planEb?.planDescription ? { planName: planRef?.description ?? planEb!.planDescription } : {}),
    ...(planRef ? { planNumber: planRef.value } : {}),
    ...(groupRef ? { group: groupRef.value, ...(groupRef.description ? { groupName: groupRef.description } : {}) } : {}),
    ...(period?.start ? { coverageStart: period.start } : {}),
    ...(period?.end ? { coverageEnd: period.end } : {}),
    errors: p.rejections.map(describeRejection),
  };
  const set = (key: keyof EligibilitySummary, value: number | undefined) => {
    if (value !== undefined) (out as unknown as Record<string, number>)[key] = value;
  };
  set('deductible', amount('C', 'total'));
  set('deductibleRemaining', amount('C', 'remaining'));
  set('outOfPocket', amount('G', 'total'));
  set('outOfPocketRemaining', amount('G', 'remaining'));
  set('copay', amount('B', 'total'));
  set('coinsurancePercent', coins === undefined ? undefined : Math.round(coins * 10_000) / 100);
  return out;
}
