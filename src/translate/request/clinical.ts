/**
 * Clinical segments of the 278 request: HI diagnoses, CRC condition codes, CL1 institutional
 * admission, CR6 home health, PWK attachments, MSG free text (2000E, and PWK/MSG also in 2000F).
 */
import type { Segment } from '../../x12/types.ts';
import type { ClaimSupportingInfo, Extension, Resource } from '../fhir-types.ts';
import { codeOf, codingOf, ext, exts, type BundleIndex } from '../bundle-index.ts';
import { DIAGNOSIS_QUALIFIER, MAX_DIAGNOSES } from '../codes/service.ts';
import { CS, EXT } from '../codes/systems.ts';
import { fit } from '../errors.ts';
import { d8, seg } from '../x12-util.ts';
import type { RequestContext } from './context.ts';
import { cut } from './parties.ts';

type DiagnosisRole = 'principal' | 'admitting' | 'patientreasonforvisit' | 'other';

/**
 * 2000E HI: one composite per diagnosis, `<qualifier>:<code without dot>[:D8:<recorded date>]`
 * (HIxx-3/4 carry the PAS diagnosisRecordedDate). The diagnosis typed principal comes first
 * (ABK); without types, the first diagnosis is principal and the rest are other (ABF).
 */
export function hiSegment(ctx: RequestContext): Segment[] {
  const diagnoses = [...(ctx.claim.diagnosis ?? [])].sort((a, b) => a.sequence - b.sequence);
  if (diagnoses.length === 0) return [];
  const roleOf = (d: (typeof diagnoses)[number]): DiagnosisRole | undefined => {
    const code = (d.type ?? []).map((t) => codeOf(t, CS.pasTemp) ?? codeOf(t)).find(Boolean);
    return code === 'principal' || code === 'admitting' || code === 'patientreasonforvisit' ? code : undefined;
  };
  const hasPrincipal = diagnoses.some((d) => roleOf(d) === 'principal');
  const ordered = hasPrincipal ? [...diagnoses.filter((d) => roleOf(d) === 'principal'), ...diagnoses.filter((d) => roleOf(d) !== 'principal')] : diagnoses;
  if (ordered.length > MAX_DIAGNOSES) {
    ctx.warn.add('limit-exceeded', `only the first ${MAX_DIAGNOSES} diagnoses fit in HI`, `${ctx.claimPath}.diagnosis`);
  }
  const composites: string[][] = [];
  ordered.slice(0, MAX_DIAGNOSES).forEach((d, i) => {
    const coding = codingOf(d.diagnosisCodeableConcept);
    const table = coding?.system ? DIAGNOSIS_QUALIFIER[coding.system] : undefined;
    const where = `${ctx.claimPath}.diagnosis[${(ctx.claim.diagnosis ?? []).indexOf(d)}]`;
    if (!coding || !table) {
      ctx.warn.add('unmapped-code', 'diagnosis code system has no HI qualifier', where);
      return;
    }
    const role = roleOf(d) ?? (!hasPrincipal && i === 0 ? 'principal' : 'other');
    const recorded = d8(ext(d, EXT.diagnosisRecordedDate)?.valueDate);
    composites.push([table[role], coding.code.replace(/\./g, ''), ...(recorded ? ['D8', recorded] : [])]);
  });
  return composites.length > 0 ? [seg('HI', ...composites)] : [];
}

/** 2000E CRC from each PAS conditionCode: CRC01 category, CRC02 Y/N, CRC03–CRC07 condition codes. */
export function crcSegments(ctx: RequestContext): Segment[] {
  return exts(ctx.claim, EXT.conditionCode).map((c) => {
    const part = (url: string): Extension[] => exts(c, url);
    const category = codeOf(part('category')[0]?.valueCodeableConcept);
    const indicator = part('indicator')[0]?.valueBoolean;
    const codes = part('code').map((e) => codeOf(e.valueCodeableConcept) ?? '').slice(0, 5);
    return seg('CRC', category, indicator === undefined ? undefined : indicator ? 'Y' : 'N', ...codes);
  });
}

/**
 * 2000E CL1 for an institutional admission, from the Claim's encounter: CL101 admission type
 * (Encounter.type, NUBC priority), CL102 admission source (hospitalization.admitSource, NUBC point
 * of origin), CL103 patient status (PAS patientStatus extension).
 */
export function cl1Segment(ctx: RequestContext): Segment[] {
  if (codeOf(ctx.claim.type, CS.claimType) !== 'institutional') return [];
  const encounter = ctx.index.resolve(ext(ctx.claim, EXT.claimEncounter)?.valueReference)?.resource;
  if (!encounter) return [];
  const types = (encounter['type'] as { coding?: { system?: string; code?: string }[] }[] | undefined) ?? [];
  const admitType = types.map((t) => codeOf(t, CS.admitType)).find(Boolean);
  const hospitalization = encounter['hospitalization'] as { admitSource?: { coding?: { system?: string; code?: string }[] } } | undefined;
  const admitSource = codeOf(hospitalization?.admitSource, CS.admitSource);
  const status = codeOf(ext(encounter, EXT.patientStatus)?.valueCodeableConcept);
  if (!admitType && !admitSource && !status) return [];
  return [seg('CL1', admitType, admitSource, status)];
}

