/**
 * The compiled FHIRPath (closures built from @medplum/core's parse tree) must evaluate every
 * invariant of the FHIR R4 and PAS definitions exactly as @medplum/core's interpreter does: same
 * result collection, or an error in both. Contexts are real values of the invariant's type taken
 * from the PAS documents, and the same values with each of their elements removed in turn.
 */
import { crawlTypedValue, evalFhirPathTyped, getAllDataTypes, parseFhirPath, parseStructureDefinition, toTypedValue, UCUM, type InternalTypeSchema, type TypedValue } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileExpression, interpretedExpressions } from '../../src/fhir/validate/compiled/fhirpath.ts';
import { loadDefinitions } from '../../src/fhir/validate/definitions.ts';
import { preloadPasDefinitions } from '../../src/fhir/validate/index.ts';
import { pasDocuments } from './helpers/pas-documents.ts';

interface Invariant {
  key: string;
  expression: string;
  types: string[];
}

/**
 * Every error invariant of the R4 types and resources and of the PAS profiles, with the types of
 * the values it is checked on, read from @medplum/core's index of the same definitions.
 */
function invariants(): Invariant[] {
  const byExpression = new Map<string, Invariant>();
  const add = (constraints: InternalTypeSchema['constraints'], types: string[]): void => {
    for (const c of constraints ?? []) {
      if (c.severity !== 'error' || !c.expression) continue;
      const found = byExpression.get(c.expression) ?? { key: c.key, expression: c.expression, types: [] };
      for (const t of types) if (!found.types.includes(t)) found.types.push(t);
      byExpression.set(c.expression, found);
    }
  };
  const schemas: InternalTypeSchema[] = Object.values(getAllDataTypes());
  for (const sd of loadDefinitions().profiles.values()) schemas.push(parseStructureDefinition(sd as never));
  for (const schema of schemas) {
    add(schema.constraints, [schema.type]);
    for (const element of Object.values(schema.elements)) add(element.constraints, element.type.map((t) => t.code));
  }
  return [...byExpression.values()];
}

/** Typed values found in the PAS documents, by type (a few of each). */
function contexts(): Map<string, TypedValue[]> {
  const byType = new Map<string, TypedValue[]>();
  const add = (tv: TypedValue): void => {
    const list = byType.get(tv.type) ?? [];
    if (list.length < 5) list.push({ type: tv.type, value: tv.value });
    byType.set(tv.type, list);
  };
  for (const { value } of pasDocuments().documents) {
    const root = toTypedValue(value);
    add(root);
    try {
      crawlTypedValue(root, {
        visitProperty: (_p, _k, _path, values) => {
          for (const v of values.flat()) if (v.value !== undefined) add(v);
        },
      });
    } catch {
      // documents with types @medplum/core does not know
    }
  }
  return byType;
}

/** The value, and the value with each of its own elements removed. */
function variants(tv: TypedValue): TypedValue[] {
  const out = [tv];
  if (typeof tv.value === 'object' && tv.value !== null && !Array.isArray(tv.value)) {
    for (const key of Object.keys(tv.value)) {
      const copy = { ...(tv.value as Record<string, unknown>) };
      delete copy[key];
      out.push({ type: tv.type, value: copy });
    }
    out.push({ type: tv.type, value: {} });
  }
  return out;
}

function outcome(run: () => TypedValue[]): string {
  try {
    return JSON.stringify(run().map((v) => [v.type, v.value]));
  } catch {
    return 'error';
  }
}

beforeAll(() => preloadPasDefinitions());

describe('compiled FHIRPath', () => {
  it('evaluates every R4 and PAS invariant as @medplum/core does, on real values and their variants', () => {
    const byType = contexts();
    const differences: string[] = [];
    let evaluations = 0;
    for (const inv of invariants()) {
      const compiled = compileExpression(inv.expression);
      const ast = parseFhirPath(inv.expression);
      for (const type of inv.types) {
        for (const base of byType.get(type) ?? [{ type, value: {} }]) {
          for (const tv of variants(base)) {
            const variables: Record<string, TypedValue> = { '%context': tv, '%ucum': toTypedValue(UCUM) };
            if (typeof tv.value === 'object' && tv.value !== null && 'resourceType' in tv.value) {
              variables['%resource'] = tv;
              variables['%rootResource'] = tv;
            }
            evaluations++;
            const ours = outcome(() => compiled.evaluate([tv], variables));
            const theirs = outcome(() => evalFhirPathTyped(ast, [tv], variables));
            if (ours !== theirs) differences.push(`${inv.key} on ${type} ${JSON.stringify(tv.value).slice(0, 120)}: ${ours} ≠ ${theirs}`);
          }
        }
      }
    }
    expect(differences.slice(0, 20), `${differences.length} differences`).toEqual([]);
    console.log(`compiled FHIRPath: ${evaluations} evaluations`);
    expect(evaluations).toBeGreaterThan(1000);
  });

  it('compiles all but the expressions that need what it does not implement (those use the interpreter)', () => {
    for (const inv of invariants()) compileExpression(inv.expression);
    const interpreted = interpretedExpressions();
    // children(), descendants(), resolve(), memberOf(), combine(), intersect(), replaceMatches(), conformsTo() …
    for (const expression of interpreted) expect(expression).toMatch(/children\(|descendants\(|resolve\(|memberOf\(|combine\(|intersect\(|replaceMatches\(|conformsTo\(|repeat\(|aggregate\(/);
    console.log(`interpreted: ${interpreted.join(" ; ")}`);
    expect(interpreted.length).toBeLessThan(25);
  });
});
