// Per-channel statistics of WF-VAE latents over many clips, for the shift and
// scale a latent diffusion model normalises with: z' = (z - shift) * scale,
// shift = per-channel mean, scale = 1 / per-channel std, as the reference's
// scripts/vae_var_test.py computes them (torch.std: unbiased) and its config's
// `shift` / `scale` lists hold them. Means and (co)variances are merged with
// Chan's pairwise update, so adding clips one by one loses no precision and
// the order of clips changes only the last bits.
import type { Tensor } from '../tensor';

export const DEFAULT_BIN_WIDTH = 0.05;
/** Histograms wider than this are coarsened by a whole factor, so the file stays readable. */
export const MAX_HISTOGRAM_BINS = 200;

export interface LatentStats {
  channels: number;
  /** Values per channel that went in. */
  count: number;
  mean: number[];
  /** Unbiased (n - 1), as torch.std. */
  std: number[];
  min: number[];
  max: number[];
  histogram: {
    binWidth: number;
    /** Left edge of bin 0; bin k covers [start + k w, start + (k + 1) w). */
    start: number;
    counts: number[][];
  };
  /** Pearson correlation between channels (C x C). */
  correlation: number[][];
  suggested: { shift: number[]; scale: number[] };
  note: string;
}

export const LATENT_STATS_NOTE =
  'Statistics over every latent value (frames and positions) per channel. Suggested normalisation z\' = (z - shift) * scale with shift = mean and scale = 1 / std (unbiased), ' +
  'the convention of the reference\'s vae_var_test.py and the `shift` / `scale` lists of a WF-VAE config.json.';

export interface Moments {
  n: number;
  mean: Float64Array;
  /** C x C co-moments. */
  comoment: Float64Array;
}

export interface Tallies {
  min: number[];
  max: number[];
  /** Per channel, [bin index, count] pairs in bin order. */
  bins: [number, number][][];
}

/** Per-channel mean and unbiased std of moments (what a clip's summary and the dataset's statistics report). */
export function momentSummary(m: Moments): { mean: number[]; std: number[] } {
  const C = m.mean.length;
  const std = Array.from({ length: C }, (_, c) => Math.sqrt(m.n > 1 ? m.comoment[c * C + c] / (m.n - 1) : 0));
  return { mean: Array.from(m.mean), std };
}

export class LatentStatsAccumulator {
  private n = 0;
  private readonly mean: Float64Array;
  /** Co-moments sum (x_i - mean_i)(x_j - mean_j), C x C. */
  private readonly comoment: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly bins: Map<number, number>[];

