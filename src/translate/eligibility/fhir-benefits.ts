/**
 * 271 2110C/D EB loops → CoverageEligibilityResponse.insurance.item. One item per service type
 * (EB03 repeats; FHIR item.category holds one), and the EBs that differ only in their time period
 * (EB06 23 calendar year, 24 year to date, 29 remaining …) merge into one item: the total is
 * `allowed`, what is spent is `used` (year to date, or total − remaining). A remaining amount with
 * no total stays on its own, its item.term saying "Remaining".
 */
import { EB01, EB02, EB06, EB09, EB11_REQUIRED, EB12_NETWORK } from './codes/benefits.ts';
import { ECS } from './codes/members.ts';
import { SERVICE_TYPES } from './codes/service-types.ts';
import type { Benefit } from './parse-271.ts';

type Json = Record<string, unknown>;

/** EB13-1 product/service id qualifier → code system (element 235). */
const PROCEDURE_SYSTEM: Record<string, string> = {
  HC: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  CJ: 'http://www.ama-assn.org/go/cpt',
  AD: 'http://www.ada.org/cdt',
  N4: 'http://hl7.org/fhir/sid/ndc',
};

const coding = (system: string, code: string, display?: string) => ({ system, code, ...(display ? { display } : {}) });
const money = (value: number) => ({ value, currency: 'USD' });

interface Group {
  key: string;
  serviceType?: string;
  first: Benefit;
  total?: Benefit;
  used?: Benefit;
  remaining?: Benefit;
  messages: string[];
}

function groupKey(b: Benefit, serviceType: string | undefined): string {
  const family = b.period ? (EB06[b.period]?.family ?? b.period) : 'period';
  return [b.code, b.coverageLevel, serviceType, b.insuranceType, b.planDescription, b.network, b.authorization, b.procedure?.code, family].join('|');
}

function groups(benefits: Benefit[]): Group[] {
  const out: Group[] = [];
  const open = new Map<string, Group>();
  for (const b of benefits) {
    const role = b.period ? (EB06[b.period]?.role ?? 'total') : 'total';
    for (const st of b.serviceTypes.length ? b.serviceTypes : [undefined]) {
      const key = groupKey(b, st);
      let g = open.get(key);
      // A second total of the same kind (say two calendar-year deductibles) is its own item.
      if (!g || (role === 'total' && g.total) || (role !== 'total' && g[role])) {
        g = { key, ...(st ? { serviceType: st } : {}), first: b, messages: [] };
        open.set(key, g);
        out.push(g);
      }
      g[role] = b;
      g.messages.push(...b.messages);
    }
  }
  return out;
}

function amountBenefit(g: Group): Json | undefined {
  const info = EB01[g.first.code];
  const total = g.total?.amount ?? (g.total ? undefined : g.remaining?.amount);
  const used = g.used?.amount ?? (g.total?.amount !== undefined && g.remaining?.amount !== undefined ? g.total.amount - g.remaining.amount : undefined);
  const percent = (g.total ?? g.first).percent;
  const type = {
    coding: [...(info?.fhirType ? [coding(ECS.benefitType, info.fhirType)] : []), coding(ECS.benefitInfo, g.first.code, info?.display)],
    text: info?.display ?? g.first.code,
  };
  if (total !== undefined) return { type, allowedMoney: money(total), ...(used !== undefined ? { usedMoney: money(Math.round(used * 100) / 100) } : {}) };
  if (percent !== undefined) {
    const pct = Math.round(percent * 10_000) / 100;
    return { type, ...(Number.isInteger(pct) ? { allowedUnsignedInt: pct } : { allowedString: `${pct}%` }) };
  }
  return undefined;
}

function quantityBenefit(b: Benefit): Json | undefined {
  if (b.quantity === undefined || !b.quantityQualifier) return undefined;
  const q = EB09[b.quantityQualifier];
  return {
    type: {
      coding: [...(q?.fhirType ? [coding(ECS.benefitType, q.fhirType)] : []), coding(ECS.quantity, b.quantityQualifier, q?.display)],
      text: q?.display ?? b.quantityQualifier,
    },
    ...(Number.isInteger(b.quantity) && b.quantity >= 0 ? { allowedUnsignedInt: b.quantity } : { allowedString: String(b.quantity) }),
  };
}

function entityText(b: Benefit): string[] {
  return b.entities.map((e) => `${e.entity} ${e.name}${e.id ? ` (${e.qualifier} ${e.id})` : ''}`);
}

function itemOf(g: Group): Json {
  const b = g.first;
  const info = EB01[b.code];
  const termSource = g.total ?? g.used ?? g.remaining ?? b;
  const term = termSource.period ? EB06[termSource.period] : undefined;
  const level = b.coverageLevel ? EB02[b.coverageLevel] : undefined;
  const network = b.network ? EB12_NETWORK[b.network] : undefined;
  const auth = b.authorization ? EB11_REQUIRED[b.authorization] : undefined;
  const person = b.entities.find((e) => e.qualifier === 'XX' && e.id);
  const benefit = [amountBenefit(g), quantityBenefit(g.total ?? b)].filter(Boolean);
  const description = [info?.display ?? `benefit ${b.code}`, ...entityText(b), ...new Set(g.messages)].join('. ');
  return {
    ...(g.serviceType ? { category: { coding: [coding(ECS.serviceType, g.serviceType, SERVICE_TYPES.get(g.serviceType))] } } : {}),
    ...(b.procedure ? { productOrService: { coding: [coding(PROCEDURE_SYSTEM[b.procedure.qualifier] ?? ECS.serviceType, b.procedure.code)] } } : {}),
    ...(info?.excluded ? { excluded: true } : {}),
    ...(b.planDescription ? { name: b.planDescription } : {}),
    description,
    ...(network ? { network: { coding: [coding(ECS.benefitNetwork, network)] } } : {}),
    ...(b.coverageLevel
      ? { unit: { coding: [...(level?.fhirUnit ? [coding(ECS.benefitUnit, level.fhirUnit)] : []), coding(ECS.coverageLevel, b.coverageLevel, level?.display)] } }
      : {}),
    ...(termSource.period
      ? { term: { coding: [...(term?.fhirTerm ? [coding(ECS.benefitTerm, term.fhirTerm)] : []), coding(ECS.timePeriod, termSource.period, term?.display)] } }
      : {}),
    ...(benefit.length ? { benefit } : {}),
    ...(auth !== undefined ? { authorizationRequired: auth } : {}),
    ...(person ? { provider: { identifier: { system: ECS.npi, value: person.id }, display: person.name } } : {}),
  };
}

/** The insurance.item list for a member's EB loops, in the payer's order. */
export function benefitItems(benefits: Benefit[]): Json[] {
  return groups(benefits).map(itemOf);
}
