// A per-frame line chart in SVG: one or more series over video frames, an
// optional log scale, vertical marks (chunk boundaries) and the current frame.
// Clicking picks a frame.
import { ChartLegend } from './ChartLegend';
import { formatValue } from '../format';

export interface Series {
  name: string;
  color: string;
  /** One value per frame; null = not finite (e.g. identical frames: PSNR = ∞). */
  values: (number | null)[];
  /** Line width (default 1.8) and dash pattern: a wide solid line under a dashed one keeps both visible where they coincide. */
  width?: number;
  dash?: string;
}

export interface Mark {
  x: number;
  label: string;
  color: string;
  /** Row of the label above the plot (0 or 1), so E and D marks at one frame do not overlap. */
  row?: 0 | 1;
}

interface Props {
  series: Series[];
  frames: number;
  current: number;
  log?: boolean;
  marks?: Mark[];
  /** Horizontal reference line, e.g. the 1e-5 tolerance. */
  reference?: { y: number; label: string };
  /** Shaded frame ranges [from, to] (inclusive), e.g. the decoder's look-ahead before each chunk seam. */
  zones?: { from: number; to: number; color: string }[];
  yLabel: string;
  /** What the x axis counts: video frames unless the tensor has frames of its own (coefficient, latent, node frames). */
  xLabel?: string;
  onPick?: (frame: number) => void;
  testId?: string;
  height?: number;
}

const W = 760;
const PAD = { left: 64, right: 16, top: 30, bottom: 30 };

/** Powers of ten as 1e-5 on a log scale; plain numbers otherwise. */
function formatTick(v: number, log: boolean): string {
  return log && (v < 1e-3 || v >= 1e4) ? v.toExponential(0) : formatValue(v);
}

function niceTicks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    // Too many decades: every other one.
    return out.length > 9 ? out.filter((_, i) => i % 2 === 0) : out;
  }
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const k = [1, 2, 5, 10].find((m) => span / (m * step) <= 6) ?? 10;
  const s = k * step;
  const out: number[] = [];
  for (let v = Math.ceil(min / s) * s; v <= max + 1e-12; v += s) out.push(Number(v.toPrecision(6)));
  return out;
}

export function FrameChart({ series, frames, current, log = false, marks = [], reference, zones = [], yLabel, xLabel = 'video frame', onPick, testId, height = 220 }: Props) {
  const H = height;
  const finite = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v) && (!log || v > 0)));
  if (reference) finite.push(reference.y);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  // Zeros have no place on a log scale: they get a floor one decade below the smallest value, labelled 0.
  const zeros = log && series.some((s) => s.values.some((v) => v === 0));
  if (log) {
    lo = 10 ** (Math.floor(Math.log10(lo || 1e-12)) - (zeros ? 1 : 0));
    hi = 10 ** Math.ceil(Math.log10(hi || 1));
    if (hi <= lo) hi = lo * 10;
  } else {
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (f: number) => PAD.left + (frames > 1 ? (f / (frames - 1)) * plotW : plotW / 2);
  const y = (v: number) => {
    const u = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
    return PAD.top + (1 - Math.min(1, Math.max(0, u))) * plotH;
  };
  // A zero on a log scale sits on the floor, drawn as a hollow point.
  const yOf = (v: number) => (log && v <= 0 ? PAD.top + plotH : y(v));
  const ticks = niceTicks(lo, hi, log);
  const xTicks = niceTicks(0, Math.max(1, frames - 1), false).filter((t) => Number.isInteger(t) && t <= frames - 1);

  const pick = (e: React.MouseEvent<SVGSVGElement>) => {
    if (!onPick || frames < 1) return;
    const r = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W;
    onPick(Math.round(((px - PAD.left) / plotW) * (frames - 1)));
  };

  return (
    <figure className="frame-chart" data-testid={testId} data-scale={log ? 'log' : 'linear'}>
      <svg viewBox={`0 0 ${W} ${H}`} className="frame-chart__svg" onClick={pick} role="img" aria-label={yLabel}>
        <rect x={PAD.left} y={PAD.top} width={plotW} height={plotH} className="frame-chart__plot" />
        {zones.map((z) => {
          // Half a frame either side, so a one-frame zone has a width.
          const half = frames > 1 ? plotW / (frames - 1) / 2 : 0;
          const x0 = Math.max(PAD.left, x(z.from) - half);
          const x1 = Math.min(PAD.left + plotW, x(z.to) + half);
          return <rect key={`${z.from}-${z.to}`} x={x0} y={PAD.top} width={Math.max(0, x1 - x0)} height={plotH} fill={z.color} data-testid="chart-zone" data-from={z.from} data-to={z.to} />;
        })}
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="frame-chart__grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="frame-chart__tick">
              {zeros && t === lo ? '0' : formatTick(t, log)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={t} x={x(t)} y={H - PAD.bottom + 16} textAnchor="middle" className="frame-chart__tick">
            {t}
          </text>
        ))}
        <text x={12} y={PAD.top + plotH / 2} transform={`rotate(-90 12 ${PAD.top + plotH / 2})`} textAnchor="middle" className="frame-chart__axis">
          {yLabel}
        </text>
        <text x={W - PAD.right} y={H - 2} textAnchor="end" className="frame-chart__axis" data-testid="chart-x-label">
          {xLabel}
        </text>
        {marks.map((m, i) => (
          <g key={`${m.label}-${m.x}-${i}`} data-testid="chunk-boundary" data-kind={m.label} data-frame={m.x}>
            <line x1={x(m.x)} x2={x(m.x)} y1={PAD.top} y2={PAD.top + plotH} stroke={m.color} className="frame-chart__mark" />
            <text x={x(m.x)} y={PAD.top - 6 - (m.row ?? 0) * 12} textAnchor="middle" fill={m.color} className="frame-chart__mark-label">
              {m.label}
            </text>
          </g>
        ))}
        {reference && (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(reference.y)} y2={y(reference.y)} className="frame-chart__reference" />
            <text x={W - PAD.right - 4} y={y(reference.y) - 4} textAnchor="end" className="frame-chart__reference-label">
              {reference.label}
            </text>
          </g>
        )}
        <line x1={x(current)} x2={x(current)} y1={PAD.top} y2={PAD.top + plotH} className="frame-chart__current" />
        {series.map((s) => {
          const pts = s.values.map((v, f) => (v === null || !Number.isFinite(v) ? null : ([x(f), yOf(v)] as const)));
          const d = pts.reduce((acc, p, i) => (p ? `${acc}${i === 0 || !pts[i - 1] ? 'M' : 'L'}${p[0].toFixed(1)},${p[1].toFixed(1)}` : acc), '');
          return (
            <g key={s.name} data-testid="chart-series" data-name={s.name}>
              <path d={d} stroke={s.color} className="frame-chart__line" strokeWidth={s.width} strokeDasharray={s.dash} strokeOpacity={s.width && s.width > 3 ? 0.55 : undefined} />
              {pts.map((p, f) =>
                p ? (
                  <circle
                    key={f}
                    cx={p[0]}
                    cy={p[1]}
                    r={(f === current ? 4 : 2.2) + (s.width && s.width > 3 ? 1.5 : 0)}
                    fill={log && (s.values[f] ?? 0) <= 0 ? 'none' : s.color}
                    fillOpacity={s.width && s.width > 3 ? 0.55 : undefined}
                    stroke={s.color}
                  />
                ) : null,
              )}
            </g>
          );
        })}
      </svg>
      <ChartLegend series={series} />
    </figure>
  );
}
