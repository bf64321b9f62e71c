/**
 * The staff pages' side of the text guard (`http/text-guard.ts`): the same checks on the path, the
 * query and every form field, answered with a page a person can act on (400) rather than JSON.
 * A NUL in the sign-in form's user name gave an unauthenticated 500 before this.
 */
import type { MiddlewareHandler } from 'hono';
import { describeProblem, formProblem, urlProblem } from '../http/text-guard.ts';
import { messagePage } from './views/message.tsx';

export const staffInputGuard: MiddlewareHandler = async (c, next) => {
  const problem = urlProblem(c.req.url) ?? (c.req.method === 'POST' ? await formProblem(c) : undefined);
  if (!problem) return next();
  const text = `${describeProblem(problem)}. Correct it and try again.`;
  return c.html(messagePage({ staff: c.get('staff'), title: 'Not accepted', text: text.charAt(0).toUpperCase() + text.slice(1) }), 400);
};
