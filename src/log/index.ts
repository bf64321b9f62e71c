/**
 * The one logger (pino, JSON lines). PHI is redacted inside the logger itself: any property whose
 * key names personal data or a whole payload is replaced, at any depth, before the line is written.
 * Callers log ids (request, payer, control numbers), never payloads; this is the safety net.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line (compared case-insensitively, at any depth). */
const PHI_KEYS = new Set(
  [
    'name', 'given', 'family', 'firstName', 'lastName', 'first_name', 'last_name', 'patientName',
    'birthDate', 'birth_date', 'dob', 'memberId', 'member_id', 'subscriberId', 'ssn',
    'address', 'line', 'city', 'postalCode', 'zip', 'telecom', 'phone', 'email',
    'identifier', 'body', 'payload', 'resource', 'bundle', 'entry', 'x12', 'segments',
    'password', 'client_assertion', 'assertion', 'authorization', 'cookie', 'access_token', 'token',
  ].map((k) => k.toLowerCase()),
);

export const REDACTED = '[redacted]';

/** Keys pino's own serializers handle (they run after this formatter and want the Error itself). */
const SERIALIZED = new Set(['err', 'error']);

function scrub(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  // An error under any other key goes through the error serializer too: pino's default would copy
  // every own property, and database errors carry the statement's parameters and the offending value.
  if (value instanceof Error) return errSerializer(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PHI_KEYS.has(k.toLowerCase()) ? REDACTED : depth === 0 && SERIALIZED.has(k) && v instanceof Error ? v : scrub(v, depth + 1);
  }
  return out;
}

/** Stack frames only: a stack starts with the message, which for a query error holds its parameters. */
function framesOf(stack: string | undefined): string | undefined {
  const frames = stack?.split('\n').filter((l) => /^\s+at /.test(l));
  return frames?.length ? frames.join('\n') : undefined;
}

/**
 * Errors keep their type, code and stack frames; their message may quote input (a failed query's
 * message lists its parameters: drizzle writes `params: …`, Postgres adds `detail` and `where` with
 * the offending value), so a foreign error's message, detail and own properties are left out. The
 * causes keep their type and code: the Postgres SQLSTATE is what an operator needs.
 */
function errSerializer(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { value: REDACTED };
  const e = err as Error & { code?: unknown };
  const cause = (e as { cause?: unknown }).cause;
  return {
    type: e.name,
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    // Messages of our own typed errors are written to be PHI-free; foreign ones are not trusted.
    message: (e as { phiFree?: boolean }).phiFree ? e.message : undefined,
    stack: framesOf(e.stack),
    ...(cause instanceof Error && depth < 3 ? { cause: errSerializer(cause, depth + 1) } : {}),
  };
}

/**
 * @example
 * const log = createLogger({ level: 'info' });
 * log.info({ requestId, memberId: 'W123' }, 'received'); // memberId is written as "[redacted]"
 */
export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'priorgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: (e: unknown) => errSerializer(e), error: (e: unknown) => errSerializer(e) },
      hooks: {
        // log.error(err) would make the error's message the line's msg: pino's default. A foreign
        // error's message may quote input (a failed query's lists its parameters), so it goes under
        // `err` like any other, and the line says only what kind of error it was.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (!(first instanceof Error)) return method.apply(this, args);
          const msg = typeof rest[0] === 'string' ? rest : [(first as { phiFree?: boolean }).phiFree ? first.message : first.name];
          return method.apply(this, [{ err: first }, ...msg] as Parameters<typeof method>);
        },
      },
      formatters: {
        log: (obj) => scrub(obj, 0) as Record<string, unknown>,
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
