/**
 * PAS update and cancel Bundles built from the Bundle they revise, as a provider system writes them
 * (PAS spec-65..71): the new Claim (profile claim-update) first, `related.claim` → the prior Claim,
 * which travels in the Bundle too; items added or changed carry infoChanged, cancelled items the
 * infoCancelled modifier extension and certificationType 3; a whole-request cancel carries
 * certificationType 3 on the Claim.
 */
const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';
const CERT = (code: string) => ({ url: `${PAS}extension-certificationType`, valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code }] } });

export interface RevisionOptions {
  /** Bundle.identifier value and a suffix for the new Claim's id and identifier. */
  tag: string;
  /** Items to add (full Claim items; sequences must be new). */
  add?: any[];
  /** Sequences of items changed (the change is up to `change`). */
  change?: { sequence: number; apply: (item: any) => void }[];
  /** Sequences of items cancelled. */
  cancelItems?: number[];
  /** Cancel the whole request. */
  cancelAll?: boolean;
}

export function revisionOf(prior: any, o: RevisionOptions): any {
  const b = structuredClone(prior);
  const priorEntry = structuredClone(prior.entry[0]);
  const claim = b.entry[0].resource;
  const base = priorEntry.fullUrl.replace(/Claim\/[^/]+$/, '');
  claim.id = `${String(priorEntry.resource.id ?? 'claim').slice(0, 40)}-${o.tag}`.slice(0, 64);
  b.entry[0].fullUrl = priorEntry.fullUrl.startsWith('urn:uuid:') ? `urn:uuid:${crypto.randomUUID()}` : `${base}Claim/${claim.id}`;
  b.identifier = { ...(b.identifier ?? { system: 'urn:test' }), value: `${prior.identifier?.value ?? 'b'}-${o.tag}` };
  claim.identifier = (claim.identifier ?? []).map((i: any) => ({ ...i, value: `${i.value}${o.tag}`.replace(/[^0-9A-Za-z-]/g, '').slice(0, 50) }));
  claim.meta = { ...(claim.meta ?? {}), profile: [`${PAS}profile-claim-update`] };
  claim.related = [{ claim: { reference: priorEntry.fullUrl.startsWith('urn:') ? priorEntry.fullUrl : `Claim/${priorEntry.resource.id}` }, relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship', code: 'prior' }] } }];
  // PAS spec-65/66: the prior Claim travels in the Bundle; the one it revised (the grandparent) does not.
  b.entry = b.entry.filter((e: any, i: number) => i === 0 || e.resource.resourceType !== 'Claim');
  b.entry.splice(1, 0, priorEntry);
  const changed = { url: `${PAS}extension-infoChanged`, valueCode: 'changed' };
  const added = { url: `${PAS}extension-infoChanged`, valueCode: 'added' };
  for (const c of o.change ?? []) {
    const item = claim.item.find((i: any) => i.sequence === c.sequence);
    c.apply(item);
    item.extension = [...(item.extension ?? []).filter((e: any) => e.url !== changed.url), changed];
  }
  for (const s of o.cancelItems ?? []) {
    const item = claim.item.find((i: any) => i.sequence === s);
    item.extension = [...(item.extension ?? []).filter((e: any) => e.url !== changed.url && e.url !== `${PAS}extension-certificationType`), changed, CERT('3')];
    item.modifierExtension = [{ url: `${PAS}modifierextension-infoCancelled`, valueBoolean: true }];
  }
  for (const item of o.add ?? []) claim.item.push({ ...item, extension: [...(item.extension ?? []), added] });
  if (o.cancelAll) claim.extension = [...(claim.extension ?? []).filter((e: any) => e.url !== `${PAS}extension-certificationType`), CERT('3')];
  return b;
}
