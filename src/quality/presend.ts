/**
 * The data-quality gate of `$submit` and eligibility requests: run the checks, say whether the
 * payer refuses the request for what they found, record the findings with the request (in its
 * transaction) or with the refusal, and put them where the caller sees them.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { cipherOf, normalizeIdentifier } from '../db/crypto/index.ts';
import { findingsOfRequest, insertFindings, requestsByMemberIds } from '../db/queries/quality.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { providerNpis, type DataQualityKind, type RuleDecision, type RuleSet } from '../rules/index.ts';
import type { EligibilityRequestRead } from '../translate/index.ts';
import { codeFindings, npiFindings, requiredElementFindings } from './checks.ts';
import { differences, eligibilityDemographics, isDemographics, pasDemographics, storedDemographics, type DemographicsAt } from './demographics.ts';
import { applyRefusals, qualityOutcome, type Finding } from './findings.ts';
import type { QualityMetrics } from './metrics.ts';

export interface PresendContext {
  db: Db;
  rules: RuleSet;
  payerId: string;
  orgId: string;
  clientId: string;
  now: Date;
  metrics?: QualityMetrics;
}

export interface Presend {
  findings: Finding[];
  /** The payer's rules refuse the request for at least one finding (422). */
  refused: boolean;
  /** What the new request keeps in its summary: who sent it, and (sealed) the patient's demographics. */
  summary: Record<string, unknown>;
  /** Stores the findings with the new request, in its transaction. */
  record(tx: Db, requestId: string): Promise<void>;
  /** Stores the findings of a refused request and audits the refusal. */
  refuse(httpRequestId?: string): Promise<void>;
}

const FIELD_WORDS = { name: 'name', birthDate: 'birth date', gender: 'gender' } as const;

/** The newest earlier request of the organization with one of the patient's ids, if its demographics differ. */
async function demographicsFindings(ctx: PresendContext, d: DemographicsAt | undefined): Promise<Finding[]> {
  if (!d) return [];
  const mine = new Set(d.memberIds.map(normalizeIdentifier));
  for (const prior of await requestsByMemberIds(ctx.db, ctx.orgId, d.memberIds)) {
    const stored = prior.summary.demographics;
    if (!isDemographics(stored)) continue;
    const shared = stored.memberIds.find((m) => mine.has(normalizeIdentifier(m)));
    if (!shared) continue;
    const diff = differences(stored, d);
    if (diff.length === 0) return [];
    const words = diff.map((f) => FIELD_WORDS[f]);
    const list = words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
    return [
      {
        kind: 'member-demographics',
        issueCode: 'business-rule',
        refused: false,
        expression: d.at[diff[0]!],
        memberHash: cipherOf(ctx.db).searchHash('member-id', shared),
        message: `this member id was sent before (request ${prior.id}, ${prior.createdAt.toISOString().slice(0, 10)}) with a different ${list}: payers match members on name, birth date and gender, so one of the two is likely a patient-matching error`,
      },
    ];
  }
  return [];
}

function gate(ctx: PresendContext, raw: Finding[], extra: { kind: 'prior-auth' | 'eligibility'; providerNpi?: string; demographics?: DemographicsAt }): Presend {
  const refuse: readonly DataQualityKind[] = ctx.rules.payers[ctx.payerId]?.dataQuality.refuse ?? [];
  const findings = applyRefusals(raw, refuse);
  const rows = (requestId: string | null) =>
    findings.map((f) => ({
      id: randomUUID(),
      orgId: ctx.orgId,
      clientId: ctx.clientId,
      requestId,
      requestKind: extra.kind,
      payerId: ctx.payerId,
      providerNpi: extra.providerNpi ?? null,
      kind: f.kind,
      refused: f.refused,
      expression: f.expression,
      memberHash: f.memberHash ?? null,
      message: f.message,
      createdAt: ctx.now,
    }));
  const count = () => findings.forEach((f) => ctx.metrics?.warnings.inc({ payer: ctx.payerId, kind: f.kind, refused: String(f.refused) }));
  return {
    findings,
    refused: findings.some((f) => f.refused),
    summary: {
      clientId: ctx.clientId,
      ...(extra.providerNpi ? { providerNpi: extra.providerNpi } : {}),
      ...(extra.demographics ? { demographics: storedDemographics(extra.demographics) } : {}),
    },
    async record(tx, requestId) {
      await insertFindings(tx, rows(requestId));
      count();
    },
    async refuse(httpRequestId) {
      await withTransaction(ctx.db, async (tx) => {
        await insertFindings(tx, rows(null));
        await appendAudit(tx, {
          actor: `client:${ctx.clientId}`,
          action: 'request.refuse',
          outcome: 'failure',
          orgId: ctx.orgId,
          entityType: 'request',
          requestId: httpRequestId ?? null,
          detail: { kind: extra.kind, payerId: ctx.payerId, refusedFor: [...new Set(findings.filter((f) => f.refused).map((f) => f.kind))] },
          at: ctx.now,
        });
      });
      count();
    },
  };
}