  constructor(
    readonly channels: number,
    readonly binWidth = DEFAULT_BIN_WIDTH,
  ) {
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`latent stats: channels must be >= 1 (got ${channels})`);
    if (!(binWidth > 0)) throw new Error(`latent stats: bin width must be positive (got ${binWidth})`);
    this.mean = new Float64Array(channels);
    this.comoment = new Float64Array(channels * channels);
    this.min = new Float64Array(channels).fill(Infinity);
    this.max = new Float64Array(channels).fill(-Infinity);
    this.bins = Array.from({ length: channels }, () => new Map());
  }

  get count(): number {
    return this.n;
  }

  /** A latent (1, C, t, h, w) or (C, t, h, w). */
  add(latent: Tensor): void {
    const shape = latent.shape.length === 5 ? latent.shape.slice(1) : latent.shape;
    const C = shape[0];
    if (C !== this.channels) throw new Error(`latent stats: a latent with ${C} channels cannot join statistics of ${this.channels}`);
    const m = latent.data.length / C;
    if (m === 0) return;
    const d = latent.data;
    const mean = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0;
      let lo = this.min[c];
      let hi = this.max[c];
      const bins = this.bins[c];
      for (let i = c * m; i < (c + 1) * m; i++) {
        const v = d[i];
        if (!Number.isFinite(v)) throw new Error(`latent stats: channel ${c} holds a non-finite value (${v}); the encoder output is broken`);
        s += v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        const b = Math.floor(v / this.binWidth);
        bins.set(b, (bins.get(b) ?? 0) + 1);
      }
      mean[c] = s / m;
      this.min[c] = lo;
      this.max[c] = hi;
    }
    const co = new Float64Array(C * C);
    for (let a = 0; a < C; a++) {
      for (let b = a; b < C; b++) {
        let s = 0;
        const ma = mean[a];
        const mb = mean[b];
        const oa = a * m;
        const ob = b * m;
        for (let i = 0; i < m; i++) s += (d[oa + i] - ma) * (d[ob + i] - mb);
        co[a * C + b] = co[b * C + a] = s;
      }
    }
    this.combine(m, mean, co);
  }

  /** Adds another accumulator's values (a clip's, into the dataset's). */
  merge(other: LatentStatsAccumulator): void {
    if (other.channels !== this.channels || other.binWidth !== this.binWidth) throw new Error('latent stats: cannot merge statistics of different channel counts or bin widths');
    if (other.n === 0) return;
    this.addTallies(other.tallies());
    this.combine(other.n, other.mean, other.comoment);
  }

  /**
   * Count, means and co-moments: the part of the statistics whose floating-point value depends on
   * the order values are combined in. A sharded run keeps one per clip, so its merge can combine
   * them in clip order exactly as one unsharded run does.
   */
  moments(): Moments {
    return { n: this.n, mean: Float64Array.from(this.mean), comoment: Float64Array.from(this.comoment) };
  }

  /** Combines a clip's moments after those added so far (Chan's update, as merge() does). */
  addMoments(m: Moments): void {
    if (m.mean.length !== this.channels || m.comoment.length !== this.channels * this.channels) throw new Error(`latent stats: moments of ${m.mean.length} channels cannot join statistics of ${this.channels}`);
    if (m.n === 0) return;
    this.combine(m.n, m.mean, m.comoment);
  }

  /** Minimum, maximum and histogram counts: exact in any order (integers and comparisons). */
  tallies(): Tallies {
    return { min: Array.from(this.min), max: Array.from(this.max), bins: this.bins.map((m) => [...m.entries()].sort((a, b) => a[0] - b[0])) };
  }

  addTallies(t: Tallies): void {
    if (t.min.length !== this.channels) throw new Error(`latent stats: tallies of ${t.min.length} channels cannot join statistics of ${this.channels}`);
    for (let c = 0; c < this.channels; c++) {
      this.min[c] = Math.min(this.min[c], t.min[c]);
      this.max[c] = Math.max(this.max[c], t.max[c]);
      for (const [b, k] of t.bins[c]) this.bins[c].set(b, (this.bins[c].get(b) ?? 0) + k);
    }
  }

  /** Chan et al.: merge (n_b, mean_b, M_b) into the running (n_a, mean_a, M_a). */
  private combine(nb: number, meanB: Float64Array, coB: Float64Array): void {
    const C = this.channels;
    const na = this.n;
    const n = na + nb;
    const delta = new Float64Array(C);
    for (let c = 0; c < C; c++) delta[c] = meanB[c] - this.mean[c];
    const f = (na * nb) / n;
    for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) this.comoment[a * C + b] += coB[a * C + b] + delta[a] * delta[b] * f;
    for (let c = 0; c < C; c++) this.mean[c] += (delta[c] * nb) / n;
    this.n = n;
  }

  result(): LatentStats {
    const C = this.channels;
    const n = this.n;
    if (n === 0) throw new Error('latent stats: no latents were added');
    const { std } = momentSummary({ n, mean: this.mean, comoment: this.comoment });
    const correlation = Array.from({ length: C }, (_, a) =>
      Array.from({ length: C }, (_, b) => {
        const den = Math.sqrt(this.comoment[a * C + a] * this.comoment[b * C + b]);
        return den > 0 ? this.comoment[a * C + b] / den : a === b ? 1 : 0;
      }),
    );
    // One common bin range for every channel, coarsened to at most MAX_HISTOGRAM_BINS.
    let lo = Infinity;
    let hi = -Infinity;
    for (const m of this.bins) for (const b of m.keys()) {
      if (b < lo) lo = b;
      if (b > hi) hi = b;
    }
    const factor = Math.max(1, Math.ceil((hi - lo + 1) / MAX_HISTOGRAM_BINS));
    const first = Math.floor(lo / factor);
    const nBins = Math.floor(hi / factor) - first + 1;
    const counts = this.bins.map((m) => {
      const out = new Array<number>(nBins).fill(0);
      for (const [b, k] of m) out[Math.floor(b / factor) - first] += k;
      return out;
    });
    return {
      channels: C,
      count: n,
      mean: Array.from(this.mean),
      std,
      min: Array.from(this.min),
      max: Array.from(this.max),
      histogram: { binWidth: this.binWidth * factor, start: first * factor * this.binWidth, counts },
      correlation,
      suggested: { shift: Array.from(this.mean), scale: std.map((s) => (s > 0 ? 1 / s : 1)) },
      note: LATENT_STATS_NOTE,
    };
  }
}

/** The config.json fragment a user pastes into their checkpoint's config (rounded to 6 significant digits). */
export function configFragment(stats: Pick<LatentStats, 'suggested'>): { shift: number[]; scale: number[] } {
  const r = (v: number) => Number(v.toPrecision(6));
  return { shift: stats.suggested.shift.map(r), scale: stats.suggested.scale.map(r) };
}

/** z = mean + exp(logvar / 2) * eps with a seeded standard normal eps (the reference's .sample()). */
export function samplePosterior(mean: Tensor, logvar: Tensor, seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(mean.data.length);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const a = 2 * Math.PI * uniform();
    out[i] = mean.data[i] + Math.exp(logvar.data[i] / 2) * r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = mean.data[i + 1] + Math.exp(logvar.data[i + 1] / 2) * r * Math.sin(a);
  }
  return { data: out, shape: mean.shape };
}
