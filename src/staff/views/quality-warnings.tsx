/** The pre-send data-quality warnings of one request, on its detail page (src/quality). */
import { KIND_LABELS, type Finding } from '../../quality/index.ts';

export type WarningView = Pick<Finding, 'kind' | 'expression' | 'message' | 'refused'>;

export function QualityWarnings(p: { warnings: WarningView[] }) {
  if (p.warnings.length === 0) return null;
  return (
    <section class="quality-warnings" id="quality-warnings">
      <h2>Data-quality warnings before sending</h2>
      <p>Found by Priorgate's checks before the request went to the payer: payers commonly reject requests for these.</p>
      <ul>
        {p.warnings.map((w) => (
          <li class={`warning kind-${w.kind}`}>
            <strong>{KIND_LABELS[w.kind]}</strong> <span class="mono">[{w.kind}]</span>
            {w.refused ? ' (refused by the payer\u2019s rules)' : ''}
            <br />
            {w.message}
            <br />
            <span class="mono">{w.expression}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
