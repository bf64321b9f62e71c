/**
 * rules: loads `rules/` (payer directory, prior-auth rules, state timeframes), evaluates them
 * against PAS request Bundles with FHIRPath, and explains which rule fired and why. Evaluation is
 * pure; loading and watching read files.
 */
export { loadRuleSet, payerForInsurer, emptyRuleSet, type RuleSet } from './load.ts';
export { checkRules, type RulesCheck } from './check.ts';
export { USPS_STATES } from './usps.ts';
export { evaluatePriorAuth } from './evaluate.ts';
export { rulesWatcher, type RulesReload, type RulesWatcher } from './watch.ts';
export { formatProblems, type RuleProblem } from './yaml-file.ts';
export { compileFhirPath, runFhirPath, isTruthy, todayOf, type Compiled } from './fhirpath.ts';
export { expandDates, withPatient, parseSearch, matchesSearch, type ParsedSearch } from './search.ts';
export { patientOf, patientState } from './request-facts.ts';
export type { DocRequirement, DocSource, EvaluateInput, ItemDecision, Outcome, ReviewDecision, RuleDecision, TraceStep } from './types.ts';
export type { PriorAuthRules, ServiceRule, StateRules, RequiredElementRule, DataQualityKind } from './schema.ts';
export { DATA_QUALITY_KINDS } from './schema.ts';
export { claimOf, serviceLines, providerNpis, type ServiceLine } from './request-facts.ts';
