/**
 * Reads a YAML rule file and validates it with a zod schema. Every problem comes back with the
 * file and line it is on (YAML syntax errors and schema errors alike), never as a throw.
 */
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

export interface RuleProblem {
  file: string;
  line: number;
  message: string;
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; problems: RuleProblem[] };

export function parseYamlWith<T>(file: string, text: string, schema: z.ZodType<T>): Loaded<T> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ file, line: lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0]! })),
    };
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      // Walk to the deepest node that exists on the issue's path, for its line.
      let line = 1;
      for (let depth = issue.path.length; depth >= 0; depth--) {
        const node = doc.getIn(issue.path.slice(0, depth) as (string | number)[], true);
        if (isNode(node) && node.range) {
          line = lines.linePos(node.range[0]).line;
          break;
        }
      }
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      return { file, line, message: `${where}${issue.message}` };
    }),
  };
}

export function loadYamlFile<T>(file: string, schema: z.ZodType<T>): Loaded<T> {
  return parseYamlWith(file, readFileSync(file, 'utf8'), schema);
}

export function formatProblems(problems: RuleProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n');
}
