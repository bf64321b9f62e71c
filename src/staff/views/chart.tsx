/**
 * A grouped bar chart as plain HTML (no client code, no inline styles under the page's CSP): a
 * visible title, a legend, and per group a labelled row of `<meter>` bars with their values in
 * text beside them. It reflows like text, so it stays readable on a phone, and every value is
 * readable without a mouse or colours.
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

export function BarChart(p: { id: string; title: string; series: Series[]; groups: BarGroup[]; max?: number; format: (v: number) => string }) {
  const all = p.groups.flatMap((g) => g.values).filter((v): v is number => v !== null);
  const max = p.max ?? Math.max(1, ...all);
  return (
    <figure class="chart" id={p.id} aria-labelledby={`${p.id}-title`}>
      <figcaption id={`${p.id}-title`}>{p.title}</figcaption>
      <ul class="legend" aria-label="Legend">
        {p.series.map((s) => (
          <li>
            <span class={`swatch ${s.cls}`} aria-hidden="true"></span>
            {s.label}
          </li>
        ))}
      </ul>
      {p.groups.length === 0 ? <p class="meta">No data in this period.</p> : null}
      {p.groups.map((g) => (
        <div class="bar-group" role="group" aria-label={g.label}>
          <div class="bar-label">{g.label}</div>
          {g.values.map((v, i) => {
            const s = p.series[i]!;
            const text = v === null ? 'n/a' : p.format(v);
            return (
              <div class="bar-row">
                <span class="bar-series">{s.label}</span>
                <meter class={s.cls} min={0} max={max} value={v ?? 0} aria-label={`${g.label}, ${s.label}: ${text}`}>
                  {text}
                </meter>
                <span class="bar-value">{text}</span>
              </div>
            );
          })}
        </div>
      ))}
    </figure>
  );
}
