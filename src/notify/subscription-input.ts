/**
 * Reading a Subscription a provider POSTs: the R4 backport shape constrained by the PAS
 * Subscription profile (profile-subscription). Pure: returns the normalized resource to store, or
 * every problem found, each with its FHIRPath expression.
 */
import type { OutcomeIssue } from '../fhir/outcome.ts';
import { isEndpointAllowed } from '../net/index.ts';
import {
  BACKPORT_SUBSCRIPTION_PROFILE,
  FILTER_CRITERIA_URL,
  NPI_SYSTEM,
  ORG_FILTER_NAMES,
  PAS_SUBSCRIPTION_PROFILE,
  PAS_TOPIC,
  PAYLOAD_CONTENT_URL,
} from './topic.ts';

export interface SubscriptionInput {
  /** The organization identifier from the filter criteria (`orgIdentifier=[system|]value`). */
  filter: { system?: string; value: string; expression: string };
  endpoint: string;
  headers: string[];
  /** The normalized resource (no id or status yet). */
  resource: Record<string, unknown>;
}

export type ParseResult = { ok: true; value: SubscriptionInput } | { ok: false; status: 400 | 422; issues: OutcomeIssue[] };

const PAYLOAD_TYPES = ['application/fhir+json', 'application/json'];
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n\0]*)$/;
/** Headers the gateway sets itself or that change how HTTP frames the message. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);
const MAX_HEADERS = 10;
const MAX_HEADER_LENGTH = 4096;
/** Structural problems answer 400; the rest (well-formed but not acceptable) 422. */
const STRUCTURAL = new Set(['required', 'structure', 'invalid']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function issue(code: string, diagnostics: string, expression: string): OutcomeIssue {
  return { severity: 'error', code, diagnostics, expression: [expression] };
}

/** `orgIdentifier=1234567893`, `org-identifier=http://hl7.org/fhir/sid/us-npi|1234567893`, optionally `Type?…`. */
export function parseOrgFilter(text: string): { system?: string; value: string } | string {
  const query = text.replace(/^[A-Z][A-Za-z]*\?/, '');
  const parts = query.split('&').filter(Boolean);
  if (parts.length !== 1) return 'the filter must be exactly one orgIdentifier=[identifier]';
  const eq = parts[0]!.indexOf('=');
  const name = eq < 0 ? parts[0]! : parts[0]!.slice(0, eq);
  if (!ORG_FILTER_NAMES.includes(name)) return `unsupported filter parameter '${name}'; the PAS topic filters by orgIdentifier`;
  let raw: string;
  try {
    raw = decodeURIComponent(parts[0]!.slice(eq + 1)).trim();
  } catch {
    return 'the orgIdentifier filter is not valid URL-encoded text';
  }
  const bar = raw.lastIndexOf('|');
  const system = bar >= 0 ? raw.slice(0, bar) : undefined;
  const value = bar >= 0 ? raw.slice(bar + 1) : raw;
  if (!value) return 'the orgIdentifier filter has no value';
  if (system && system !== NPI_SYSTEM) return `organization identifiers are NPIs (${NPI_SYSTEM})`;
  return { ...(system ? { system } : {}), value };
}

function readFilter(r: Obj, issues: OutcomeIssue[]): SubscriptionInput['filter'] | undefined {
  const exts = isObj(r._criteria) && Array.isArray(r._criteria.extension) ? (r._criteria.extension as unknown[]) : [];
  const found = exts.map((e, i) => ({ e, i })).filter(({ e }) => isObj(e) && e.url === FILTER_CRITERIA_URL);
  // PAS §spec-58: the filter criteria SHALL be org-identifier = [sending system identifier].
  if (found.length === 0) {
    issues.push(issue('required', `a ${FILTER_CRITERIA_URL} extension on criteria with orgIdentifier=[your organization's NPI] is required`, 'Subscription.criteria.extension'));
    return undefined;
  }
  if (found.length > 1) {
    issues.push(issue('structure', 'give exactly one filter-criteria extension', `Subscription.criteria.extension[${found[1]!.i}]`));
    return undefined;
  }
  const { e, i } = found[0]! as { e: Obj; i: number };
  const expression = `Subscription.criteria.extension[${i}].valueString`;
  if (typeof e.valueString !== 'string') {
    issues.push(issue('required', 'the filter criteria must be a valueString', expression));
    return undefined;
  }
  const parsed = parseOrgFilter(e.valueString);
  if (typeof parsed === 'string') {
    issues.push(issue('not-supported', parsed, expression));
    return undefined;
  }
  return { ...parsed, expression };
}

function readHeaders(channel: Obj, issues: OutcomeIssue[]): string[] {
  if (channel.header === undefined) return [];
  if (!Array.isArray(channel.header)) {
    issues.push(issue('structure', 'channel.header is a list of "Name: value" strings', 'Subscription.channel.header'));
    return [];
  }
  if (channel.header.length > MAX_HEADERS) issues.push(issue('value', `at most ${MAX_HEADERS} headers`, 'Subscription.channel.header'));
  const out: string[] = [];
  channel.header.forEach((h: unknown, i: number) => {
    const expression = `Subscription.channel.header[${i}]`;
    const m = typeof h === 'string' && h.length <= MAX_HEADER_LENGTH ? HEADER.exec(h) : null;
    if (!m) return issues.push(issue('value', 'a header is "Name: value" on one line, at most 4096 characters', expression));
    const name = m[1]!.toLowerCase();
    if (RESERVED_HEADERS.has(name) || name.startsWith('proxy-')) return issues.push(issue('value', `the gateway sets ${m[1]} itself`, expression));
    out.push(`${m[1]}: ${m[2]}`);
  });
  return out;
}

function readChannel(r: Obj, allowlist: readonly string[], issues: OutcomeIssue[]) {
  if (!isObj(r.channel)) {
    issues.push(issue('required', 'channel is required', 'Subscription.channel'));
    return undefined;
  }
  const ch = r.channel;
  // PAS §spec-56: servers SHALL only support the rest-hook channel type.
  if (ch.type !== 'rest-hook') issues.push(issue(ch.type === undefined ? 'required' : 'not-supported', 'channel.type must be rest-hook', 'Subscription.channel.type'));
  if (typeof ch.endpoint !== 'string' || ch.endpoint === '') {
    issues.push(issue('required', 'channel.endpoint (an https URL) is required', 'Subscription.channel.endpoint'));
  } else if (!URL.canParse(ch.endpoint)) {
    issues.push(issue('invalid', 'channel.endpoint is not an absolute URL', 'Subscription.channel.endpoint'));
  } else {
    const verdict = isEndpointAllowed(ch.endpoint, allowlist);
    if (!verdict.ok) issues.push(issue('security', `endpoint refused: ${verdict.reason}`, 'Subscription.channel.endpoint'));
  }
  const payload = typeof ch.payload === 'string' ? ch.payload.split(';')[0]!.trim().toLowerCase() : undefined;
  if (!payload || !PAYLOAD_TYPES.includes(payload)) {
    issues.push(issue(payload ? 'not-supported' : 'required', `channel.payload must be ${PAYLOAD_TYPES.join(' or ')}`, 'Subscription.channel.payload'));
  }
  // PAS §spec-62: only content = full-resource. Absent means full-resource here (we send nothing else).
  const contentExts = isObj(ch._payload) && Array.isArray(ch._payload.extension) ? (ch._payload.extension as unknown[]) : [];
  contentExts.forEach((e, i) => {
    if (isObj(e) && e.url === PAYLOAD_CONTENT_URL && e.valueCode !== 'full-resource') {
      issues.push(issue('not-supported', 'PAS subscriptions carry full-resource payloads only', `Subscription.channel.payload.extension[${i}].valueCode`));
    }
  });
  return { endpoint: typeof ch.endpoint === 'string' ? ch.endpoint : '', payload: payload ?? '', headers: readHeaders(ch, issues) };
}

/**
 * Checks a posted Subscription and builds the resource to store. Client-set `id` and `status` are
 * ignored: the server assigns both (R4 Subscription: status starts `requested`).
 */
export function parseSubscription(r: Obj, opts: { now: Date; allowlist: readonly string[] }): ParseResult {
  const issues: OutcomeIssue[] = [];
  if (typeof r.reason !== 'string' || r.reason.trim() === '') issues.push(issue('required', 'reason is required (R4 Subscription.reason 1..1)', 'Subscription.reason'));
  if (r.criteria !== PAS_TOPIC) {
    issues.push(issue(r.criteria === undefined ? 'required' : 'not-supported', `criteria must be the PAS topic ${PAS_TOPIC}`, 'Subscription.criteria'));
  }
  const filter = readFilter(r, issues);
  const channel = readChannel(r, opts.allowlist, issues);
  if (r.end !== undefined && (typeof r.end !== 'string' || Number.isNaN(Date.parse(r.end)))) {
    issues.push(issue('invalid', 'end must be a FHIR instant', 'Subscription.end'));
  } else if (typeof r.end === 'string' && Date.parse(r.end) <= opts.now.getTime()) {
    issues.push(issue('value', 'end is in the past', 'Subscription.end'));
  }
  if (issues.length > 0 || !filter || !channel) {
    return { ok: false, status: issues.some((i) => STRUCTURAL.has(i.code)) ? 400 : 422, issues };
  }
  const resource: Obj = {
    resourceType: 'Subscription',
    meta: { profile: [BACKPORT_SUBSCRIPTION_PROFILE, PAS_SUBSCRIPTION_PROFILE] },
    reason: r.reason,
    criteria: PAS_TOPIC,
    _criteria: { extension: [{ url: FILTER_CRITERIA_URL, valueString: `orgIdentifier=${filter.system ? `${filter.system}|` : ''}${filter.value}` }] },
    ...(typeof r.end === 'string' ? { end: r.end } : {}),
    channel: {
      type: 'rest-hook',
      endpoint: channel.endpoint,
      payload: channel.payload,
      _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: 'full-resource' }] },
      ...(channel.headers.length ? { header: channel.headers } : {}),
    },
  };
  return { ok: true, value: { filter, endpoint: channel.endpoint, headers: channel.headers, resource } };
}
