/**
 * Prior-authorization rule evaluation: pure (Bundle, rules, clock and fetched data in; decision
 * and trace out). Per service line: which rule applies, whether a gold card exempts it, and which
 * documentation it needs; then the decision deadline (federal, or a stricter state or payer one).
 */
import type { Resource } from '../fhir/bundle.ts';
import { FEDERAL_HOURS } from '../workflow/deadlines.ts';
import { codeMatches } from './codes.ts';
import { isTruthy, runFhirPath, todayOf } from './fhirpath.ts';
import type { RuleSet } from './load.ts';
import { bundleResources, claimOf, patientState, providerNpis, serviceLines, urgencyOf, type ServiceLine } from './request-facts.ts';
import type { PriorAuthRules, ServiceRule } from './schema.ts';
import { expandDates, matchesSearch, parseSearch } from './search.ts';
import type { DocRequirement, EvaluateInput, ItemDecision, Outcome, ReviewDecision, RuleDecision, TraceStep } from './types.ts';

interface Ctx {
  set: RuleSet;
  input: EvaluateInput;
  env: Record<string, unknown>;
  trace: TraceStep[];
  errors: string[];
  candidates: Resource[];
}

function serviceFor(rules: ServiceRule[], line: ServiceLine): ServiceRule | undefined {
  return rules.find(
    (s) =>
      line.codings.some((c) => (!s.systems || s.systems.includes(c.system ?? '')) && s.codes.some((spec) => codeMatches(c.code!, spec))) &&
      (!s.placeOfService || (line.placeOfService !== undefined && s.placeOfService.includes(line.placeOfService))),
  );
}

/** Runs a compiled expression; failures go to the trace and `errors`, and count as `undefined`. */
function check(ctx: Ctx, rule: string, item: number | undefined, expression: string, resource: unknown, env: Record<string, unknown>): boolean | undefined {
  const fn = ctx.set.compiled.get(expression);
  const out = fn ? runFhirPath(fn, resource, env) : { ok: false as const, error: 'expression was not compiled at load' };
  if (out.ok) return isTruthy(out.value);
  const message = `${rule}: FHIRPath failed: ${out.error}`;
  ctx.errors.push(message);
  ctx.trace.push({ rule, ...(item !== undefined ? { item } : {}), inputs: { expression }, result: 'error', detail: out.error });
  return undefined;
}

function documentation(ctx: Ctx, service: ServiceRule, line: ServiceLine): DocRequirement[] {
  return service.documentation.map((d) => {
    const sources = d.anyOf ?? [{ search: d.search!, ...(d.filter ? { filter: d.filter } : {}) }];
    const rule = `${service.id}/${d.id}`;
    let satisfiedBy: string[] = [];
    for (const src of sources) {
      const q = parseSearch(expandDates(src.search, ctx.input.now));
      const hits = ctx.candidates.filter((r) => matchesSearch(r, q, false) && (!src.filter || check(ctx, rule, line.sequence, src.filter, r, ctx.env) === true));
      if (hits.length >= d.min) {
        satisfiedBy = hits.map((r) => `${r.resourceType}/${r.id ?? '?'}`);
        break;
      }
    }
    const satisfied = satisfiedBy.length >= d.min;
    ctx.trace.push({ rule, item: line.sequence, inputs: { searches: sources.map((s) => s.search), candidates: ctx.candidates.length }, result: satisfied ? 'satisfied' : 'missing', ...(satisfied ? { detail: satisfiedBy.join(', ') } : {}) });
    return {
      id: d.id,
      service: service.id,
      item: line.sequence,
      description: d.description,
      sources: sources.map((s) => ({ search: expandDates(s.search, ctx.input.now), ...(s.filter ? { filter: s.filter } : {}) })),
      min: d.min,
      satisfied,
      satisfiedBy,
    };
  });
}

function decideLine(ctx: Ctx, line: ServiceLine, npis: string[]): { item: ItemDecision; docs: DocRequirement[] } {
  const rules = ctx.set.payers[ctx.input.payerId]!;
  const code = line.codings[0]?.code;
  const inputs = { codes: line.codings.map((c) => c.code), placeOfService: line.placeOfService ?? null };
  const service = serviceFor(rules.services, line);
  const base = { sequence: line.sequence, ...(code ? { code } : {}) };
  if (!service) {
    ctx.trace.push({ rule: 'defaultPriorAuth', item: line.sequence, inputs, result: rules.defaultPriorAuth, detail: 'no service rule names this code' });
    return { item: { ...base, outcome: rules.defaultPriorAuth }, docs: [] };
  }
  const applies = service.when ? check(ctx, service.id, line.sequence, service.when, ctx.input.bundle, { ...ctx.env, item: line.item, claim: claimOf(ctx.input.bundle) }) : true;
  if (applies === false) {
    ctx.trace.push({ rule: service.id, item: line.sequence, inputs: { ...inputs, when: service.when }, result: 'not-applicable', detail: 'when is false: default applies' });
    return { item: { ...base, outcome: rules.defaultPriorAuth }, docs: [] };
  }
  // A failed `when` cannot tell: ask the payer (required), never skip authorization on an error.
  const priorAuth = applies === undefined ? 'required' : service.priorAuth;
  ctx.trace.push({ rule: service.id, item: line.sequence, inputs, result: priorAuth, detail: service.description });
  if (priorAuth === 'not-required') return { item: { ...base, service: service.id, outcome: 'not-required' }, docs: [] };
  const today = todayOf(ctx.input.now);
  const card = rules.goldCard.find((g) => npis.includes(g.npi) && g.services.includes(service.id) && (!g.until || g.until >= today));
  if (card) {
    ctx.trace.push({ rule: `goldCard/${card.npi}`, item: line.sequence, inputs: { npis, until: card.until ?? null }, result: 'gold-carded', detail: card.name });
    return { item: { ...base, service: service.id, outcome: 'gold-carded' }, docs: [] };
  }
  const docs = documentation(ctx, service, line);
  const missing = ctx.input.fetched !== undefined && docs.some((d) => !d.satisfied);
  return { item: { ...base, service: service.id, outcome: missing ? 'missing-documentation' : 'required' }, docs };
}

