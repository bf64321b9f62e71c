/**
 * A line diff for golden files: the shortest edit (longest common subsequence) shown as unified
 * hunks with a little context, `-` for the expected line, `+` for the new one. Golden files are
 * small (hundreds of lines), so the quadratic table is fine.
 */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function edits(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push({ kind: ' ', line: a[i]!, a: i++, b: j++ });
    // Removals before additions where either keeps the common part as long.
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ kind: '-', line: a[i]!, a: i++, b: j });
    else out.push({ kind: '+', line: b[j]!, a: i, b: j++ });
  }
  return out;
}

/**
 * Unified diff of two texts (`expected` → `actual`); empty when they are equal.
 * @example lineDiff('a\nb\n', 'a\nc\n') // '@@ -2 +2 @@\n-b\n+c'
 */
export function lineDiff(expected: string, actual: string, context = 2, maxLines = 200): string {
  if (expected === actual) return '';
  const ops = edits(expected.split('\n'), actual.split('\n'));
  const changed = ops.map((o, k) => (o.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  const out: string[] = [];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - context);
    let end = changed[k]! + context;
    while (k + 1 < changed.length && changed[k + 1]! - context <= end + 1) end = changed[++k]! + context;
    k++;
    const hunk = ops.slice(start, Math.min(ops.length, end + 1));
    out.push(`@@ -${hunk[0]!.a + 1} +${hunk[0]!.b + 1} @@`, ...hunk.map((o) => `${o.kind}${o.line}`));
  }
  return out.length > maxLines ? [...out.slice(0, maxLines), `… ${out.length - maxLines} more lines`].join('\n') : out.join('\n');
}
