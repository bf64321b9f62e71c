/**
 * Requirement coverage: which PAS 2.2.1 requirements (`requirements.csv`) the test suite cites in
 * its test names. A test name cites a requirement by carrying its id ("spec-46: …", "kit 1.1.2
 * (conf-4, conf-5) …"). Names are read from the test files' syntax trees — the first argument of
 * `describe`/`it`/`test` and, for `.each(table)`, the first (string) element of each row of the
 * table — so an id in a comment or an assertion message does not count, and neither does a
 * skipped or todo test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ts from 'typescript';
import { CORPUS_DIR } from '../helpers/corpus.ts';

export interface Requirement {
  id: string;
  conformance: string;
  actors: string;
  text: string;
}

export function readRequirements(): Requirement[] {
  const rows = parse(readFileSync(path.join(CORPUS_DIR, 'pas-2.2.1/requirements.csv'), 'utf8'), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((r) => ({ id: r['ID']!, conformance: r['Conformance']!, actors: r['Actors']!, text: r['Requirement']! }));
}

/** The requirements a PAS Payer (this gateway is the payer-side intermediary) SHALL or SHALL NOT meet. */
export function payerShalls(all = readRequirements()): Requirement[] {
  return all.filter((r) => /\bPAS Payer\b/.test(r.actors) && /\bSHALL\b/.test(r.conformance));
}

const TEST_FNS = new Set(['describe', 'it', 'test']);
const NOT_RUN = new Set(['skip', 'todo']);

function literalText(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return undefined;
}

/** `it`, `it.only`, `it.each(t)`, `describe.concurrent` … → its base name and modifiers. */
function testCallee(expr: ts.Expression): { base: string; mods: string[]; table?: ts.Expression } | undefined {
  if (ts.isIdentifier(expr)) return TEST_FNS.has(expr.text) ? { base: expr.text, mods: [] } : undefined;
  if (ts.isPropertyAccessExpression(expr)) {
    const inner = testCallee(expr.expression);
    return inner && { ...inner, mods: [...inner.mods, expr.name.text] };
  }
  if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression) && expr.expression.name.text === 'each') {
    const inner = testCallee(expr.expression.expression);
    return inner && { ...inner, mods: [...inner.mods, 'each'], ...(expr.arguments[0] ? { table: expr.arguments[0] } : {}) };
  }
  return undefined;
}

/** The test names of one file's source. */
export function testNamesOf(source: string, fileName = 'test.ts'): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const tables = new Map<string, ts.Expression>();
  const names: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) tables.set(node.name.text, node.initializer);
    node.forEachChild(visit);
  };
  visit(sf);
  const rowNames = (table: ts.Expression | undefined): string[] => {
    let t = table;
    while (t && (ts.isAsExpression(t) || ts.isSatisfiesExpression(t) || ts.isParenthesizedExpression(t))) t = t.expression;
    if (t && ts.isIdentifier(t)) return rowNames(tables.get(t.text));
    if (!t || !ts.isArrayLiteralExpression(t)) return [];
    return t.elements.flatMap((row) => {
      const first = ts.isArrayLiteralExpression(row) ? row.elements[0] : ts.isObjectLiteralExpression(row) ? row.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'name') : row;
      const text = literalText(first && ts.isPropertyAssignment(first) ? first.initializer : first);
      return text === undefined ? [] : [text];
    });
  };
  const calls = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = testCallee(node.expression);
      if (callee && !callee.mods.some((m) => NOT_RUN.has(m))) {
        const name = literalText(node.arguments[0]);
        if (name !== undefined) names.push(name);
        if (callee.mods.includes('each')) names.push(...rowNames(callee.table).map((row) => `${name ?? ''} ${row}`));
      }
    }
    node.forEachChild(calls);
  };
  calls(sf);
  return names;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : testFiles(p);
    return /\.test\.tsx?$/.test(d.name) ? [p] : [];
  });
}

/** Requirement id → the test names (with their file) that cite it, over every test file under `root`. */
export function citations(root: string, ids: Set<string>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of testFiles(root)) {
    for (const name of testNamesOf(readFileSync(file, 'utf8'), file)) {
      for (const m of name.matchAll(/\b([a-z]+(?:-[a-z]+)*-\d+)\b/g)) {
        if (!ids.has(m[1]!)) continue;
        found.set(m[1]!, [...(found.get(m[1]!) ?? []), `${path.relative(root, file)}: ${name}`]);
      }
    }
  }
  return found;
}

/** REQUIREMENTS.md: one `- **id**: reason` line per requirement not applicable here, or open. */
export function listed(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^- \*\*([a-z]+(?:-[a-z]+)*-\d+)\*\*:\s*(.+)$/gm)) out.set(m[1]!, m[2]!.trim());
  return out;
}
