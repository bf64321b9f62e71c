/**
 * The pure steps that read a client's Bundle after validation (rules, translation, search keys)
 * trust the validator's word on JSON types. Where a value of another type still gets through (the
 * profile validator takes `{}` for a string in places), such a step throws a TypeError: that is the
 * client's malformed input, not a server fault, so it is answered 422 with a clear message (and
 * logged as a warning, by type and stack frames only) instead of a 500.
 */
import { AppError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { TranslateError } from '../../translate/index.ts';

const MALFORMED = 'the Bundle holds an element of an unexpected JSON type (for instance an object or a list where text belongs), so it could not be processed; validate it against FHIR R4';

function refuse(e: unknown, log: Logger, step: string): never {
  // The input is the client's, so what the translator refuses is theirs to fix: a 422 at its
  // element. (TranslateError is no PriorgateError: elsewhere it is a 500, docs/architecture.md.)
  if (e instanceof TranslateError) throw new AppError('unprocessable', e.message, e.expression);
  if (e instanceof TypeError || e instanceof RangeError) {
    log.warn({ err: e, step }, 'a validated Bundle could not be read');
    throw new AppError('unprocessable', MALFORMED);
  }
  throw e;
}

/** Runs a synchronous step over client data; malformed data is a 422. */
export function readingClientData<T>(log: Logger, step: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    refuse(e, log, step);
  }
}

/** The same for an asynchronous step. */
export async function readingClientDataAsync<T>(log: Logger, step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    refuse(e, log, step);
  }
}
