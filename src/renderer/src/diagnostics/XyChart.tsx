// A small SVG chart over any x axis (frequency, channel index): lines or bars,
// optional log y, optional error bars. FrameChart stays the per-frame chart.
import { ChartLegend } from '../model/ChartLegend';
import { formatValue } from '../format';

export interface XySeries {
  name: string;
  color: string;
  values: (number | null)[];
  /** Half-height of an error bar per point (bars only). */
  errors?: number[];
}

interface Props {
  x: number[];
  series: XySeries[];
  kind?: 'line' | 'bar';
  log?: boolean;
  xLabel: string;
  yLabel: string;
  /** Index highlighted (e.g. the selected channel). */
  highlight?: number;
  onPick?: (index: number) => void;
  testId?: string;
  height?: number;
}

const W = 760;
const PAD = { left: 76, right: 16, top: 16, bottom: 34 };

/** Round steps (1, 2, 5 x 10^k) covering [lo, hi]. */
function linearTicks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const s = ([1, 2, 5, 10].find((m) => span / (m * step) <= 6) ?? 10) * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12; v += s) out.push(Number(v.toPrecision(6)));
  return out;
}

export function XyChart({ x, series, kind = 'line', log = false, xLabel, yLabel, highlight, onPick, testId, height = 200 }: Props) {
  const H = height;
  const vals = series.flatMap((s) => s.values.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : s.errors ? [v - s.errors[i], v + s.errors[i]] : [v])));
  const usable = log ? vals.filter((v) => v > 0) : vals;
  let lo = usable.length ? Math.min(...usable) : 0;
  let hi = usable.length ? Math.max(...usable) : 1;
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo || 1e-12));
    hi = 10 ** Math.ceil(Math.log10(hi || 1));
    if (hi <= lo) hi = lo * 10;
  } else {
    if (kind === 'bar') lo = Math.min(0, lo);
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
    hi += pad;
    if (lo < 0) lo -= pad;
  }
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const n = x.length;
  const xs = (i: number) => PAD.left + (kind === 'bar' ? ((i + 0.5) / n) * plotW : n > 1 ? ((x[i] - x[0]) / (x[n - 1] - x[0] || 1)) * plotW : plotW / 2);
  const ys = (v: number) => {
    const u = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
    return PAD.top + (1 - Math.min(1, Math.max(0, u))) * plotH;
  };
  const ticks = log
    ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, k) => lo * 10 ** k).filter((_, k, a) => a.length <= 8 || k % 2 === 0)
    : linearTicks(lo, hi);
  const xTickEvery = Math.max(1, Math.ceil(n / 12));
  const barW = (plotW / Math.max(1, n)) * (0.8 / series.length);
  const pick = (e: React.MouseEvent<SVGSVGElement>) => {
    if (!onPick || n === 0) return;
    const r = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W - PAD.left;
    onPick(Math.max(0, Math.min(n - 1, Math.floor((px / plotW) * n))));
  };
  return (
    <figure className="frame-chart" data-testid={testId} data-scale={log ? 'log' : 'linear'}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="frame-chart__svg"
        onClick={pick}
        // A chart that picks (a channel) is a slider for the keyboard: Tab to it, arrows, Home, End.
        {...(onPick && n > 0
          ? {
              role: 'slider',
              tabIndex: 0,
              'aria-label': `${yLabel} by ${xLabel.replace(/ \(click to pick\)$/, '')}: pick one (arrow keys, Home, End, or click)`,
              'aria-valuemin': 0,
              'aria-valuemax': n - 1,
              'aria-valuenow': highlight ?? 0,
              'aria-valuetext': `${xLabel.replace(/ \(click to pick\)$/, '')} ${x[highlight ?? 0]}`,
              'aria-orientation': 'horizontal' as const,
              onKeyDown: (e: React.KeyboardEvent<SVGSVGElement>) => {
                const now = highlight ?? 0;
                const next =
                  e.key === 'ArrowRight' || e.key === 'ArrowUp' ? now + 1 : e.key === 'ArrowLeft' || e.key === 'ArrowDown' ? now - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : null;
                if (next === null) return;
                // The app's own arrows step the frame: not while this chart has them.
                e.preventDefault();
                e.stopPropagation();
                onPick(Math.max(0, Math.min(n - 1, next)));
              },
            }
          : { role: 'img', 'aria-label': yLabel })}
      >
        <rect x={PAD.left} y={PAD.top} width={plotW} height={plotH} className="frame-chart__plot" />
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={ys(t)} y2={ys(t)} className="frame-chart__grid" />
            <text x={PAD.left - 6} y={ys(t) + 4} textAnchor="end" className="frame-chart__tick">
              {formatValue(t)}
            </text>
          </g>
        ))}
        {x.map((v, i) =>
          i % xTickEvery === 0 ? (
            <text key={i} x={xs(i)} y={H - PAD.bottom + 15} textAnchor="middle" className="frame-chart__tick">
              {kind === 'bar' ? v : formatValue(v)}
            </text>
          ) : null,
        )}
        <text x={12} y={PAD.top + plotH / 2} transform={`rotate(-90 12 ${PAD.top + plotH / 2})`} textAnchor="middle" className="frame-chart__axis">
          {yLabel}
        </text>
        <text x={W - PAD.right} y={H - 3} textAnchor="end" className="frame-chart__axis">
          {xLabel}
        </text>
        {highlight !== undefined && highlight < n && (
          <line x1={xs(highlight)} x2={xs(highlight)} y1={PAD.top} y2={PAD.top + plotH} className="frame-chart__current" />
        )}
        {series.map((s, si) =>
          kind === 'bar' ? (
            <g key={s.name} data-testid="chart-series" data-name={s.name}>
              {s.values.map((v, i) => {
                if (v === null || !Number.isFinite(v)) return null;
                const cx = xs(i) + (si - (series.length - 1) / 2) * barW;
                const y0 = ys(log ? lo : Math.max(lo, 0));
                const y1 = ys(v);
                return (
                  <g key={i}>
                    <rect x={cx - barW / 2} y={Math.min(y0, y1)} width={barW} height={Math.max(1, Math.abs(y0 - y1))} fill={s.color} opacity={highlight === undefined || highlight === i ? 0.9 : 0.55} />
                    {s.errors && <line x1={cx} x2={cx} y1={ys(v - s.errors[i])} y2={ys(v + s.errors[i])} stroke="#e6e9ef" strokeWidth={1.2} />}
                  </g>
                );
              })}
            </g>
          ) : (
            <g key={s.name} data-testid="chart-series" data-name={s.name}>
              <path
                d={s.values.reduce((acc, v, i) => (v === null || !Number.isFinite(v) || (log && v <= 0) ? acc : `${acc}${acc === '' || s.values[i - 1] === null ? 'M' : 'L'}${xs(i).toFixed(1)},${ys(v).toFixed(1)}`), '')}
                stroke={s.color}
                className="frame-chart__line"
              />
              {s.values.map((v, i) => (v === null || !Number.isFinite(v) || (log && v <= 0) ? null : <circle key={i} cx={xs(i)} cy={ys(v)} r={2} fill={s.color} />))}
            </g>
          ),
        )}
      </svg>
      <ChartLegend series={series} />
    </figure>
  );
}
