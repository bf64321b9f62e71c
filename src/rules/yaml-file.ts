/**
 * Reads a YAML rule file and validates it with a zod schema. Every problem comes back with the
 * file, line and column it is on (YAML syntax errors and schema errors alike), never as a throw:
 * a problem with a value points at the value, an unknown key at that key, a missing key at the
 * mapping that lacks it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, isMap, isNode, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';

export interface RuleProblem {
  file: string;
  /** 1-based; 0 for a problem with the file or directory as a whole. */
  line: number;
  /** 1-based, when the problem has a position in the file. */
  column?: number;
  message: string;
}

export type YamlPath = (string | number)[];

/** Where a path of the document is: `file:line:column` of its value (or key, see `locate`). */
export type Locator = (at: YamlPath, opts?: { key?: boolean }) => { line: number; column: number };

export type Loaded<T> = { ok: true; value: T; locate: Locator } | { ok: false; problems: RuleProblem[] };

/** The key node of `at` in its parent mapping. */
function keyNodeOf(doc: Document, at: YamlPath): Node | undefined {
  const last = at.at(-1);
  const parent = at.length > 1 ? doc.getIn(at.slice(0, -1), true) : doc.contents;
  if (!isMap(parent) || last === undefined) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
  return isNode(pair?.key) ? pair.key : undefined;
}

/**
 * The position of the deepest node of `at` that exists. A scalar value is pointed at itself; a
 * mapping or sequence under a key (or an empty value) at its key, where the reader looks for it;
 * a sequence item at the item. `key: true` points at the last key of `at` (an unknown key).
 */
export function locator(doc: Document, lines: LineCounter): Locator {
  const pos = (node: Node) => {
    const p = lines.linePos(node.range![0]);
    return { line: p.line, column: p.col };
  };
  return (at, opts = {}) => {
    if (opts.key) {
      const key = keyNodeOf(doc, at);
      if (key?.range) return pos(key);
    }
    for (let depth = at.length; depth > 0; depth--) {
      const here = at.slice(0, depth);
      const node = doc.getIn(here, true);
      const emptyScalar = isScalar(node) && node.value === null && !node.source;
      if (isNode(node) && node.range && isScalar(node) && !emptyScalar) return pos(node);
      if (typeof here.at(-1) === 'number' && isNode(node) && node.range) return pos(node);
      const key = keyNodeOf(doc, here);
      if (key?.range) return pos(key);
      if (isNode(node) && node.range) return pos(node);
    }
    return isNode(doc.contents) && doc.contents.range ? pos(doc.contents) : { line: 1, column: 1 };
  };
}

export function parseYamlWith<T>(file: string, text: string, schema: z.ZodType<T>): Loaded<T> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return { file, line: p.line, column: p.col, message: e.message.split('\n')[0]! };
      }),
    };
  }
  const locate = locator(doc, lines);
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return { ok: true, value: parsed.data, locate };
  return {
    ok: false,
    problems: parsed.error.issues.flatMap((issue): RuleProblem[] => {
      const at = issue.path as YamlPath;
      // `.strict()` reports unknown keys on the mapping holding them: one problem per key, at the key.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ file, ...locate([...at, key], { key: true }), message: `${[...at, key].join('.')}: unknown key` }));
      }
      const where = at.length ? `${at.join('.')}: ` : '';
      return [{ file, ...locate(at), message: `${where}${issue.message}` }];
    }),
  };
}

/**
 * The `.yaml`/`.yml` files of `dir`, sorted, with `last` (when it is one of them) moved to the end.
 * None when `dir` is not a readable directory.
 */
export function yamlFiles(dir: string, last?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // not there, or not a directory
  }
  const files = names.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  const end = last === undefined ? -1 : files.findIndex((f) => path.resolve(f) === path.resolve(last));
  return end < 0 ? files : [...files.slice(0, end), ...files.slice(end + 1), files[end]!];
}

export function loadYamlFile<T>(file: string, schema: z.ZodType<T>): Loaded<T> {
  return parseYamlWith(file, readFileSync(file, 'utf8'), schema);
}

/** `file:line:column: message`, the form editors and CI annotations jump to (`file:line: …` without a column). */
export function formatProblem(p: RuleProblem): string {
  return `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}: ${p.message}`;
}

export function formatProblems(problems: RuleProblem[]): string {
  return problems.map(formatProblem).join('\n');
}