/** 2000E CR6 home health care: CR601 prognosis (element 923), CR602 start of care date. */
export function cr6Segment(ctx: RequestContext): Segment[] {
  const hh = ext(ctx.claim, EXT.homeHealthCareInformation);
  if (!hh) return [];
  const prognosis = codeOf(ext(hh, 'prognosis')?.valueCodeableConcept);
  const date = d8(ext(hh, 'date')?.valueDate);
  return [seg('CR6', prognosis, date)];
}

function isCancelledInfo(info: ClaimSupportingInfo): boolean {
  return ext({ extension: info.modifierExtension ?? [] }, EXT.infoCancelled)?.valueBoolean === true;
}

/** Live (not cancelled) supportingInfo entries of a PAS category. */
export function infosOf(ctx: RequestContext, category: string, sequences?: number[]): ClaimSupportingInfo[] {
  return (ctx.claim.supportingInfo ?? []).filter(
    (s) => codeOf(s.category, CS.pasTemp) === category && !isCancelledInfo(s) && (!sequences || sequences.includes(s.sequence)),
  );
}

/** PWK02 (element 756) a payer's document route implies when a document was to go electronically. */
export const PWK02_BY_ROUTE: Readonly<Record<string, string>> = { 'x12-275': 'EL', fax: 'FX', mail: 'BM', email: 'EM', portal: 'FT', none: 'AA' };

/**
 * PWK for each additionalInformation entry: PWK01 report type, PWK02 transmission code, PWK05 AC
 * (attachment control number), PWK06 control number, PWK07 description — all from the PAS
 * documentInformation extension. A document without it is sent as OZ (support data) / EL. When
 * the payer takes no X12 275, an electronic (EL) promise becomes the payer's route (FX, BM, EM, FT,
 * or AA: available on request), so the 278 never promises what will not come.
 */
export function pwkSegments(ctx: RequestContext, infos: ClaimSupportingInfo[]): Segment[] {
  return infos.map((info) => {
    const doc = ext(info, EXT.documentInformation);
    const where = `${ctx.claimPath}.supportingInfo[${(ctx.claim.supportingInfo ?? []).indexOf(info)}]`;
    if (!doc) ctx.warn.add('missing-element', 'additionalInformation without documentInformation: sent as PWK*OZ*EL', where);
    const report = codeOf(ext(doc, 'reportTypeCode')?.valueCodeableConcept) ?? 'OZ';
    const asked = codeOf(ext(doc, 'transmissionMethod')?.valueCodeableConcept) ?? 'EL';
    const transmission = asked === 'EL' && ctx.attachmentRoute ? PWK02_BY_ROUTE[ctx.attachmentRoute]! : asked;
    if (transmission !== asked) {
      ctx.warn.add('unmapped-code', `this payer takes no X12 275: the document is announced as PWK02 ${transmission} instead of EL`, where);
    }
    const control = fit('PWK06', 80, attachmentControlNumber(ctx.index, ctx.trace, info), `${where}.extension`);
    const description = cut(ext(doc, 'description')?.valueString, 80, ctx.warn, `${where}.extension`);
    return seg('PWK', report, transmission, '', '', control ? 'AC' : '', control, description);
  });
}

/**
 * PWK06 attachment control number of a document: the PAS documentInformation controlNumber, else
 * the referenced DocumentReference's identifier, else `<2000E trace>-<supportingInfo sequence>`
 * (the 275 that carries the document quotes the same number in TRN02).
 */
export function attachmentControlNumber(index: BundleIndex, trace: string, info: ClaimSupportingInfo): string {
  const given = ext(ext(info, EXT.documentInformation), 'controlNumber')?.valueString;
  if (given) return given;
  const doc: Resource | undefined = index.resolve(info.valueReference)?.resource;
  const id = doc?.identifier?.find((i) => i.value)?.value;
  if (id) return id;
  const suffix = `-${info.sequence}`;
  return `${trace.slice(0, 80 - suffix.length)}${suffix}`;
}

/**
 * The attachment control number of the whole PAS request Bundle sent as a 275 (spec-28): the 2000E
 * trace with `-PAS`, within TRN02's 50 characters. A document's number ends in its sequence number
 * when the request gives none, so the two cannot meet.
 */
export function bundleControlNumber(trace: string): string {
  return `${trace.slice(0, 46)}-PAS`;
}

/** 2000E PWK repeats at most 10 times (005010X217). */
const EVENT_PWK_MAX = 10;

/**
 * The PWK announcing the whole PAS Bundle's 275, after the documents' PWKs (`pwks`), when the payer
 * wants it announced and the loop has room (a warning otherwise: the 275 still goes).
 */
export function bundlePwk(ctx: RequestContext, pwks: Segment[]): Segment[] {
  if (!ctx.announceBundle) return [];
  if (pwks.length >= EVENT_PWK_MAX) {
    ctx.warn.add('limit-exceeded', `the 278 has ${EVENT_PWK_MAX} PWK already: the PAS Bundle's 275 is not announced in it`, `${ctx.claimPath}.supportingInfo`);
    return [];
  }
  return [seg('PWK', 'OZ', 'EL', '', '', 'AC', bundleControlNumber(ctx.trace), 'PAS request Bundle')];
}

/** MSG*<text> for each freeFormMessage (MSG01 holds at most 264 characters). */
export function msgSegments(ctx: RequestContext, infos: ClaimSupportingInfo[]): Segment[] {
  return infos.flatMap((info) => {
    const text = info.valueString;
    if (!text) return [];
    if (text.length > 264) ctx.warn.add('truncated', 'free-form message longer than 264 characters was shortened', `${ctx.claimPath}.supportingInfo`);
    return [seg('MSG', text.slice(0, 264))];
  });
}
