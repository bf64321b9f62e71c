/**
 * Control characters at the edge of every text input. A NUL typed into a form or a query string
 * reached Postgres, which refuses it (22021), and the caller got a 500; other control characters
 * and unpaired surrogates are never meant as input either. The path, each query parameter and
 * each field of a form body (urlencoded or multipart, files aside) are checked before any route
 * sees them; the first offender is named (never quoted back). JSON bodies are checked where they
 * are read (FHIR: `fhir/operations/text-check.ts`).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors/index.ts';

/** Characters no single-line input may hold: C0 controls (tab, CR and LF included), DEL, C1 controls, unpaired surrogates. */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Multi-line fields (a textarea) may hold tab, CR and LF. */
const FORBIDDEN_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Form fields that are free text over several lines. */
const MULTILINE_FIELDS = new Set(['note', 'notes', 'comment', 'reason']);

export interface TextProblem {
  /** Where: `path`, `query parameter "text"`, `form field "username"`. */
  where: string;
  /** Parameter or field name ('' for the path). */
  name: string;
  /** The offending character as U+XXXX. */
  character: string;
}

/** The first forbidden character of `s`, as U+XXXX, or undefined. */
export function forbiddenCharacter(s: string, multiline = false): string | undefined {
  const m = (multiline ? FORBIDDEN_MULTILINE : FORBIDDEN).exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

/** Names shown in messages are cut to something readable (and themselves checked). */
const shown = (name: string) => (forbiddenCharacter(name) ? '(unreadable name)' : name.slice(0, 40));

/** `name=value&…` pairs (a query string, a urlencoded form), decoded strictly: invalid %-encoding is a problem too. */
function pairsProblem(text: string, what: 'query parameter' | 'form field'): TextProblem | undefined {
  for (const part of text.split('&')) {
    if (!part) continue;
    const [rawName, ...rest] = part.split('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName!.replace(/\+/g, ' '));
    } catch {
      return { where: `a ${what}'s name`, name: '', character: 'invalid %-encoding' };
    }
    try {
      value = decodeURIComponent(rest.join('=').replace(/\+/g, ' '));
    } catch {
      return { where: `${what} "${shown(name)}"`, name, character: 'invalid %-encoding' };
    }
    const bad = forbiddenCharacter(name) ?? forbiddenCharacter(value, what === 'form field' && MULTILINE_FIELDS.has(name));
    if (bad) return { where: `${what} "${shown(name)}"`, name, character: bad };
  }
  return undefined;
}

/** The path and query of a request: the first problem, or undefined. Invalid %-encoding counts as one. */
export function urlProblem(url: string): TextProblem | undefined {
  const u = new URL(url);
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { where: 'the path', name: '', character: 'invalid %-encoding' };
  }
  const inPath = forbiddenCharacter(path);
  if (inPath) return { where: 'the path', name: '', character: inPath };
  return pairsProblem(u.search.slice(1), 'query parameter');
}

/**
 * The text fields of a form body: urlencoded ones decoded strictly (as the query is), multipart
 * ones as parsed (their file parts are the reader's to check).
 */
export async function formProblem(c: Context): Promise<TextProblem | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) return pairsProblem(await c.req.text(), 'form field');
  if (!/^multipart\/form-data\b/i.test(type)) return undefined;
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody({ all: true });
  } catch {
    throw new AppError('invalid', 'the form body could not be read');
  }
  for (const [name, value] of Object.entries(form)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      const bad = forbiddenCharacter(name) ?? forbiddenCharacter(v, MULTILINE_FIELDS.has(name));
      if (bad) return { where: `form field "${shown(name)}"`, name, character: bad };
    }
  }
  return undefined;
}

export function describeProblem(p: TextProblem): string {
  return p.character.startsWith('U+')
    ? `${p.where} contains the character ${p.character}, which is not accepted (control characters and unpaired surrogates are never valid input)`
    : `${p.where} has ${p.character}`;
}

/**
 * The guard for every route but the staff pages (which answer with a page of their own, see
 * `staff/input-guard.ts`): 400 OperationOutcome naming the input.
 */
export function textGuard(skip: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (skip(path)) return next();
    const problem = urlProblem(c.req.url) ?? (c.req.method === 'POST' || c.req.method === 'PUT' ? await formProblem(c) : undefined);
    if (problem) throw new AppError('invalid', describeProblem(problem), problem.name || undefined);
    await next();
  };
}
