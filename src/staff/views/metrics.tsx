/** The CMS-0057-F metrics page: period form, charts, and the table the CSV export also gives. */
import type { MetricGroup, MetricsReport, PayerMetrics } from '../metrics.ts';
import type { StaffPrincipal } from '../types.ts';
import { BarChart } from './chart.tsx';
import { documentOf, Page } from './layout.tsx';

const URGENCIES = ['standard', 'expedited'] as const;
const PERCENT_SERIES = [
  { label: 'approved', cls: 'c-approved' },
  { label: 'denied', cls: 'c-denied' },
  { label: 'approved after appeal', cls: 'c-appeal' },
  { label: 'approved after extension', cls: 'c-extension' },
];
const n = (v: number | null) => (v === null ? '—' : String(v));
const share = (count: number, pct: number | null) => (pct === null ? String(count) : `${count} (${pct}%)`);

function Row(p: { payer: string; urgency: string; g: MetricGroup }) {
  const g = p.g;
  return (
    <tr>
      <td>{p.payer}</td>
      <td>{p.urgency}</td>
      <td>{g.requests}</td>
      <td>{g.decided}</td>
      <td>{share(g.approved, g.percentApproved)}</td>
      <td>{share(g.denied, g.percentDenied)}</td>
      <td>{share(g.approvedAfterAppeal, g.percentApprovedAfterAppeal)}</td>
      <td>{share(g.approvedAfterExtension, g.percentApprovedAfterExtension)}</td>
      <td>{n(g.averageDecisionHours)}</td>
      <td>{n(g.medianDecisionHours)}</td>
    </tr>
  );
}

export function metricsPage(p: { staff: StaffPrincipal; report: MetricsReport; query: { from: string; to: string } }) {
  const r = p.report;
  const everyone: PayerMetrics[] = [...r.payers, r.total];
  const groups = r.payers.flatMap((x) =>
    URGENCIES.map((u) => ({ label: `${x.payerId} · ${u}`, values: [x[u].percentApproved, x[u].percentDenied, x[u].percentApprovedAfterAppeal, x[u].percentApprovedAfterExtension] })),
  );
  const times = r.payers.flatMap((x) => URGENCIES.map((u) => ({ label: `${x.payerId} · ${u}`, values: [x[u].averageDecisionHours, x[u].medianDecisionHours] })));
  const qs = new URLSearchParams({ from: p.query.from, to: p.query.to, format: 'csv' }).toString();
  return documentOf(
    <Page title="CMS metrics" staff={p.staff} nav="metrics">
      <h1>CMS-0057-F prior-authorization metrics</h1>
      <form class="filters" method="get" action="/ui/metrics">
        <label>
          From <input type="date" name="from" value={p.query.from} />
        </label>
        <label>
          To (inclusive) <input type="date" name="to" value={p.query.to} />
        </label>
        <button type="submit">Show</button>
        <a href={`/api/metrics/cms?${qs}`}>Download CSV</a>
      </form>
      <p class="meta">
        Requests submitted {r.from.slice(0, 10)} to {p.query.to} · {r.scope}. Percentages are of the requests with a determination (approved +
        denied).
      </p>
      <BarChart title="Share of determinations by payer and urgency" series={PERCENT_SERIES} groups={groups} max={100} unit="%" />
      <BarChart
        title="Hours from submission to decision"
        series={[
          { label: 'average', cls: 'c-average' },
          { label: 'median', cls: 'c-median' },
        ]}
        groups={times}
        unit="h"
      />
      <table class="metrics">
        <thead>
          <tr>
            <th>Payer</th>
            <th>Urgency</th>
            <th>Requests</th>
            <th>Decided</th>
            <th>Approved</th>
            <th>Denied</th>
            <th>Approved after appeal</th>
            <th>Approved after extension</th>
            <th>Avg hours</th>
            <th>Median hours</th>
          </tr>
        </thead>
        <tbody>
          {everyone.flatMap((x) => [...URGENCIES, 'all' as const].map((u) => <Row payer={x.payerId} urgency={u} g={x[u]} />))}
        </tbody>
      </table>
    </Page>,
  );
}
