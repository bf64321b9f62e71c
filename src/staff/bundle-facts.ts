/**
 * The little the staff pages show from the stored PAS Bundles: patient initials, services, and
 * from a response the per-line decision, reasons, notes and AAA errors. Pure; tolerant of
 * anything malformed (a page must render whatever a payer sent).
 */
import { ACK_REJECTIONS, FOLLOW_UPS, REJECT_REASONS, REVIEW_ACTIONS } from './codes.ts';

type Json = Record<string, any>;

const X12_306 = 'https://codesystem.x12.org/005010/306';
const X12_901 = 'https://codesystem.x12.org/005010/901';
const X12_889 = 'https://codesystem.x12.org/005010/889';
const X12_999 = 'https://codesystem.x12.org/005010/999';

export function parseBundle(text: string | undefined | null): Json | undefined {
  if (!text) return undefined;
  try {
    const b = JSON.parse(text) as Json;
    return b && typeof b === 'object' && b.resourceType === 'Bundle' ? b : undefined;
  } catch {
    return undefined;
  }
}

const resources = (b: Json | undefined): Json[] => (Array.isArray(b?.entry) ? b!.entry.map((e: Json) => e?.resource).filter(Boolean) : []);

function resolve(b: Json | undefined, ref: string | undefined): Json | undefined {
  if (!ref) return undefined;
  for (const e of b?.entry ?? []) {
    const r = e?.resource;
    if (!r) continue;
    if (e.fullUrl === ref || `${r.resourceType}/${r.id}` === ref || (e.fullUrl && String(e.fullUrl).endsWith(`/${ref}`))) return r;
  }
  return undefined;
}

/** "J.S." from the Claim's patient (HumanName given + family); "?" when there is none. */
export function patientInitials(request: Json | undefined): string {
  const claim = resources(request)[0];
  const patient = resolve(request, claim?.patient?.reference) ?? resources(request).find((r) => r.resourceType === 'Patient');
  const name = Array.isArray(patient?.name) ? patient.name[0] : undefined;
  const first = (Array.isArray(name?.given) ? String(name.given[0] ?? '') : '') || String(name?.text ?? '');
  const last = String(name?.family ?? '');
  const letters = [first, last].map((s) => s.trim().charAt(0).toUpperCase()).filter(Boolean);
  return letters.length ? letters.map((l) => `${l}.`).join('') : '?';
}

/** The Claim's patient's birth date (YYYY-MM-DD as sent), or undefined. */
export function patientBirthDate(request: Json | undefined): string | undefined {
  const claim = resources(request)[0];
  const patient = resolve(request, claim?.patient?.reference) ?? resources(request).find((r) => r.resourceType === 'Patient');
  return typeof patient?.birthDate === 'string' && patient.birthDate ? patient.birthDate.slice(0, 10) : undefined;
}

/** "1957": the year alone of a birth date ("minimum necessary" for roles without PHI access). */
export function maskBirthDate(date: string | undefined): string | null {
  return date && /^\d{4}/.test(date) ? date.slice(0, 4) : null;
}

/** "•••••678A": only the last four characters of a member id are shown. */
export function maskMemberId(id: unknown): string {
  if (typeof id !== 'string' || !id) return '—';
  const keep = id.length <= 4 ? 1 : 4;
  return `${'•'.repeat(Math.max(3, id.length - keep))}${id.slice(-keep)}`;
}

export interface ServiceLine {
  sequence: number;
  code: string;
  display: string;
}

export function services(request: Json | undefined): ServiceLine[] {
  const claim = resources(request)[0];
  const items: Json[] = Array.isArray(claim?.item) ? claim.item : [];
  return items.map((item, n) => {
    const coding = (item?.productOrService?.coding ?? [])[0] ?? (item?.category?.coding ?? [])[0] ?? {};
    return { sequence: Number(item?.sequence ?? n + 1), code: String(coding.code ?? ''), display: String(coding.display ?? item?.productOrService?.text ?? '') };
  });
}

export function serviceSummary(request: Json | undefined): string {
  const lines = services(request);
  if (lines.length === 0) return '—';
  const first = [lines[0]!.code, lines[0]!.display].filter(Boolean).join(' ');
  return lines.length > 1 ? `${first} (+${lines.length - 1} more)` : first;
}

