/**
 * Reading a FHIR JSON request body, with OperationOutcome errors that say what is wrong. The cheap
 * limits come first and apply to what is actually processed (a Bundle wrapped in a Parameters is
 * counted like a bare one): nesting depth and number of values on the text, before it is parsed;
 * then every string and array (text-check.ts), Bundle entries, the resource type. Only a body
 * within all of them reaches a validator.
 */
import type { Context } from 'hono';
import { AppError, IssuesError } from '../../errors/index.ts';
import { scanJson } from './json-scan.ts';
import { checkText } from './text-check.ts';
import { requestText } from '../../http/body.ts';

const FHIR_TYPES = /^application\/(fhir\+)?json\b/;

/** Deeper nesting than any FHIR resource needs: a parser bomb, refused before it reaches a validator. */
export const MAX_JSON_DEPTH = 64;
/** More entries than any PAS or eligibility Bundle needs. */
export const MAX_BUNDLE_ENTRIES = 1000;
/** JSON values (objects, arrays, strings, numbers …) in one body: far above a 1,000-entry Bundle's. */
export const MAX_JSON_VALUES = 100_000;
/** Items in any one array (Bundle.entry has its own, equal, limit with its own message). */
export const MAX_ARRAY_ITEMS = 1000;
/** Characters in one string, except base64 `data` and narrative `div` (bounded by the body limit). */
export const MAX_STRING_LENGTH = 65_536;

export interface FhirBody {
  /** The resource to process: the body, or the resource a Parameters carries. */
  resource: Record<string, unknown>;
  /** The body as received. */
  text: string;
  /** Which `Parameters.parameter` carried the resource, when one did. */
  parameterIndex?: number;
  /** JSON values in the body (a measure of the work its validation takes). */
  values: number;
}

/** Parses the body as JSON; accepts a bare resource or a Parameters with a `resource` parameter. */
export async function readResourceBody(c: Context, expectedType: string): Promise<Record<string, unknown>> {
  return (await readFhirBody(c, expectedType)).resource;
}

/** `readResourceBody` with what the caller needs to hand the body on (to a validation worker). */
export async function readFhirBody(c: Context, expectedType: string): Promise<FhirBody> {
  const type = c.req.header('content-type') ?? '';
  if (!FHIR_TYPES.test(type)) throw new AppError('unsupported_media', 'send application/fhir+json');
  const text = await requestText(c);
  const shape = await scanJson(text, { maxDepth: MAX_JSON_DEPTH, maxValues: MAX_JSON_VALUES });
  // Measured on the text, before any element is known: the issue names none.
  if (shape.exceeded === 'depth') throw new AppError('too_large', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (shape.exceeded === 'values') throw new AppError('too_large', `the body holds more than ${MAX_JSON_VALUES} JSON values`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('invalid', 'the body is not valid JSON', expectedType);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid', `the body must be a ${expectedType} resource`, expectedType);
  }
  const r = body as Record<string, unknown>;
  const root = typeof r.resourceType === 'string' && /^[A-Z][A-Za-z]{1,63}$/.test(r.resourceType) ? r.resourceType : expectedType;
  const problems = checkText(r, root, { maxString: MAX_STRING_LENGTH, maxArray: MAX_ARRAY_ITEMS });
  if (problems.length > 0) {
    const tooLarge = problems.some((p) => p.tooLarge);
    throw new IssuesError(tooLarge ? 'too_large' : 'invalid', problems.filter((p) => p.tooLarge === tooLarge).map(({ tooLarge: _, ...issue }) => issue));
  }
  const { resource, parameterIndex } = unwrap(r, expectedType);
  const where = parameterIndex === undefined ? 'Bundle' : `Parameters.parameter[${parameterIndex}].resource`;
  if (Array.isArray(resource.entry) && resource.entry.length > MAX_BUNDLE_ENTRIES) {
    throw new AppError('too_large', `a Bundle may carry at most ${MAX_BUNDLE_ENTRIES} entries`, `${where}.entry`);
  }
  return { resource, text, parameterIndex, values: shape.values };
}

/** The resource itself, or the first resource a Parameters carries (checked for its type either way). */
function unwrap(r: Record<string, unknown>, expectedType: string): { resource: Record<string, unknown>; parameterIndex?: number } {
  if (r.resourceType === 'Parameters' && expectedType !== 'Parameters' && Array.isArray(r.parameter)) {
    const index = (r.parameter as unknown[]).findIndex((p) => isObject(p) && isObject(p.resource));
    // The PAS OperationDefinitions (Claim-submit, Claim-inquiry) name their one input `resource`.
    const params = r.parameter as unknown[];
    const unknown = params.findIndex((p) => !isObject(p) || p.name !== 'resource');
    if (unknown >= 0) throw new AppError('invalid', 'the operation takes one parameter, named resource', `Parameters.parameter[${unknown}].name`);
    if (params.length !== 1 || index !== 0) {
      throw new AppError('invalid', `expected exactly one parameter named resource holding a ${expectedType}`, 'Parameters.parameter');
    }
    if (index >= 0) {
      const resource = (r.parameter as Record<string, Record<string, unknown>>[])[index]!.resource!;
      if (resource.resourceType !== expectedType) {
        throw new AppError('invalid', `expected a ${expectedType} in the Parameters, got ${describe(resource.resourceType)}`, `Parameters.parameter[${index}].resource.resourceType`);
      }
      return { resource, parameterIndex: index };
    }
  }
  if (r.resourceType !== expectedType) {
    throw new AppError('invalid', `expected a ${expectedType}, got ${describe(r.resourceType)}`, `${expectedType}.resourceType`);
  }
  return { resource: r };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (t: unknown) => (typeof t === 'string' && /^[A-Za-z]{1,64}$/.test(t) ? t : 'no resourceType');