function deadline(ctx: Ctx, urgency: 'expedited' | 'standard'): Pick<RuleDecision, 'deadlineHours' | 'deadlineSource'> {
  let best: Pick<RuleDecision, 'deadlineHours' | 'deadlineSource'> = { deadlineHours: FEDERAL_HOURS[urgency], deadlineSource: 'federal' };
  const key = urgency === 'expedited' ? 'expeditedHours' : 'standardHours';
  const state = ctx.input.state?.toUpperCase() ?? patientState(ctx.input.bundle);
  const stateRules = state ? ctx.set.states[state] : undefined;
  if (stateRules && stateRules[key] < best.deadlineHours) best = { deadlineHours: stateRules[key], deadlineSource: `state:${state}` };
  const payerHours = ctx.set.payers[ctx.input.payerId]?.deadlines?.[key];
  if (payerHours !== undefined && payerHours < best.deadlineHours) best = { deadlineHours: payerHours, deadlineSource: `payer:${ctx.input.payerId}` };
  ctx.trace.push({ rule: 'deadline', inputs: { urgency, state: state ?? null, stateSource: ctx.input.state ? 'input' : state ? 'patient address' : null }, result: `${best.deadlineHours}h`, detail: best.deadlineSource });
  return best;
}

/**
 * Human review before sending (the file's `review`): only for requests that will go to the payer
 * (some line needs authorization), restricted to the listed services when there are any.
 */
function review(ctx: Ctx, rules: PriorAuthRules, items: ItemDecision[], docs: DocRequirement[]): ReviewDecision {
  const when = rules.review?.when ?? 'never';
  const services = rules.review?.services;
  const sent = items.filter((i) => i.outcome === 'required' || i.outcome === 'missing-documentation');
  const inScope = sent.filter((i) => !services || (i.service !== undefined && services.includes(i.service)));
  const missing = docs.filter((d) => !d.satisfied && inScope.some((i) => i.sequence === d.item));
  let decision: ReviewDecision;
  if (when === 'never') decision = { required: false, reason: 'the payer rules ask for no review' };
  else if (inScope.length === 0) decision = { required: false, reason: sent.length ? 'no line under a service the rules review' : 'nothing will be sent to the payer' };
  else if (when === 'always') decision = { required: true, reason: `the payer rules review ${services ? services.join(', ') : 'every request'} before sending` };
  else if (missing.length) decision = { required: true, reason: `documentation still missing: ${[...new Set(missing.map((d) => d.id))].join(', ')}` };
  else decision = { required: false, reason: 'all documentation the rules ask for is present' };
  ctx.trace.push({ rule: 'review', inputs: { when, services: services ?? null }, result: decision.required ? 'hold' : 'send', detail: decision.reason });
  return decision;
}

const RANK: Outcome[] = ['not-required', 'gold-carded', 'required', 'missing-documentation'];

/**
 * Decides what a PAS request needs at its payer. Call once before fetching (documentation lists
 * the searches to run) and again with `fetched` (unmet documentation → `missing-documentation`).
 */
export function evaluatePriorAuth(set: RuleSet, input: EvaluateInput): RuleDecision {
  const ctx: Ctx = {
    set,
    input,
    env: { today: todayOf(input.now) },
    trace: [],
    errors: [],
    candidates: [...bundleResources(input.bundle).filter((r) => r.resourceType !== 'Claim'), ...(input.fetched ?? [])],
  };
  const urgency = urgencyOf(input.bundle);
  const lines = serviceLines(input.bundle);
  const rules = set.payers[input.payerId];
  if (!rules) {
    ctx.trace.push({ rule: 'payer', inputs: { payerId: input.payerId }, result: 'required', detail: 'no prior-auth rules for this payer: the payer decides' });
    const items = lines.map((l) => ({ sequence: l.sequence, outcome: 'required' as const }));
    return { outcome: 'required', trace: ctx.trace, documentation: [], ...deadline(ctx, urgency), urgency, items, companionGuide: { exceeded: false }, errors: [], review: { required: false, reason: 'no rules for this payer' } };
  }
  const npis = providerNpis(input.bundle);
  const decided = lines.map((l) => decideLine(ctx, l, npis));
  const max = rules.companionGuide.maxServiceLines;
  const exceeded = max !== undefined && lines.length > max;
  if (max !== undefined) ctx.trace.push({ rule: 'companionGuide.maxServiceLines', inputs: { lines: lines.length, max }, result: exceeded ? 'exceeded' : 'ok' });
  const outcome = decided.reduce<Outcome>((worst, d) => (RANK.indexOf(d.item.outcome) > RANK.indexOf(worst) ? d.item.outcome : worst), 'not-required');
  const docs = decided.flatMap((d) => d.docs);
  return {
    review: review(ctx, rules, decided.map((d) => d.item), docs),
    outcome,
    trace: ctx.trace,
    documentation: docs,
    ...deadline(ctx, urgency),
    urgency,
    items: decided.map((d) => d.item),
    companionGuide: { ...(max !== undefined ? { maxServiceLines: max } : {}), exceeded },
    errors: ctx.errors,
  };
}
