/** Reading a FHIR JSON request body, with OperationOutcome errors that say what is wrong. */
import type { Context } from 'hono';
import { AppError } from '../../http/errors.ts';

const FHIR_TYPES = /^application\/(fhir\+)?json\b/;

/** Parses the body as JSON; accepts a bare resource or a Parameters with a `resource` parameter. */
export async function readResourceBody(c: Context, expectedType: string): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!FHIR_TYPES.test(type)) throw new AppError('unsupported_media', 'send application/fhir+json');
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new AppError('invalid', 'the body is not valid JSON', expectedType);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid', `the body must be a ${expectedType} resource`, expectedType);
  }
  const r = body as Record<string, unknown>;
  if (r.resourceType === 'Parameters' && Array.isArray(r.parameter)) {
    const p = (r.parameter as { name?: string; resource?: Record<string, unknown> }[]).find((x) => x.resource);
    if (p?.resource) return p.resource;
  }
  if (r.resourceType !== expectedType) {
    throw new AppError('invalid', `expected a ${expectedType}, got ${typeof r.resourceType === 'string' ? r.resourceType : 'no resourceType'}`, `${expectedType}.resourceType`);
  }
  return r;
}
