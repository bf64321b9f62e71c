/** The CMS-0057-F metrics page: period form, charts, and the table the CSV export also gives. */
import { decisionTime, type MetricGroup, type MetricsReport, type PayerMetrics } from '../metrics.ts';
import type { StaffPrincipal } from '../types.ts';
import { BarChart } from './chart.tsx';
import { documentOf, Page, DateRange } from './layout.tsx';

const URGENCIES = ['standard', 'expedited'] as const;
const PERCENT_SERIES = [
  { label: 'approved', cls: 'c-approved' },
  { label: 'denied', cls: 'c-denied' },
  { label: 'approved after appeal', cls: 'c-appeal' },
  { label: 'approved after extension', cls: 'c-extension' },
];
const share = (count: number, pct: number | null) => (pct === null ? String(count) : `${count} (${pct}%)`);

function Row(p: { payer: string; urgency: string; g: MetricGroup }) {
  const g = p.g;
  return (
    <tr>
      <th scope="row" data-label="Payer">
        {p.payer}
      </th>
      <td data-label="Urgency">{p.urgency}</td>
      <td data-label="Requests">{g.requests}</td>
      <td data-label="Decided">{g.decided}</td>
      <td data-label="No authorization needed">{g.notRequired}</td>
      <td data-label="Approved">{share(g.approved, g.percentApproved)}</td>
      <td data-label="Denied">{share(g.denied, g.percentDenied)}</td>
      <td data-label="Approved after appeal">{share(g.approvedAfterAppeal, g.percentApprovedAfterAppeal)}</td>
      <td data-label="Approved after extension">{share(g.approvedAfterExtension, g.percentApprovedAfterExtension)}</td>
      <td data-label="Average decision time">{decisionTime(g.averageDecisionMinutes)}</td>
      <td data-label="Median decision time">{decisionTime(g.medianDecisionMinutes)}</td>
    </tr>
  );
}

export function metricsPage(p: { staff: StaffPrincipal; report: MetricsReport; query: { from: string; to: string } }) {
  const r = p.report;
  const everyone: PayerMetrics[] = [...r.payers, r.total];
  const groups = r.payers.flatMap((x) =>
    URGENCIES.map((u) => ({ label: `${x.payerId} · ${u}`, values: [x[u].percentApproved, x[u].percentDenied, x[u].percentApprovedAfterAppeal, x[u].percentApprovedAfterExtension] })),
  );
  const times = r.payers.flatMap((x) => URGENCIES.map((u) => ({ label: `${x.payerId} · ${u}`, values: [x[u].averageDecisionMinutes, x[u].medianDecisionMinutes] })));
  const qs = new URLSearchParams({ from: p.query.from, to: p.query.to, format: 'csv' }).toString();
  return documentOf(
    <Page title="CMS metrics" staff={p.staff} nav="metrics">
      <h1>CMS-0057-F prior-authorization metrics</h1>
      <form class="filters" method="get" action="/ui/metrics" aria-label="Period">
        <DateRange from={p.query.from} to={p.query.to} />
        <button type="submit">Show</button>
        <a href={`/api/metrics/cms?${qs}`}>Download CSV</a>
      </form>
      <p class="meta">
        Requests submitted {r.from.slice(0, 10)} to {p.query.to} · {r.scope}. Percentages are of the requests with a determination (approved +
        denied); requests that needed no authorization (HCR01 NA) are not determinations.
      </p>
      <div class="charts">
        <BarChart id="chart-shares" title="Share of determinations, by payer and urgency" series={PERCENT_SERIES} groups={groups} max={100} format={(v) => `${v}%`} />
        <BarChart
          id="chart-times"
          title="Time from submission to decision, by payer and urgency"
          series={[
            { label: 'average', cls: 'c-average' },
            { label: 'median', cls: 'c-median' },
          ]}
          groups={times}
          format={decisionTime}
        />
      </div>
      <h2>All figures</h2>
      <div class="table-wrap">
        <table class="metrics cards">
          <caption class="visually-hidden">CMS-0057-F metrics per payer and urgency</caption>
          <thead>
            <tr>
              <th scope="col">Payer</th>
              <th scope="col">Urgency</th>
              <th scope="col">Requests</th>
              <th scope="col">Decided</th>
              <th scope="col">No authorization needed</th>
              <th scope="col">Approved</th>
              <th scope="col">Denied</th>
              <th scope="col">Approved after appeal</th>
              <th scope="col">Approved after extension</th>
              <th scope="col">Average decision time</th>
              <th scope="col">Median decision time</th>
            </tr>
          </thead>
          <tbody>
            {everyone.flatMap((x) => [...URGENCIES, 'all' as const].map((u) => <Row payer={x.payerId} urgency={u} g={x[u]} />))}
          </tbody>
        </table>
      </div>
    </Page>,
  );
}
