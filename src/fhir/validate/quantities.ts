/**
 * PAS 2.2.1 Quantity data type rules that have no FHIRPath in the profile (so no validator checks
 * them from the StructureDefinition): prof-2 "Quantities SHALL have a value and either a unit or a
 * code", prof-3 "If a quantity code is present, it SHALL use the X12 quantity units" (element 673).
 * They bind where PAS applies its Quantity profile: Claim.item.quantity, ServiceRequest.quantity,
 * ClaimResponse.addItem.quantity and the quantity of itemAuthorizedDetail.
 */
import { isObject, type FoundEntry } from '../bundle.ts';
import type { IssueSeverity, ValidationIssue } from './types.ts';

export const X12_QUANTITY_UNITS = 'https://codesystem.x12.org/005010/673';
const AUTHORIZED_DETAIL = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemAuthorizedDetail';

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The profiled quantities of one resource, with their expressions. */
function quantitiesOf(entry: FoundEntry): { at: string; value: unknown }[] {
  const r = entry.resource;
  const base = `Bundle.entry[${entry.index}].resource`;
  switch (r.resourceType) {
    case 'Claim':
      return list(r['item']).flatMap((item, i) => (item['quantity'] !== undefined ? [{ at: `${base}.item[${i}].quantity`, value: item['quantity'] }] : []));
    case 'ServiceRequest':
      return r['quantityQuantity'] !== undefined ? [{ at: `${base}.quantityQuantity`, value: r['quantityQuantity'] }] : [];
    case 'ClaimResponse':
      return [
        ...list(r['addItem']).flatMap((a, i) => (a['quantity'] !== undefined ? [{ at: `${base}.addItem[${i}].quantity`, value: a['quantity'] }] : [])),
        ...list(r['item']).flatMap((item, i) =>
          list(item['extension']).flatMap((ext, j) =>
            ext['url'] !== AUTHORIZED_DETAIL
              ? []
              : list(ext['extension']).flatMap((sub, k) =>
                  sub['url'] === 'quantity' ? [{ at: `${base}.item[${i}].extension[${j}].extension[${k}].valueQuantity`, value: sub['valueQuantity'] }] : [],
                ),
          ),
        ),
      ];
    default:
      return [];
  }
}

/**
 * prof-2 and prof-3 over every profiled quantity of the Bundle's resources.
 * @param severityOf errors for what we author (a response's ClaimResponse), warnings for what
 *   providers send us — also where a response quotes the provider's resources back as received
 */
export function quantityIssues(entries: FoundEntry[], severityOf: (entry: FoundEntry) => IssueSeverity): ValidationIssue[] {
  return entries.flatMap((entry) =>
    quantitiesOf(entry).flatMap(({ at, value }): ValidationIssue[] => {
      const severity = severityOf(entry);
      if (!isObject(value)) return [];
      const issues: ValidationIssue[] = [];
      const hasValue = typeof value['value'] === 'number';
      const hasUnit = typeof value['unit'] === 'string' && value['unit'] !== '';
      const hasCode = typeof value['code'] === 'string' && value['code'] !== '';
      if (!hasValue || !(hasUnit || hasCode)) {
        issues.push({ severity, code: 'invariant', expression: at, diagnostics: 'prof-2: a PAS Quantity needs a value and either a unit or a code' });
      }
      if (hasCode && value['system'] !== X12_QUANTITY_UNITS) {
        issues.push({ severity, code: 'invariant', expression: at, diagnostics: `prof-3: a PAS Quantity code must come from the X12 quantity units (${X12_QUANTITY_UNITS})` });
      }
      return issues;
    }),
  );
}