export interface LineDecision {
  sequence: number;
  code?: string;
  meaning?: string;
  next?: string;
  reasons: string[];
  authNumber?: string;
  notes: string[];
  period?: string;
}

function reviewAction(adjudications: Json[] | undefined): Json | undefined {
  for (const adj of adjudications ?? []) for (const ext of adj?.extension ?? []) if (/extension-reviewAction$/.test(String(ext?.url))) return ext;
  return undefined;
}

/** Per response item: the 306 code and meaning, HCR03 reasons, the number, and linked notes. */
export function lineDecisions(response: Json | undefined): LineDecision[] {
  const cr = resources(response)[0];
  if (cr?.resourceType !== 'ClaimResponse') return [];
  const notes = new Map<number, string>((cr.processNote ?? []).map((n: Json) => [Number(n?.number), String(n?.text ?? '')]));
  return (cr.item ?? []).map((item: Json, n: number) => {
    const ra = reviewAction(item?.adjudication);
    const parts: Json[] = ra?.extension ?? [];
    const codings = parts.flatMap((p) => p?.valueCodeableConcept?.coding ?? []);
    const code = codings.find((c: Json) => c?.system === X12_306)?.code as string | undefined;
    const reasons = parts.filter((p) => p?.url === 'reasonCode').flatMap((p) => (p.valueCodeableConcept?.coding ?? []).map((c: Json) => String(c.code)));
    const number = parts.find((p) => p?.url === 'number')?.valueString;
    const period = (item.extension ?? []).find((e: Json) => /itemPreAuthPeriod$/.test(String(e?.url)))?.valuePeriod;
    return {
      sequence: Number(item?.itemSequence ?? n + 1),
      ...(code ? { code, meaning: REVIEW_ACTIONS[code]?.meaning ?? `code ${code}`, next: REVIEW_ACTIONS[code]?.next } : {}),
      reasons,
      ...(number ? { authNumber: String(number) } : {}),
      notes: (item.noteNumber ?? []).map((k: number) => notes.get(Number(k))).filter(Boolean) as string[],
      ...(period?.start ? { period: `${period.start} – ${period.end ?? ''}` } : {}),
    };
  });
}

export interface ResponseError {
  code: string;
  reason: string;
  followUpCode?: string;
  followUp: string;
  /** The X12 loop (AAA position) and the FHIR element it is about. */
  loop?: string;
  path?: string;
}

/** ClaimResponse.error: AAA rejections (901 + 889) and gateway-made 999/TA1 rejections. */
export function responseErrors(response: Json | undefined): ResponseError[] {
  const cr = resources(response)[0];
  if (cr?.resourceType !== 'ClaimResponse') return [];
  return (cr.error ?? []).map((err: Json) => {
    const coding = (err?.code?.coding ?? [])[0] ?? {};
    const code = String(coding.code ?? '');
    const ext: Json[] = err?.extension ?? [];
    const follow = ext.find((e) => /errorFollowupAction$/.test(String(e?.url)))?.valueCodeableConcept?.coding?.find((c: Json) => c?.system === X12_889 || c?.code)?.code;
    const loop = ext.find((e) => /errorElement$/.test(String(e?.url)))?.extension?.find((e: Json) => e?.url === 'error')?.valueString;
    const path = ext.find((e) => /errorPath$/.test(String(e?.url)))?.valueString;
    const reason =
      coding.system === X12_901
        ? (REJECT_REASONS[code] ?? `reject reason ${code}`)
        : coding.system === X12_999
          ? (ACK_REJECTIONS[code] ?? String(err?.code?.text ?? `acknowledgment code ${code}`))
          : String(err?.code?.text ?? coding.display ?? code);
    const followUp = follow ? (FOLLOW_UPS[follow] ?? `follow-up action ${follow}`) : coding.system === X12_999 ? 'Ask support to check the translation; the payer could not read the request.' : 'Review the error, correct the request and resubmit it.';
    return { code, reason, followUp, ...(follow ? { followUpCode: String(follow) } : {}), ...(loop ? { loop: String(loop) } : {}), ...(path ? { path: String(path) } : {}) };
  });
}

export function disposition(response: Json | undefined): string | undefined {
  const cr = resources(response)[0];
  return cr?.resourceType === 'ClaimResponse' && typeof cr.disposition === 'string' ? cr.disposition : undefined;
}
