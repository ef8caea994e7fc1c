// Radial power spectrum of the reconstruction error (luma), averaged over
// frames, beside the original's: where in spatial frequency the model loses
// (or invents) signal. Also the share of error power at multiples of 1/8
// cycles per pixel, the latent grid's own frequencies: block artefacts of an
// 8x8-downsampling VAE put their power exactly there.
import { powerSpectrum2d } from './fft';

export const SPECTRUM_BINS = 32;

export interface RadialSpectrum {
  /** Bin centres in cycles per pixel, over [0, 0.5); the last bin also takes the corners (radius >= 0.5). */
  frequency: number[];
  /**
   * Mean over frames of the bin's summed |DFT|^2 / (H W)^2: by Parseval the
   * bins of one frame add up to that frame's mean squared value, so the error
   * bins add up to the luma MSE on [0, 1].
   */
  error: number[];
  original: number[];
  /** error / original per bin (0 where the original has no power). */
  relativeError: number[];
  /** Error power at the 8-pixel grid frequencies (k/8 in x and y, DC excluded) over all non-DC error power; mean over frames. */
  gridShare: number;
  frames: number;
  note: string;
}

export const SPECTRUM_NOTE =
  'Radial spectrum of luma (0.299 R + 0.587 G + 0.114 B on [0, 1]) per frame, 32 bins of radius over [0, 0.5) cycles/pixel (corners in the last bin), ' +
  'power normalised so the bins sum to the mean squared value; averaged over frames. gridShare: error power at the 8x8 latent grid frequencies (multiples of 1/8, DC excluded) over all AC error power.';

interface BinMap {
  bin: Int32Array;
  grid: Uint8Array;
}

const binMaps = new Map<string, BinMap>();

function binMap(height: number, width: number): BinMap {
  const key = `${height}x${width}`;
  let m = binMaps.get(key);
  if (m) return m;
  const bin = new Int32Array(height * width);
  const grid = new Uint8Array(height * width);
  const gy = height / 8;
  const gx = width / 8;
  for (let y = 0; y < height; y++) {
    const fy = (y <= height / 2 ? y : y - height) / height;
    for (let x = 0; x < width; x++) {
      const fx = (x <= width / 2 ? x : x - width) / width;
      const r = Math.hypot(fx, fy);
      bin[y * width + x] = Math.min(SPECTRUM_BINS - 1, Math.floor((r / 0.5) * SPECTRUM_BINS));
      grid[y * width + x] = Number.isInteger(gy) && Number.isInteger(gx) && y % gy === 0 && x % gx === 0 && (x !== 0 || y !== 0) ? 1 : 0;
    }
  }
  m = { bin, grid };
  binMaps.set(key, m);
  return m;
}

export class SpectrumAccumulator {
  private readonly errorSum = new Float64Array(SPECTRUM_BINS);
  private readonly originalSum = new Float64Array(SPECTRUM_BINS);
  private gridShareSum = 0;
  private frames = 0;

  constructor(
    readonly height: number,
    readonly width: number,
  ) {}

  /** One frame's luma planes (H x W) on [0, 1]: the error (original - reconstruction) and the original. */
  push(errorLuma: Float64Array | Float32Array, originalLuma: Float64Array | Float32Array): void {
    const { bin, grid } = binMap(this.height, this.width);
    const norm = (this.height * this.width) ** 2;
    const pe = powerSpectrum2d(errorLuma, this.height, this.width);
    const po = powerSpectrum2d(originalLuma, this.height, this.width);
    let ac = 0;
    let onGrid = 0;
    for (let i = 0; i < pe.length; i++) {
      this.errorSum[bin[i]] += pe[i] / norm;
      this.originalSum[bin[i]] += po[i] / norm;
      if (i !== 0) ac += pe[i];
      if (grid[i]) onGrid += pe[i];
    }
    this.gridShareSum += ac > 0 ? onGrid / ac : 0;
    this.frames++;
  }

  result(): RadialSpectrum {
    const n = Math.max(1, this.frames);
    const error = Array.from(this.errorSum, (v) => v / n);
    const original = Array.from(this.originalSum, (v) => v / n);
    return {
      frequency: Array.from({ length: SPECTRUM_BINS }, (_, b) => ((b + 0.5) * 0.5) / SPECTRUM_BINS),
      error,
      original,
      relativeError: error.map((e, b) => (original[b] > 0 ? e / original[b] : 0)),
      gridShare: this.gridShareSum / n,
      frames: this.frames,
      note: SPECTRUM_NOTE,
    };
  }
}