/** A PAS request, after the payer's rules decided which service rule each line falls under. */
export async function checkPasRequest(ctx: PresendContext, bundle: Bundle, decision: Pick<RuleDecision, 'items'> | undefined): Promise<Presend> {
  const demographics = pasDemographics(bundle);
  const findings = [
    ...npiFindings(bundle),
    ...codeFindings(bundle, ctx.now),
    ...(decision ? requiredElementFindings(bundle, ctx.rules, ctx.payerId, decision, ctx.now) : []),
    ...(await demographicsFindings(ctx, demographics)),
  ];
  return gate(ctx, findings, { kind: 'prior-auth', providerNpi: providerNpis(bundle as never)[0], demographics });
}

/** An eligibility request: NPIs and the subscriber's demographics (it carries no codes or services). */
export async function checkEligibilityRequest(ctx: PresendContext, bundle: Bundle, read: EligibilityRequestRead): Promise<Presend> {
  const demographics = eligibilityDemographics(read);
  const findings = [...npiFindings(bundle), ...(await demographicsFindings(ctx, demographics))];
  const receiver = read.inquiry?.receiver;
  return gate(ctx, findings, { kind: 'eligibility', providerNpi: receiver?.qualifier === 'XX' ? receiver.id : undefined, demographics });
}

/** The findings stored with a request (a repeated submission answers with them again). */
export async function storedFindings(db: Db, requestId: string): Promise<Finding[]> {
  return (await findingsOfRequest(db, requestId)).map((r) => ({
    kind: r.kind as DataQualityKind,
    expression: r.expression,
    message: r.message,
    issueCode: ISSUE_CODES[r.kind as DataQualityKind] ?? 'business-rule',
    refused: r.refused,
  }));
}

const ISSUE_CODES: Record<DataQualityKind, Finding['issueCode']> = {
  'npi-check-digit': 'value',
  'member-demographics': 'business-rule',
  'code-not-valid': 'code-invalid',
  'required-element': 'required',
};

/**
 * The response Bundle with the warnings as an OperationOutcome entry after the others. The PAS
 * response Bundle profile slices `entry` by resource type with open slicing (one ClaimResponse,
 * anything else allowed) and forbids `entry.search`, so the FHIR search-mode `outcome` convention is
 * not available: a plain entry is what validates.
 */
export function withWarnings(bundle: Bundle, findings: Finding[]): Bundle {
  if (findings.length === 0) return bundle;
  // Right after the ClaimResponse (the outcome of processing, beside the answer), not last: a reader
  // that takes the base for relative references from the last entry (as the PAS test kit does) keeps
  // the base of the entries the ClaimResponse refers to.
  const entry = { fullUrl: `urn:uuid:${randomUUID()}`, resource: qualityOutcome(findings) };
  const [first, ...rest] = bundle.entry ?? [];
  return { ...bundle, entry: first ? [first, entry as never, ...rest] : [entry as never] };
}

/** The 422 body of a refused request: the refusals as errors, the other findings as warnings. */
export function refusalOutcome(findings: Finding[]) {
  return qualityOutcome([...findings].sort((a, b) => Number(b.refused) - Number(a.refused)));
}
