// Everything measured on one clip, fed as the reconstruction streams out in
// frame blocks: per-frame PSNR inputs, SSIM, LPIPS, the temporal measures, and
// the frequency diagnostics. Only the previous frame's error and luma are kept
// between blocks, so memory does not grow with the clip.
import { ssim } from '../metrics/index';
import type { Tensor } from '../tensor';
import { GridPhaseAccumulator, type GridPhaseReport } from './grid-probe';
import type { LpipsNet } from './lpips';
import { SpectrumAccumulator, type RadialSpectrum } from './spectrum';
import { SubbandErrorAccumulator, type SubbandErrorReport } from './subband-error';

/** Rec. 601 luma weights, as the app's subband tiles use. */
const LUMA = [0.299, 0.587, 0.114] as const;

export interface FrameColumns {
  /** Mean squared error on [0, 1], over channels and pixels. */
  mse: number[];
  ssim: number[];
  lpips: number[] | null;
  /** RMS of the change in error from the previous frame, on [0, 1]; null for frame 0. */
  tde: (number | null)[];
  /** |luma jump of the reconstruction - luma jump of the original|, on [0, 1]; null for frame 0. */
  flicker: (number | null)[];
  lumaOriginal: number[];
  lumaReconstruction: number[];
}

export interface FrequencyReport {
  /** Haar levels analysed (the most the clip allows, up to the requested number). */
  levels: number;
  subbands: SubbandErrorReport | null;
  spectrum: RadialSpectrum;
  grid: GridPhaseReport;
}

export interface MeasureOptions {
  frames: number;
  height: number;
  width: number;
  /** Haar levels for the subband error; 0 skips it. */
  levels: number;
  /** false: per-frame metrics only (no subband, spectrum or grid work). */
  frequency: boolean;
  lpips?: LpipsNet | null;
  /** false: no SSIM (a caller that already has it, e.g. reconstruct). */
  ssim?: boolean;
  signal?: AbortSignal;
}

export const TEMPORAL_NOTE =
  'tde (temporal-difference error): RMS over pixels and channels of (rec_t - rec_{t-1}) - (orig_t - orig_{t-1}) on [0, 1], i.e. how wrongly the reconstruction moves between frames. ' +
  'flicker: |(L_rec,t - L_rec,t-1) - (L_orig,t - L_orig,t-1)| with L the frame-mean luma on [0, 1]: brightness jumps the original does not have. Clip values are means over frames 1..T-1.';

export class ClipMeasures {
  readonly columns: FrameColumns = { mse: [], ssim: [], lpips: null, tde: [], flicker: [], lumaOriginal: [], lumaReconstruction: [] };
  private prevError: Float32Array | null = null;
  private prevLuma: [number, number] | null = null;
  private readonly subbands: SubbandErrorAccumulator | null;
  private readonly spectrum: SpectrumAccumulator | null;
  private readonly grid: GridPhaseAccumulator | null;

  constructor(private readonly o: MeasureOptions) {
    if (o.lpips) this.columns.lpips = [];
    this.subbands = o.frequency && o.levels > 0 ? new SubbandErrorAccumulator(o.levels, 3, o.height, o.width) : null;
    this.spectrum = o.frequency ? new SpectrumAccumulator(o.height, o.width) : null;
    this.grid = o.frequency ? new GridPhaseAccumulator(o.height, o.width) : null;
  }

  get framesDone(): number {
    return this.columns.mse.length;
  }

  /** original and reconstruction: (3, n, H, W) on [-1, 1], the reconstruction already as saved (clamped / quantised). */
  async push(original: Tensor, reconstruction: Tensor): Promise<void> {
    const [C, n, H, W] = original.shape;
    if (C !== 3 || reconstruction.shape.join(',') !== original.shape.join(',')) {
      throw new Error(`measures: expected two (3, n, H, W) blocks of one shape, got (${original.shape.join(', ')}) and (${reconstruction.shape.join(', ')})`);
    }
    if (this.o.ssim !== false) this.columns.ssim.push(...ssim(original, reconstruction, { range: 2, signal: this.o.signal }).perFrame);
    if (this.o.lpips) this.columns.lpips!.push(...(await this.o.lpips.distances(original, reconstruction)));
    const plane = H * W;
    const frameOrig = new Float32Array(3 * plane);
    const frameRec = new Float32Array(3 * plane);
    const errLuma = new Float64Array(plane);
    const origLuma = new Float64Array(plane);
    for (let t = 0; t < n; t++) {
      this.o.signal?.throwIfAborted();
      // On [0, 1], as the reference measures.
      for (let c = 0; c < 3; c++) {
        const base = (c * n + t) * plane;
        for (let i = 0; i < plane; i++) {
          frameOrig[c * plane + i] = (original.data[base + i] + 1) / 2;
          frameRec[c * plane + i] = (reconstruction.data[base + i] + 1) / 2;
        }
      }
      let sse = 0;
      let lo = 0;
      let lr = 0;
      const error = new Float32Array(3 * plane);
      errLuma.fill(0);
      for (let c = 0; c < 3; c++) {
        const w = LUMA[c];
        for (let i = 0; i < plane; i++) {
          const a = frameOrig[c * plane + i];
          const b = frameRec[c * plane + i];
          const d = a - b;
          error[c * plane + i] = d;
          sse += d * d;
          lo += w * a;
          lr += w * b;
          errLuma[i] += w * d;
          if (c === 0) origLuma[i] = 0;
          origLuma[i] += w * a;
        }
      }
      this.columns.mse.push(sse / (3 * plane));
      const luma: [number, number] = [lo / plane, lr / plane];
      this.columns.lumaOriginal.push(luma[0]);
      this.columns.lumaReconstruction.push(luma[1]);
      if (this.prevError && this.prevLuma) {
        let s2 = 0;
        for (let i = 0; i < error.length; i++) {
          const d = error[i] - this.prevError[i];
          s2 += d * d;
        }
        this.columns.tde.push(Math.sqrt(s2 / error.length));
        this.columns.flicker.push(Math.abs(luma[1] - this.prevLuma[1] - (luma[0] - this.prevLuma[0])));
      } else {
        this.columns.tde.push(null);
        this.columns.flicker.push(null);
      }
      this.prevError = error;
      this.prevLuma = luma;
      this.subbands?.push(frameOrig.slice(), frameRec.slice());
      this.spectrum?.push(errLuma, origLuma);
      this.grid?.push(errLuma);
    }
  }

  frequency(): FrequencyReport | null {
    if (!this.spectrum || !this.grid) return null;
    return {
      levels: this.subbands?.levels ?? 0,
      subbands: this.subbands?.report() ?? null,
      spectrum: this.spectrum.result(),
      grid: this.grid.result(),
    };
  }
}
