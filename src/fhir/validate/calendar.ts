/**
 * Calendar days in FHIR `date`, `dateTime` and `instant` values. The R4 formats (and so
 * @medplum/core's validator and the compiled engine, which apply them) allow any day 01–31 in any
 * month: `1980-02-31` and `2026-02-30` pass them, and fail only later, when X12 (DMG02, DTP03) is
 * written. This pass finds them, typed by the FHIR definitions, as `Invalid <type> format` issues
 * would be reported; values that break the format itself are the format check's, not reported here.
 */
import { tryGetDataType, type InternalTypeSchema, type TypedValue } from '@medplum/core';
import type { ValidationIssue } from './types.ts';

const DATED = new Set(['date', 'dateTime', 'instant']);
const YMD = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:$|T)/;

/** Does this date (YYYY-MM-DD, month and day already within 01–12 and 01–31) exist? */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** True when a date-like value names a day that no calendar has (`2026-02-30`); false for any other value. */
export function isImpossibleDay(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = YMD.exec(value);
  return m !== null && !isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

function schemaOf(type: string): InternalTypeSchema | undefined {
  const schema = tryGetDataType(type) as InternalTypeSchema | undefined;
  return schema && typeof schema.elements === 'object' ? schema : undefined;
}

/** The element a JSON key stands for, and the FHIR type its value has: `servicedDate` → `serviced`, `date`. */
function elementOf(schema: InternalTypeSchema, key: string): { name: string; type: string } | undefined {
  // Own keys only: a JSON key named like an Object.prototype member (`constructor`) is no element.
  const own = Object.hasOwn(schema.elements, key) ? schema.elements[key] : undefined;
  if (own && !key.endsWith('[x]')) return own.type.length === 1 ? { name: key, type: own.type[0]!.code } : undefined;
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]')) continue;
    const stem = name.slice(0, -3);
    if (!key.startsWith(stem)) continue;
    const suffix = key.slice(stem.length);
    const type = element.type.find((t) => t.code.charAt(0).toUpperCase() + t.code.slice(1) === suffix);
    if (type) return { name: stem, type: type.code };
  }
  return undefined;
}

/**
 * Every date-like value under `value` (a resource, or a Bundle with its entries and contained
 * resources) whose day does not exist. Expressions follow the validator's (`serviced` for
 * `servicedDate`, FHIRPath's name of a choice element); the value is never quoted.
 * @example impossibleDates({ type: 'Patient', value: { resourceType: 'Patient', birthDate: '1980-02-31' } }, 'Bundle.entry[1].resource')
 * // [{ severity: 'error', code: 'value', expression: 'Bundle.entry[1].resource.birthDate', diagnostics: 'Invalid date: no such day in the calendar (FHIR R4)' }]
 */
export function impossibleDates(value: TypedValue, expression: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visit = (type: string, v: unknown, at: string): void => {
    if (DATED.has(type)) {
      if (isImpossibleDay(v)) issues.push({ severity: 'error', code: 'value', expression: at, diagnostics: `Invalid ${type}: no such day in the calendar (FHIR R4)` });
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
    const o = v as Record<string, unknown>;
    const schema = schemaOf(type === 'Resource' && typeof o.resourceType === 'string' ? o.resourceType : type);
    if (!schema) return;
    for (const [key, child] of Object.entries(o)) {
      if (key === 'resourceType') continue;
      // `_birthDate`: the primitive's id and extensions, an Element beside its value.
      const primitiveElement = key.startsWith('_');
      const element = elementOf(schema, primitiveElement ? key.slice(1) : key);
      if (!element) continue;
      const type = primitiveElement ? 'Element' : element.type;
      const base = `${at}.${element.name}`;
      if (Array.isArray(child)) child.forEach((item, i) => visit(type, item, `${base}[${i}]`));
      else visit(type, child, base);
    }
  };
  visit(value.type, value.value, expression);
  return issues;
}
