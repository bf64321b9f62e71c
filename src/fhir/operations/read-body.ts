/** Reading a FHIR JSON request body, with OperationOutcome errors that say what is wrong. */
import type { Context } from 'hono';
import { AppError } from '../../http/errors.ts';

const FHIR_TYPES = /^application\/(fhir\+)?json\b/;

/** Deeper nesting than any FHIR resource needs: a parser bomb, refused before it reaches a validator. */
export const MAX_JSON_DEPTH = 64;
/** More entries than any PAS or eligibility Bundle needs. */
export const MAX_BUNDLE_ENTRIES = 1000;

function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Parses the body as JSON; accepts a bare resource or a Parameters with a `resource` parameter. */
export async function readResourceBody(c: Context, expectedType: string): Promise<Record<string, unknown>> {
  return (await readResourceBodyWithText(c, expectedType)).resource;
}

/**
 * `readResourceBody`, also handing back the received JSON text when the body is the resource itself
 * (not wrapped in Parameters): the body is parsed once, and what is stored is what was received.
 */
export async function readResourceBodyWithText(c: Context, expectedType: string): Promise<{ resource: Record<string, unknown>; text?: string }> {
  const type = c.req.header('content-type') ?? '';
  if (!FHIR_TYPES.test(type)) throw new AppError('unsupported_media', 'send application/fhir+json');
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('invalid', 'the body is not valid JSON', expectedType);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid', `the body must be a ${expectedType} resource`, expectedType);
  }
  if (depthOf(body) > MAX_JSON_DEPTH) throw new AppError('too_large', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, expectedType);
  let r = body as Record<string, unknown>;
  const wrapped = r.resourceType === 'Parameters';
  if (wrapped) {
    // The PAS OperationDefinitions (Claim-submit, Claim-inquiry) name their one input `resource`.
    const params = Array.isArray(r.parameter) ? (r.parameter as { name?: unknown; resource?: Record<string, unknown> }[]) : [];
    const unknown = params.findIndex((x) => x?.name !== 'resource');
    if (unknown >= 0) throw new AppError('invalid', 'the operation takes one parameter, named resource', `Parameters.parameter[${unknown}].name`);
    if (params.length !== 1 || typeof params[0]?.resource !== 'object' || params[0].resource === null) {
      throw new AppError('invalid', `expected exactly one parameter named resource holding a ${expectedType}`, 'Parameters.parameter');
    }
    r = params[0].resource;
  }
  if (Array.isArray(r.entry) && r.entry.length > MAX_BUNDLE_ENTRIES) {
    throw new AppError('too_large', `a Bundle may carry at most ${MAX_BUNDLE_ENTRIES} entries`, 'Bundle.entry');
  }
  if (r.resourceType !== expectedType) {
    throw new AppError('invalid', `expected a ${expectedType}, got ${typeof r.resourceType === 'string' ? r.resourceType : 'no resourceType'}`, `${expectedType}.resourceType`);
  }
  return wrapped ? { resource: r } : { resource: r, text };
}
