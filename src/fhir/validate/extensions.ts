/**
 * What the HL7 FHIR validator checks about extensions beyond their own profile, and @medplum/core
 * does not: a complex extension's sub-extensions must be ones its StructureDefinition defines
 * ("Sub-extension url 'code' is not defined by the Extension reviewAction"), and an extension may
 * only be used where its `context` allows.
 *
 * A few PAS 2.2.1 profiles place extensions where the extension's own `context` does not list
 * (e.g. PAS Claim Response slices `extension:authorizedProvider` on `ClaimResponse`, but
 * extension-itemAuthorizedProvider's context is `ClaimResponse.item`). These are defects of the IG,
 * not of the instance: they are reported as warnings naming the defect, as the Inferno PAS test kit
 * suppresses them (`validator_suppressions.rb`). Likewise a complex PAS extension may define a
 * sub-extension by another extension's profile whose own context does not name that spot
 * (itemAuthorizedDetail's `revenue` is extension-revenueCode, context ClaimResponse.addItem only):
 * the parent's definition allows it there. Every other misplaced extension is an error.
 */
import { isDataTypeLoaded, isResourceType } from '@medplum/core';
import { isObject } from '../bundle.ts';
import { unversioned } from './definitions.ts';
import type { Located } from './scan.ts';
import type { StructureDefinition, ValidationIssue } from './types.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

/** Where a PAS profile puts an extension outside that extension's declared context. */
export const IG_CONTEXT_DEFECTS: { url: string; at: string; why: string }[] = [
  { url: `${PAS}extension-itemAuthorizedProvider`, at: 'ClaimResponse', why: 'PAS Claim Response slices ClaimResponse.extension:authorizedProvider (must-support); the extension lists ClaimResponse.item only' },
  { url: `${PAS}extension-revenueUnitRateLimit`, at: 'ClaimResponse.addItem', why: 'PAS Claim Response slices addItem.extension:revenueUnitRateLimit (must-support); the extension lists Claim.item and ClaimResponse' },
  { url: `${PAS}extension-serviceItemRequestType`, at: 'ClaimResponse.addItem', why: 'PAS Claim Response slices addItem.extension:requestType (must-support); the extension lists Claim.item' },
  { url: `${PAS}extension-certificationType`, at: 'ClaimResponse.addItem', why: 'PAS Claim Response slices addItem.extension:certificationType (must-support); the extension lists Claim and Claim.item' },
  { url: `${PAS}extension-productOrServiceCodeEnd`, at: 'ClaimResponse.addItem', why: 'PAS Claim Response slices addItem.extension:productOrServiceCodeEnd (must-support); the extension lists Claim.item and ClaimResponse' },
  { url: `${PAS}extension-productOrServiceCodeEnd`, at: 'ServiceRequest', why: 'PAS ServiceRequest marks it must-support; the extension lists Claim.item and ClaimResponse' },
  { url: `${PAS}extension-communicatedDiagnosis`, at: 'ClaimResponse.item', why: 'PAS Claim Response slices item.extension:communicatedDiagnosis (must-support); the extension lists Claim.item and CommunicationRequest.payload' },
  { url: `${PAS}extension-authorizationNumber`, at: 'Claim', why: 'PAS Claim Base slices Claim.extension:authorizationNumber (must-support); the extension lists item levels only' },
  { url: `${PAS}extension-administrationReferenceNumber`, at: 'Claim', why: 'PAS Claim Base slices Claim.extension:administrationReferenceNumber (must-support); the extension lists item levels only' },
  { url: `${PAS}extension-infoChanged`, at: 'Claim.supportingInfo', why: 'PAS Claim Base marks it must-support on supportingInfo; the extension lists Claim.item only' },
  { url: `${PAS}modifierextension-infoCancelled`, at: 'Claim.supportingInfo', why: 'PAS Claim Base marks it must-support on supportingInfo; the extension lists Claim.item only' },
];

/** Context expressions that match wherever an extension may sit at all. */
const ANYWHERE = new Set(['Element', 'Resource', 'DomainResource', 'BackboneElement']);

/** The urls a complex extension's sub-extensions may have; `undefined` for a simple extension. */
export function subExtensionUrls(sd: StructureDefinition): Set<string> | undefined {
  const elements = sd.snapshot?.element ?? [];
  const slices = elements.filter((e) => /^Extension\.extension:[^.]+$/.test(e.id));
  if (slices.length === 0) return undefined;
  const urls = new Set<string>();
  for (const slice of slices) {
    const fixed = elements.find((e) => e.id === `${slice.id}.url`)?.['fixedUri'];
    if (typeof fixed === 'string') urls.add(fixed);
    for (const t of slice.type ?? []) for (const p of t.profile ?? []) urls.add(unversioned(p));
  }
  return urls;
}

/** True when a context expression names something we can recognise (resource, data type, path in one). */
function decidable(expression: string): boolean {
  const head = expression.split('.')[0] ?? '';
  return ANYWHERE.has(expression) || isResourceType(head) || isDataTypeLoaded(head);
}

function contextAllows(sd: StructureDefinition, holder: { path: string; type: string }): boolean | undefined {
  const contexts = ((sd['context'] ?? []) as { type?: string; expression?: string }[]).filter((c) => c.type === 'element' && c.expression);
  if (contexts.length === 0 || contexts.some((c) => !decidable(c.expression!))) return undefined;
  return contexts.some(({ expression }) => ANYWHERE.has(expression!) || expression === holder.path || expression === holder.type);
}

/**
 * Sub-extension and context checks for one PAS extension found in an instance.
 * @param found the extension, as located by `scanResource`
 */
export function extensionIssues(sd: StructureDefinition, found: Located, definitionOf: (url: string) => StructureDefinition | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const value = found.value.value;
  const name = sd.name;
  const allowed = subExtensionUrls(sd);
  const subs = isObject(value) && Array.isArray(value.extension) ? value.extension : [];
  if (allowed) {
    subs.forEach((sub: unknown, i: number) => {
      const url = isObject(sub) && typeof sub.url === 'string' ? sub.url : undefined;
      if (url !== undefined && !allowed.has(unversioned(url))) {
        // The url is a definition's name, not the sender's data: safe to quote.
        issues.push({ severity: 'error', code: 'structure', expression: `${found.expression}.extension[${i}]`, diagnostics: `Sub-extension url '${url}' is not defined by the Extension ${name}` });
      }
    });
  }
  if (found.holder && contextAllows(sd, found.holder) === false) {
    const url = unversioned(sd.url);
    const parent = found.holder.url ? definitionOf(unversioned(found.holder.url)) : undefined;
    const nested = parent && subExtensionUrls(parent)?.has(url) ? { why: `${parent.name} defines it as a sub-extension; its own context omits that place` } : undefined;
    const defect = nested ?? IG_CONTEXT_DEFECTS.find((d) => d.url === url && d.at === found.holder!.path);
    issues.push(
      defect
        ? { severity: 'warning', code: 'business-rule', expression: found.expression, diagnostics: `Extension ${name} is used at ${found.holder.path} as the PAS profile requires, outside its declared context (IG defect: ${defect.why})` }
        : { severity: 'error', code: 'structure', expression: found.expression, diagnostics: `Extension ${name} is not allowed at ${found.holder.path} (its context: ${contextList(sd)})` },
    );
  }
  return issues;
}

function contextList(sd: StructureDefinition): string {
  return ((sd['context'] ?? []) as { expression?: string }[]).map((c) => c.expression).join(', ');
}
