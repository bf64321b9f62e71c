/** Turning @medplum/core OperationOutcome issues into ours: Bundle-rooted FHIRPath, precise codes. */
import type { IssueSeverity, ValidationIssue } from './types.ts';

/** The parts of a medplum `OperationOutcomeIssue` we read. */
export interface MedplumIssue {
  severity?: string;
  code?: string;
  details?: { text?: string };
  diagnostics?: string;
  expression?: string[];
}

/**
 * Re-roots a medplum path (`Claim.item.productOrService`, rooted at the validated element's own
 * path) at the instance (`Bundle.entry[0].resource.item[1]`), and writes choice elements the
 * FHIRPath way (`location`, not `location[x]`).
 */
export function rebase(path: string, rootPath: string, expression: string): string {
  const rest = path === rootPath || path.startsWith(rootPath + '.') || path.startsWith(rootPath + '[') ? path.slice(rootPath.length) : '';
  return (expression + rest).replaceAll('[x]', '');
}

const MESSAGES: { pattern: RegExp; code: (m: RegExpExecArray) => string; text?: (m: RegExpExecArray) => string }[] = [
  { pattern: /^Missing required property$/, code: () => 'required', text: () => 'Missing required element' },
  { pattern: /^Invalid additional property "(.+)"$/, code: () => 'structure', text: (m) => `Unknown element '${m[1]}'` },
  {
    pattern: /^Incorrect number of values provided for slice '(.+)': expected (\d+)\.\.([\d*]+), but found (\d+)$/,
    code: (m) => (Number(m[4]) < Number(m[2]) ? 'required' : 'structure'),
    text: (m) => `Slice '${m[1]}' needs ${m[2]}..${m[3]} values, found ${m[4]}`,
  },
  {
    pattern: /^Invalid number of values: expected (\d+)\.\.([\d*]+), but found (\d+)$/,
    code: (m) => (Number(m[3]) < Number(m[1]) ? 'required' : 'structure'),
    text: (m) => (m[2] === '0' ? 'Element not allowed by the profile' : `Expected ${m[1]}..${m[2]} values, found ${m[3]}`),
  },
  { pattern: /^Value did not match expected pattern$/, code: () => 'value', text: () => 'Value does not match the fixed value or pattern of the profile' },
  { pattern: /^Invalid JSON type/, code: () => 'structure' },
  { pattern: /^(Invalid \w+ format|Invalid numeric value|Expected number|String must contain|String cannot be larger)/, code: () => 'value' },
];

/**
 * medplum's reference check reads the type from the reference text (`urn:uuid:…` gives nonsense)
 * and skips non-core target profiles; the validator checks the resolved target's type instead.
 */
export function isSupersededMedplumIssue(issue: MedplumIssue): boolean {
  return (issue.details?.text ?? '').startsWith('Invalid reference: got ');
}

const mapped = new Map<string, { code: string; diagnostics: string }>();
/** Distinct messages are few (they name elements, slices and limits); the cap is for hostile input. */
const MAPPED_MAX = 2000;

/** Our code and wording for one @medplum/core message (memoised: the regular expressions run once per text). */
function mapMessage(code: string, text: string): { code: string; diagnostics: string } {
  const key = `${code}\u0000${text}`;
  let found = mapped.get(key);
  if (found) return found;
  found = { code, diagnostics: text };
  for (const rule of MESSAGES) {
    const m = rule.pattern.exec(text);
    if (!m) continue;
    found = { code: rule.code(m), diagnostics: rule.text?.(m) ?? text };
    break;
  }
  if (mapped.size >= MAPPED_MAX) mapped.clear();
  mapped.set(key, found);
  return found;
}

/** Maps one medplum issue. Unevaluable invariants become warnings: our tooling's limit, not the sender's fault. */
export function fromMedplum(issue: MedplumIssue, rootPath: string, expression: string, source: string): ValidationIssue {
  const text = issue.details?.text ?? issue.diagnostics ?? 'Invalid';
  const path = issue.expression?.[0] ?? rootPath;
  const { code, diagnostics } = mapMessage(issue.code ?? 'invalid', text);
  let severity: IssueSeverity = issue.severity === 'warning' || issue.severity === 'information' ? issue.severity : 'error';
  if (code === 'processing') severity = 'warning';
  return { severity, code, diagnostics: `${diagnostics} (${source})`, expression: rebase(path, rootPath, expression) };
}

/** Drops repeats: the same finding at the same place, whichever rule set or level reported it. */
export function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.severity}|${issue.code}|${issue.expression}|${issue.diagnostics.replace(/ \([^()]*\)$/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
