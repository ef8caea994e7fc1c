// The frequency diagnostics of one reconstruction on their own (subband
// error, WL consistency, error spectrum, grid phase map), for callers that
// measure PSNR and SSIM themselves: `wfvae reconstruct --json` and the app.
import type { Tensor } from '../tensor';
import { ClipMeasures, type FrequencyReport } from './clip-measures';
import { fittingLevels } from './subband-error';
import { WlAccumulator, wlPairs, type WlReport } from './wl-consistency';

export type ClipFrequencyReport = FrequencyReport & { wl: WlReport | null };

export class ClipFrequency {
  private readonly measures: ClipMeasures;
  private readonly wl: WlAccumulator;

  /** tapNames: the model's tap names, to pair encoder and decoder coefficients. */
  constructor(frames: number, height: number, width: number, levels: number, tapNames: readonly string[], signal?: AbortSignal) {
    this.measures = new ClipMeasures({ frames, height, width, levels: fittingLevels(levels, frames, height, width), frequency: true, ssim: false, signal });
    this.wl = new WlAccumulator(wlPairs(tapNames));
  }

  get encoderTaps(): string[] {
    return this.wl.encoderTaps;
  }

  get decoderTaps(): string[] {
    return this.wl.decoderTaps;
  }

  /** Consecutive frames (3, n, H, W) on [-1, 1] of the original and of the reconstruction as saved. */
  push(original: Tensor, reconstruction: Tensor): Promise<void> {
    return this.measures.push(original, reconstruction);
  }

  /** Energy-flow taps (any chunk of them) from the encoder and the decoder. */
  pushTaps(taps: Record<string, Tensor>): void {
    this.wl.pushEncoder(taps);
    this.wl.pushDecoder(taps);
  }

  report(): ClipFrequencyReport {
    const f = this.measures.frequency() as FrequencyReport;
    const wl = this.wl.report();
    return { ...f, wl: wl.levels.some((l) => l.frames > 0) ? wl : null };
  }
}

/** A whole clip at once: (3, T, H, W) original and reconstruction, and the run's taps if it fetched them. */
export async function clipFrequency(original: Tensor, reconstruction: Tensor, levels: number, taps: Record<string, Tensor> | undefined, signal?: AbortSignal): Promise<ClipFrequencyReport> {
  const [, T, H, W] = original.shape;
  const f = new ClipFrequency(T, H, W, levels, Object.keys(taps ?? {}), signal);
  await f.push(original, reconstruction);
  if (taps) f.pushTaps(taps);
  return f.report();
}
