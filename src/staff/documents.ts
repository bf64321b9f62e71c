/**
 * The attachable documentation of a held request, as staff see and change it before it is sent:
 * the Claim's supporting information that points at documents in the Bundle. Staff may remove what
 * the gateway attached (documentation pulled from the EHR, or a file a reviewer added) and attach a
 * file as a DocumentReference (the 278 carries it as PWK; a PAS FHIR payer gets it inline).
 * What the provider sent itself is shown but never removed. Pure: Bundle in, Bundle out.
 */
import { attachToBundle } from '../ehr/index.ts';
import type { Bundle, Resource } from '../fhir/bundle.ts';

/** File types a reviewer may attach, and the largest file (the whole request must stay under the body limit). */
export const ATTACHABLE_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'image/tiff', 'text/plain'] as const;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

export interface DocumentEntry {
  fullUrl: string;
  sequence: number;
  resourceType: string;
  description: string;
  /** Attached by the gateway (EHR pull or a reviewer), so a reviewer may remove it. */
  removable: boolean;
}

export interface DocumentEdit {
  /** fullUrls of attached documents to take out. */
  remove: string[];
  add?: { title: string; contentType: string; bytes: Uint8Array };
}

type Json = Record<string, any>;

function describe(r: Json | undefined): string {
  if (!r) return 'missing entry';
  if (r.resourceType === 'DocumentReference') {
    const a = r.content?.[0]?.attachment ?? {};
    return [a.title ?? r.description ?? r.type?.text ?? 'document', a.contentType].filter(Boolean).join(' · ');
  }
  const concept = (r.resourceType === 'MedicationRequest' ? r.medicationCodeableConcept : r.code) ?? {};
  const coding = concept.coding?.[0] ?? {};
  const what = concept.text ?? [coding.code, coding.display].filter(Boolean).join(' ');
  const when = r.onsetDateTime ?? r.recordedDate ?? r.authoredOn ?? r.effectiveDateTime ?? r.performedPeriod?.start ?? r.performedDateTime ?? r.date;
  return [what || r.resourceType, when ? `(${String(when).slice(0, 10)})` : ''].filter(Boolean).join(' ');
}

/** The documents the Claim points at through supportingInfo, in order. */
export function documentsOf(bundle: Bundle | undefined, attached: string[]): DocumentEntry[] {
  const claim = bundle?.entry?.[0]?.resource as Json | undefined;
  const byUrl = new Map((bundle?.entry ?? []).map((e) => [e.fullUrl, e.resource as Json]));
  return ((claim?.supportingInfo ?? []) as Json[])
    .filter((s) => typeof s?.valueReference?.reference === 'string')
    .map((s) => {
      const url = String(s.valueReference.reference);
      const r = byUrl.get(url);
      return { fullUrl: url, sequence: Number(s.sequence ?? 0), resourceType: r?.resourceType ?? '?', description: describe(r), removable: attached.includes(url) };
    });
}

/** Applies an edit; `attached` comes back with removed entries dropped and added ones included. */
export function editDocumentation(bundle: Bundle, attached: string[], edit: DocumentEdit, ids: { newUrl: () => string; now: Date }): { bundle: Bundle; removed: number; added: number; attached: string[] } {
  const remove = new Set(edit.remove.filter((u) => attached.includes(u)));
  let out = structuredClone(bundle);
  const claim = out.entry?.[0]?.resource as Json | undefined;
  if (remove.size) {
    out.entry = (out.entry ?? []).filter((e, i) => i === 0 || !remove.has(e.fullUrl ?? ''));
    if (claim) claim.supportingInfo = ((claim.supportingInfo ?? []) as Json[]).filter((s) => !remove.has(String(s?.valueReference?.reference ?? '')));
  }
  let next = attached.filter((u) => !remove.has(u));
  let added = 0;
  if (edit.add) {
    const url = ids.newUrl();
    const id = url.replace(/^urn:uuid:/, '');
    const doc = {
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      // LOINC 34109-9 Note: a document whose kind the reviewer gives in its title.
      type: { coding: [{ system: 'http://loinc.org', code: '34109-9', display: 'Note' }], text: edit.add.title },
      ...(claim?.patient ? { subject: claim.patient } : {}),
      date: ids.now.toISOString(),
      description: edit.add.title,
      content: [{ attachment: { contentType: edit.add.contentType, data: Buffer.from(edit.add.bytes).toString('base64'), title: edit.add.title, size: edit.add.bytes.byteLength } }],
    } as unknown as Resource;
    const before = new Set((out.entry ?? []).map((e) => e.fullUrl));
    out = attachToBundle(out, [doc], { ids: () => id });
    const fresh = (out.entry ?? []).map((e) => e.fullUrl).filter((u): u is string => Boolean(u) && !before.has(u));
    next = [...next, ...fresh];
    added = fresh.length;
  }
  return { bundle: out, removed: remove.size, added, attached: next };
}
