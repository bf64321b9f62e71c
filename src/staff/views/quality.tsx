/** The data-quality report page: period and grouping, charts, the tables the CSV also gives. */
import type { QualityReport } from '../quality-report.ts';
import type { StaffPrincipal } from '../types.ts';
import { BarChart } from './chart.tsx';
import { documentOf, Page, DateRange } from './layout.tsx';

const GROUP_LABELS = { organization: 'organization', client: 'submitting client', npi: 'provider NPI' } as const;
/** Chart labels have about 32 characters of room. */
const short = (s: string) => (s.length > 32 ? `${s.slice(0, 31)}…` : s);
const where = (r: { loop: string | null; element: string | null }) => [r.loop, r.element].filter(Boolean).join(' ') || '—';

export function qualityPage(p: { staff: StaffPrincipal; report: QualityReport; query: { from: string; to: string; group: string; bucket: string }; canOpenRequests: boolean }) {
  const r = p.report;
  const qs = (extra: Record<string, string>) => new URLSearchParams({ ...p.query, ...extra }).toString();
  return documentOf(
    <Page title="Data quality" staff={p.staff} nav="quality">
      <h1>Data quality</h1>
      <form class="filters" method="get" action="/ui/quality">
        <DateRange from={p.query.from} to={p.query.to} />
        <label>
          Per
          <select name="group">
            {Object.entries(GROUP_LABELS).map(([v, label]) => (
              <option value={v} selected={v === r.groupBy}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trend by
          <select name="bucket">
            {['day', 'week'].map((b) => (
              <option value={b} selected={b === r.bucket}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
        <a href={`/api/quality?${qs({ format: 'csv' })}`}>Download CSV</a>
        <a href={`/api/quality?${qs({})}`}>JSON</a>
      </form>
      <p class="meta" id="quality-totals">
        {r.from.slice(0, 10)} to {p.query.to} · {r.scope} · {r.totals.requests} requests · {r.totals.rejections} payer rejection reasons ·{' '}
        {r.totals.warnings} pre-send warnings ({r.totals.refused} refused) · {r.totals.conflictingMembers} members with conflicting demographics
      </p>
      <BarChart id="chart-rejections" title="Payer rejections by reason" series={[{ label: 'rejections', cls: 'c-denied' }]} groups={r.reasons.slice(0, 15).map((x) => ({ label: short(`${x.source} ${x.code} ${x.label}`), values: [x.count] }))} format={String} />
      <BarChart
        id="chart-trend"
        title={`Trend per ${r.bucket}`}
        series={[
          { label: 'payer rejections', cls: 'c-denied' },
          { label: 'pre-send warnings', cls: 'c-extension' },
        ]}
        groups={[...new Set(r.trend.map((t) => t.period))].map((period) => ({
          label: period,
          values: [
            r.trend.filter((t) => t.period === period).reduce((n, t) => n + t.rejections, 0),
            r.trend.filter((t) => t.period === period).reduce((n, t) => n + t.warnings, 0),
          ],
        }))}
        format={String}
      />
      {r.groups.map((g) => (
        <section class="quality-group" data-group={g.key}>
          <h2>
            {GROUP_LABELS[r.groupBy]} <span class="mono">{g.key}</span>
          </h2>
          <p class="meta">
            {g.requests} requests · {g.rejections.total} rejection reasons · {g.warnings.total} warnings · {g.conflictingMembers} members with conflicting
            demographics
          </p>
          <table class="reasons">
            <thead>
              <tr>
                <th>Source</th>
                <th>Code</th>
                <th>Reason</th>
                <th>Loop / element</th>
                <th>Count</th>
                <th>Requests</th>
              </tr>
            </thead>
            <tbody>
              {g.rejections.reasons.map((x) => (
                <tr class="reason" data-source={x.source} data-code={x.code}>
                  <td>{x.source}</td>
                  <td class="mono">{x.code}</td>
                  <td>{x.label}</td>
                  <td class="mono">{where(x)}</td>
                  <td>{x.count}</td>
                  <td>{x.requests}</td>
                </tr>
              ))}
              {g.warnings.kinds.map((k) => (
                <tr class="warning-kind" data-kind={k.kind}>
                  <td>pre-send</td>
                  <td class="mono">{k.kind}</td>
                  <td>
                    {k.label}
                    {k.refused ? ' (refused)' : ''}
                  </td>
                  <td>—</td>
                  <td>{k.count}</td>
                  <td></td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <h2>Members with conflicting demographics</h2>
      {r.conflicts.length === 0 ? (
        <p>None in this period.</p>
      ) : (
        <table class="conflicts">
          <thead>
            <tr>
              <th>Member</th>
              <th>{GROUP_LABELS[r.groupBy]}</th>
              <th>Request</th>
              <th>Differs at</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {r.conflicts.map((c) => (
              <tr>
                <td class="mono">{c.member}</td>
                <td class="mono">{c.group}</td>
                <td class="mono">{c.requestId && p.canOpenRequests ? <a href={`/ui/requests/${c.requestId}`}>{c.requestId.slice(0, 8)}</a> : (c.requestId?.slice(0, 8) ?? '—')}</td>
                <td class="mono">{c.element}</td>
                <td>{c.at.slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>,
  );
}
