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

function scrub(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PHI_KEYS.has(k.toLowerCase()) ? REDACTED : scrub(v, depth + 1);
  }
  return out;
}

/** Errors keep their type, code and stack; their message may quote input, so it is cut to the type. */
function errSerializer(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { value: REDACTED };
  const e = err as Error & { code?: string };
  return {
    type: e.name,
    code: e.code,
    // Messages of our own typed errors are written to be PHI-free; foreign ones are not trusted.
    message: (e as { phiFree?: boolean }).phiFree ? e.message : undefined,
    stack: e.stack?.split('\n').slice(1).join('\n'),
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
      serializers: { err: errSerializer, error: errSerializer },
      formatters: {
        log: (obj) => scrub(obj, 0) as Record<string, unknown>,
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
