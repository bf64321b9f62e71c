/**
 * PAS spec-46: "the returned ClaimResponse SHALL include the current results for all submitted
 * items, including any items changed or canceled since the original authorization request".
 *
 * A 278 update carries only the items it adds, changes or cancels, and a whole-request cancel none
 * (X217: UM02 3 at 2000E); the payer answers what it was sent. The answer to an update is therefore
 * completed here: every item of the update Claim gets its current result — the payer's answer to it
 * now; for an item it was not sent, its result in the answer to the request this one revises (same
 * sequence: spec-34), unless the payer's event-level answer covers the whole request (a cancel
 * confirmed with HCR C; or there is no earlier result). No item the Claim did not submit is added.
 * The response is completed in place and returned. Pure: no I/O.
 */
import type { Bundle } from '../fhir/bundle.ts';

type Json = Record<string, any>;

const REVIEW_ACTION = /extension-reviewAction$/;
const X12_306 = 'https://codesystem.x12.org/005010/306';

function claimResponseOf(bundle: Bundle | undefined): Json | undefined {
  const r = bundle?.entry?.[0]?.resource as Json | undefined;
  return r?.['resourceType'] === 'ClaimResponse' ? r : undefined;
}

function submittedSequences(request: Bundle): number[] {
  const claim = request.entry?.[0]?.resource as Json | undefined;
  return ((claim?.['item'] as Json[] | undefined) ?? []).map((i) => i['sequence']).filter((s): s is number => typeof s === 'number');
}

/** The header (2000E) review action code, when the answer gives one. */
function headerCode(cr: Json): string | undefined {
  for (const adj of (cr['adjudication'] as Json[] | undefined) ?? []) {
    for (const e of (adj['extension'] as Json[] | undefined) ?? []) {
      if (!REVIEW_ACTION.test(e['url'] ?? '')) continue;
      const coding = ((e['extension'] as Json[] | undefined) ?? []).flatMap((s) => s['valueCodeableConcept']?.coding ?? []).find((c: Json) => c.system === X12_306);
      if (coding?.code) return coding.code as string;
    }
  }
  return undefined;
}

/**
 * @param response the answer just received (or made here), ClaimResponse first
 * @param request the PAS request Bundle it answers (its Claim lists what was submitted)
 * @param prior the current answer to the request this one revises, if any
 * @returns the response, with an item for every submitted sequence it can give a result for
 */
export function withCurrentResults(response: Bundle, request: Bundle, prior?: Bundle): { bundle: Bundle; added: number } {
  const cr = claimResponseOf(response);
  if (!cr || cr['outcome'] === 'error') return { bundle: response, added: 0 };
  const items = ((cr['item'] as Json[] | undefined) ?? []).slice();
  const have = new Set(items.map((i) => i['itemSequence']));
  const header = headerCode(cr);
  const priorCr = claimResponseOf(prior);
  const priorItems = new Map(((priorCr?.['item'] as Json[] | undefined) ?? []).map((i) => [i['itemSequence'], i]));
  const priorAdded = ((priorCr?.['addItem'] as Json[] | undefined) ?? []) as Json[];
  const addItems = ((cr['addItem'] as Json[] | undefined) ?? []).slice();
  let added = 0;
  for (const sequence of submittedSequences(request)) {
    if (have.has(sequence)) continue;
    // A whole request cancelled (HCR C at the event) cancels this item too; otherwise its result
    // stands as the revised request's answer gave it, and the event's answer fills what has none.
    const fromPrior = header === 'C' ? undefined : priorItems.get(sequence);
    if (!fromPrior && header) items.push({ itemSequence: sequence, adjudication: structuredClone(cr['adjudication']) });
    else if (fromPrior) {
      items.push(structuredClone(fromPrior));
      // What was authorized for it instead (A6) stays with it.
      for (const a of priorAdded) if ((a['itemSequence'] ?? []).includes(sequence)) addItems.push(structuredClone(a));
    } else continue;
    have.add(sequence);
    added++;
  }
  if (added === 0) return { bundle: response, added };
  items.sort((a, b) => a['itemSequence'] - b['itemSequence']);
  cr['item'] = items;
  if (addItems.length) cr['addItem'] = addItems;
  if (prior) bringReferenced(response, prior, [...items, ...addItems]);
  return { bundle: response, added };
}

/** Every `reference` string inside a value. */
function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Json;
    if (typeof o['reference'] === 'string') out.push(o['reference']);
    for (const v of Object.values(o)) referencesIn(v, out);
  }
  return out;
}

/**
 * Results taken from the earlier answer bring the resources they refer to (an authorized
 * provider the payer named then …), so every reference still resolves in the Bundle (PAS spec-31).
 */
function bringReferenced(response: Bundle, prior: Bundle, from: Json[]): void {
  const entries = response.entry ?? (response.entry = []);
  const key = (e: { fullUrl?: string; resource?: Json }) => [e.fullUrl, e.resource?.['id'] ? `${e.resource['resourceType']}/${e.resource['id']}` : undefined];
  const has = (ref: string) => entries.some((e) => key(e as never).some((k) => k === ref || (k && ref.endsWith(`/${k}`))));
  const pending = referencesIn(from);
  for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
    if (has(ref)) continue;
    const hit = (prior.entry ?? []).find((e) => key(e as never).some((k) => k === ref || (k && ref.endsWith(`/${k}`))));
    if (!hit) continue;
    // Right after the ClaimResponse, with what the answer made itself: the request's own resources stay last.
    entries.splice(1, 0, structuredClone(hit));
    pending.push(...referencesIn(hit.resource));
  }
}
