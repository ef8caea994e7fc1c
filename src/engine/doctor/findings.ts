// What is wrong with a checkpoint's weights, tensor by tensor: non-finite
// values, tensors that are all zero, values far outside their tensor's
// spread, layers whose scale is far from their kind's, and Haar filters that
// are no longer Haar filters (training must leave them fixed).
import type { WeightStat } from './weight-stats';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  kind: 'non-finite' | 'all-zero' | 'outlier' | 'layer-scale' | 'wavelet-filter' | 'config' | 'missing' | 'unexpected' | 'shape' | 'dtype';
  /** The tensor (or config key) concerned, when there is one. */
  subject: string | null;
  message: string;
}

/** A value beyond this many standard deviations of its own tensor is an outlier. */
export const OUTLIER_SIGMAS = 50;
/** A layer whose std is this many times off the median of its kind is flagged. */
export const LAYER_SCALE_FACTOR = 20;

/** Which tensors are alike enough to compare scales: the parameter's role and rank (conv weights, norm weights, biases, ...). */
export function kindOf(name: string, rank: number): string {
  const leaf = name.split('.').slice(-2).join('.');
  if (/norm/.test(name)) return `norm ${name.endsWith('bias') ? 'bias' : 'weight'}`;
  if (name.endsWith('bias')) return 'bias';
  return `${/\bq\b|\bk\b|\bv\b|proj_out/.test(leaf) ? 'attention ' : ''}weight rank ${rank}`;
}

export const isWaveletFilter = (name: string) => /wavelet_transform/.test(name);

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
};

export function weightFindings(stats: readonly WeightStat[]): Finding[] {
  const out: Finding[] = [];
  for (const w of stats) {
    if (w.nan + w.inf > 0) {
      out.push({
        severity: 'error',
        kind: 'non-finite',
        subject: w.name,
        message: `${w.name} holds ${[w.nan ? `${w.nan} NaN` : '', w.inf ? `${w.inf} Inf` : ''].filter(Boolean).join(' and ')} of ${w.numel} values: the run diverged before this save; use an earlier checkpoint`,
      });
    }
    if (isWaveletFilter(w.name)) {
      // A Haar filter holds +-c everywhere (0.3536 in released 3D filters, 0.5 in 2D).
      const uniform = w.numel > 0 && w.maxAbs > 0 && w.maxAbs - w.minAbs <= 1e-3 * w.maxAbs;
      if (!uniform && w.nan + w.inf === 0) {
        out.push({ severity: 'error', kind: 'wavelet-filter', subject: w.name, message: `${w.name} is not a Haar filter (values from ${w.min} to ${w.max}; expected +-c everywhere): the wavelet filters must stay fixed, was it trained or overwritten?` });
      }
      continue;
    }
    if (w.numel > 1 && w.zeros === w.numel) {
      const bias = w.name.endsWith('bias');
      out.push({
        severity: bias ? 'info' : 'warning',
        kind: 'all-zero',
        subject: w.name,
        message: bias ? `${w.name} is all zeros (a bias left at its initial value)` : `${w.name} is all zeros (${w.numel} values): an untrained or wiped layer; its output is constant`,
      });
    }
    if (w.numel >= 64 && w.std > 0 && (w.maxAbs - Math.abs(w.mean)) > OUTLIER_SIGMAS * w.std) {
      out.push({
        severity: 'warning',
        kind: 'outlier',
        subject: w.name,
        message: `${w.name}: |w| reaches ${w.maxAbs.toPrecision(4)}, ${((w.maxAbs - Math.abs(w.mean)) / w.std).toFixed(0)} standard deviations (std ${w.std.toPrecision(3)}) from its mean`,
      });
    }
  }
  // Scale against tensors of the same kind.
  const groups = new Map<string, WeightStat[]>();
  for (const w of stats) {
    if (isWaveletFilter(w.name) || w.numel < 16 || w.nan + w.inf > 0 || w.std === 0) continue;
    const k = kindOf(w.name, w.shape.length);
    groups.set(k, [...(groups.get(k) ?? []), w]);
  }
  for (const [kind, ws] of groups) {
    if (ws.length < 5) continue;
    const m = median(ws.map((w) => w.std));
    for (const w of ws) {
      const r = w.std / m;
      if (r > LAYER_SCALE_FACTOR || r < 1 / LAYER_SCALE_FACTOR) {
        out.push({
          severity: 'warning',
          kind: 'layer-scale',
          subject: w.name,
          message: `${w.name}: std ${w.std.toPrecision(3)} is ${r > 1 ? `${r.toFixed(0)}x` : `1/${(1 / r).toFixed(0)} of`} the median of the ${ws.length} tensors of its kind (${kind}, median std ${m.toPrecision(3)})`,
        });
      }
    }
  }
  return out;
}
