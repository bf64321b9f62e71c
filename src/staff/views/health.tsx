/** The payer interface health page: per payer, the window's numbers against its thresholds, the breaker, the backlog, alerts. */
import type { AlertRow } from '../../db/queries/monitor.ts';
import { RULES, type RuleId } from '../../monitor/index.ts';
import type { PayerHealth } from '../../quality/index.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { BarChart } from './chart.tsx';
import { documentOf, Page } from './layout.tsx';

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);
const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);

function PayerCard(p: { h: PayerHealth; alerts: AlertRow[] }) {
  const h = p.h;
  const t = h.thresholds;
  const bad = (rule: keyof PayerHealth['conditions']) => (h.conditions[rule].on ? 'over' : undefined);
  return (
    <section class="payer-health" id={`payer-${h.payerId}`} data-payer={h.payerId}>
      <h2>
        {h.name} <span class="mono">{h.payerId}</span> · {h.connector} · circuit <span class={`circuit ${h.circuit.state}`}>{h.circuit.state}</span>
      </h2>
      <dl class="facts">
        <div class={bad('payer-error-rate')}>
          <dt>Success rate</dt>
          <dd>
            {pct(h.window.successRate)} of {h.window.calls} calls (alert below {pct(1 - t.errorRate)}
            {h.window.judged ? '' : `; too few calls to judge, ${t.minCalls} needed`})
          </dd>
        </div>
        <div class={bad('payer-latency')}>
          <dt>Latency p50 / p95 / p99</dt>
          <dd>
            {ms(h.window.p50Ms)} / {ms(h.window.p95Ms)} / {ms(h.window.p99Ms)} (alert at p95 {t.latencyP95Ms} ms)
          </dd>
        </div>
        <div>
          <dt>999/TA1 rejections</dt>
          <dd>
            {h.ackRejections} ({pct(h.ackRejectionRate)} of answered calls)
          </dd>
        </div>
        <div class={bad('payer-deadline')}>
          <dt>Overdue / due within {t.deadlineWarningHours} h</dt>
          <dd>
            {h.backlog.overdue} / {h.backlog.dueSoon}
            {h.backlog.nextDeadline ? ` (next ${stamp(h.backlog.nextDeadline)})` : ''}
          </dd>
        </div>
        <div>
          <dt>Pended, no follow-up for {t.pendedFollowUpHours} h</dt>
          <dd>{h.backlog.pendedNoFollowUp}</dd>
        </div>
        <div>
          <dt>Window</dt>
          <dd>
            newest {t.windowCalls} calls in {t.windowMinutes} min; verdicts from {t.minCalls} calls
          </dd>
        </div>
      </dl>
      {Object.keys(h.window.byOutcome).length ? (
        <p class="meta">
          Calls by outcome:{' '}
          {Object.entries(h.window.byOutcome)
            .map(([k, v]) => `${k} ${v}`)
            .join(' · ')}
        </p>
      ) : null}
      <h3>Alerts</h3>
      {p.alerts.length === 0 ? (
        <p class="meta">None.</p>
      ) : (
        <ul class="health-alerts">
          {p.alerts.map((a) => (
            <li class={a.clearedAt ? 'alert cleared' : 'alert open'} data-rule={a.rule}>
              <strong>{RULES[a.rule as RuleId]?.label ?? a.rule}</strong> — raised {stamp(a.firstAt)}
              {a.clearedAt ? `, cleared ${stamp(a.clearedAt)}` : ', open'}
            </li>
          ))}
        </ul>
      )}
      <h3>Circuit breaker history</h3>
      {h.circuit.history.length === 0 ? (
        <p class="meta">No changes recorded.</p>
      ) : (
        <ul class="breaker-history">
          {h.circuit.history.map((e) => (
            <li>
              {stamp(e.at)} → <span class={`circuit ${e.state}`}>{e.state}</span> <span class="meta">({e.instance})</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function healthPage(p: { staff: StaffPrincipal; health: PayerHealth[]; alerts: AlertRow[]; generatedAt: Date }) {
  return documentOf(
    <Page title="Payer health" staff={p.staff} nav="health">
      <h1>Payer interface health</h1>
      <p class="meta">
        As of {stamp(p.generatedAt)}. Thresholds per payer in <span class="mono">rules/payers/&lt;id&gt;.yaml</span> (<span class="mono">health:</span>); the same
        as JSON at <a href="/api/health">/api/health</a>, as Prometheus gauges at <span class="mono">/metrics</span>.
      </p>
      <BarChart
        id="chart-latency"
        title="Latency by payer (health window)"
        series={[
          { label: 'p50', cls: 'c-median' },
          { label: 'p95', cls: 'c-average' },
          { label: 'p99', cls: 'c-denied' },
        ]}
        groups={p.health.map((h) => ({ label: h.payerId, values: [h.window.p50Ms, h.window.p95Ms, h.window.p99Ms] }))}
        format={(v) => `${v} ms`}
      />
      {p.health.map((h) => (
        <PayerCard h={h} alerts={p.alerts.filter((a) => a.groupKey === h.payerId)} />
      ))}
    </Page>,
  );
}
