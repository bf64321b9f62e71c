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
import { X12_EXT, code, complex, dateExt, dec, referenceExt, str } from './x12-extensions.ts';

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
  /** Every EB merged into the item (their REF, DTP, HSD, III and entities all travel). */
  all: Benefit[];
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
        g = { key, ...(st ? { serviceType: st } : {}), first: b, messages: [], all: [] };
        open.set(key, g);
        out.push(g);
      }
      g[role] = b;
      g.messages.push(...b.messages);
      if (!g.all.includes(b)) g.all.push(b);
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
  return b.entities.map((e) => `${e.entity} ${e.display}${e.id ? ` (${e.qualifier} ${e.id})` : ''}`);
}

/** What an item carries of its EBs beyond FHIR's own elements: EB04, EB14, HSD, REF, DTP, III, 2120 entities. */
function extensionsOf(g: Group, entity: (e: Benefit['entities'][number]) => { reference: string }): Json[] {
  const out: Json[] = [];
  const seen = new Set<string>();
  const push = (e: Json) => {
    const key = JSON.stringify(e);
    if (!seen.has(key)) (seen.add(key), out.push(e));
  };
  for (const b of g.all) {
    if (b.insuranceType) push({ url: X12_EXT.insuranceType, valueCoding: { system: 'https://codesystem.x12.org/005010/1336', code: b.insuranceType } });
    for (const p of b.diagnosisPointers ?? []) push({ url: X12_EXT.diagnosisPointer, valuePositiveInt: Number(p) });
    for (const d of b.deliveries) {
      push(complex(X12_EXT.delivery, [
        ['quantityQualifier', code('673', d.quantityQualifier)], ['quantity', dec(d.quantity)], ['unit', code('355', d.unit)],
        ['sampleSelectionModulus', dec(d.sampleSelectionModulus)], ['periodQualifier', code('615', d.periodQualifier)], ['periods', dec(d.periods)],
        ['pattern', code('678', d.pattern)], ['patternTime', code('679', d.patternTime)],
      ]));
    }
    for (const r of b.refs) push(referenceExt(r));
    for (const d of b.dates) push(dateExt(d));
    for (const a of b.additional) {
      push(complex(X12_EXT.additionalInformation, [['codeListQualifier', code('1270', a.codeListQualifier)], ['code', str(a.code)], ['category', code('1136', a.category)], ['text', str(a.text)]]));
    }
    for (const e of b.entities) push({ url: X12_EXT.relatedEntity, valueReference: entity(e) });
  }
  return out;
}

function itemOf(g: Group, entity: (e: Benefit['entities'][number]) => { reference: string }): Json {
  const b = g.first;
  const info = EB01[b.code];
  const termSource = g.total ?? g.used ?? g.remaining ?? b;
  const term = termSource.period ? EB06[termSource.period] : undefined;
  const level = b.coverageLevel ? EB02[b.coverageLevel] : undefined;
  const network = b.network ? EB12_NETWORK[b.network] : undefined;
  const auth = b.authorization ? EB11_REQUIRED[b.authorization] : undefined;
  const person = b.entities.find((e) => e.entityType === '1') ?? b.entities.find((e) => e.qualifier === 'XX' && e.id);
  const valued = [amountBenefit(g), quantityBenefit(g.total ?? b)].filter(Boolean);
  // An EB with no amount, percent or quantity (EB*1 active coverage, EB*L primary care provider)
  // still says what it is: a benefit of its EB01 type alone.
  const own = coding(ECS.benefitInfo, b.code, info?.display);
  const benefit = valued.length ? valued : [{ type: { coding: [own], text: info?.display ?? b.code } }];
  // Whatever the values, the benefit says which EB01 it answers.
  const first = benefit[0] as { type: { coding: { code: string }[] } };
  if (!benefit.some((x) => (x as typeof first).type.coding.some((c) => c.code === b.code))) first.type.coding.push(own);
  const description = [info?.display ?? `benefit ${b.code}`, ...entityText(b), ...new Set(g.messages)].join('. ');
  const extension = extensionsOf(g, entity);
  return {
    ...(extension.length ? { extension } : {}),
    ...(g.serviceType ? { category: { coding: [coding(ECS.serviceType, g.serviceType, SERVICE_TYPES.get(g.serviceType))] } } : {}),
    ...(b.procedure
      ? {
          productOrService: { coding: [{ ...coding(PROCEDURE_SYSTEM[b.procedure.qualifier] ?? ECS.serviceType, b.procedure.code), ...(PROCEDURE_SYSTEM[b.procedure.qualifier] ? {} : { display: b.procedure.qualifier }) }] },
          ...(b.procedure.modifiers.length ? { modifier: b.procedure.modifiers.map((m) => ({ coding: [coding('http://www.ama-assn.org/go/cpt', m)] })) } : {}),
        }
      : {}),
    ...(info?.excluded ? { excluded: true } : {}),
    ...(b.planDescription ? { name: b.planDescription } : {}),
    description,
    ...(network ? { network: { coding: [coding(ECS.benefitNetwork, network)] } } : {}),
    ...(b.coverageLevel
      ? { unit: { coding: [...(level?.fhirUnit ? [coding(ECS.benefitUnit, level.fhirUnit)] : []), coding(ECS.coverageLevel, b.coverageLevel, level?.display)] } }
      : {}),
    ...(termSource.period
      ? {
          term: {
            coding: [
              ...(term?.fhirTerm ? [coding(ECS.benefitTerm, term.fhirTerm)] : []),
              coding(ECS.timePeriod, termSource.period, term?.display),
              // The other EBs merged in (remaining, year to date) keep their own period codes.
              ...[...new Set(g.all.map((x) => x.period).filter((p): p is string => Boolean(p) && p !== termSource.period))].map((p) => coding(ECS.timePeriod, p, EB06[p]?.display)),
            ],
          },
        }
      : {}),
    ...(benefit.length ? { benefit } : {}),
    ...(auth !== undefined ? { authorizationRequired: auth } : {}),
    ...(person ? { provider: { ...entity(person), ...(person.qualifier === 'XX' && person.id ? { identifier: { system: ECS.npi, value: person.id } } : {}), display: person.display } } : {}),
  };
}

/**
 * The insurance.item list for a member's EB loops, in the payer's order. `entity` adds a 2120C/D
 * related entity as a resource of the response Bundle and returns its reference (the same entity
 * object is added once).
 */
export function benefitItems(benefits: Benefit[], entity: (e: Benefit['entities'][number]) => { reference: string }): Json[] {
  return groups(benefits).map((g) => itemOf(g, entity));
}
