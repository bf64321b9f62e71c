/**
 * A horizontal grouped bar chart as server-rendered SVG (no client code). Each group is a row
 * label with one bar per series; bars carry a <title> so the value is readable on hover and by
 * screen readers.
 */

export interface Series {
  label: string;
  /** CSS class of the bar (colour). */
  cls: string;
}

export interface BarGroup {
  label: string;
  values: (number | null)[];
}

const LABEL_W = 220;
const BAR_H = 14;
const GAP = 4;
const GROUP_GAP = 14;
const PLOT_W = 420;

export function BarChart(p: { title: string; series: Series[]; groups: BarGroup[]; max?: number; unit: string }) {
  const all = p.groups.flatMap((g) => g.values).filter((v): v is number => v !== null);
  const max = p.max ?? Math.max(1, ...all);
  const groupH = p.series.length * (BAR_H + GAP) + GROUP_GAP;
  const legendH = 24;
  // Legend entries side by side, each as wide as its label (about 7 px a character at 12 px).
  const legendX = p.series.reduce<number[]>((xs, s, i) => [...xs, i === 0 ? 0 : xs[i - 1]! + 30 + p.series[i - 1]!.label.length * 7], []);
  const legendW = legendX.length ? legendX[legendX.length - 1]! + 30 + p.series[p.series.length - 1]!.label.length * 7 : 0;
  const height = legendH + Math.max(1, p.groups.length) * groupH + 10;
  const width = Math.max(LABEL_W + PLOT_W + 70, LABEL_W + legendW);
  return (
    <svg class="chart" role="img" aria-label={p.title} viewBox={`0 0 ${width} ${height}`} width={width} height={height} xmlns="http://www.w3.org/2000/svg">
      <title>{p.title}</title>
      {p.series.map((s, i) => (
        <g transform={`translate(${LABEL_W + legendX[i]!}, 4)`}>
          <rect class={s.cls} width="12" height="12" />
          <text x="16" y="11" class="legend">
            {s.label}
          </text>
        </g>
      ))}
      {p.groups.length === 0 ? (
        <text x={LABEL_W} y={legendH + 16}>
          no data in this period
        </text>
      ) : null}
      {p.groups.map((g, gi) => {
        const y0 = legendH + gi * groupH;
        return (
          <g>
            <text x={LABEL_W - 8} y={y0 + (p.series.length * (BAR_H + GAP)) / 2 + 4} text-anchor="end" class="group">
              {g.label}
            </text>
            {g.values.map((v, si) => {
              const w = v === null ? 0 : Math.max(1, Math.round((PLOT_W * v) / max));
              const y = y0 + si * (BAR_H + GAP);
              return (
                <g>
                  <rect class={p.series[si]!.cls} x={LABEL_W} y={y} width={w} height={BAR_H}>
                    <title>{`${g.label} · ${p.series[si]!.label}: ${v === null ? 'n/a' : `${v} ${p.unit}`}`}</title>
                  </rect>
                  <text x={LABEL_W + w + 4} y={y + BAR_H - 3} class="value">
                    {v === null ? 'n/a' : `${v}${p.unit === '%' ? '%' : ` ${p.unit}`}`}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}
