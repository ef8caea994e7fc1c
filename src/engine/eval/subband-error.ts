// Reconstruction error per Haar level and subband: the energy of the
// original's coefficients, of the reconstruction's and of their difference
// (the Haar is linear, so that is the error's own decomposition), per
// coefficient frame. Frequency-specific failures (lost fine texture, temporal
// smearing, block patterns) show up as one subband's error, not in PSNR.
import { SUBBANDS_3D, type Subband3D } from '../../shared/subbands';
import { ORTHONORMAL_HAAR3D_COEFFICIENT } from '../wavelet/index';
import { StreamingHaar3d, type CoefficientFrame } from './haar-stream';

export interface SubbandErrorBand {
  name: Subband3D;
  /** Sums of squared coefficients over the clip. */
  original: number;
  reconstruction: number;
  error: number;
  /** error / original (0 when the original has no energy there). */
  relativeError: number;
  /** One value per coefficient frame of the level. */
  perFrame: { original: number[]; reconstruction: number[]; error: number[] };
}

export interface SubbandErrorLevel {
  level: number;
  /** Coefficient frames at this level; frame j covers video frames up to 2^level j. */
  frames: number;
  bands: SubbandErrorBand[];
}

export interface SubbandErrorReport {
  levels: SubbandErrorLevel[];
  note: string;
}

export const SUBBAND_ERROR_NOTE =
  'Energies are sums of squared orthonormal 3D Haar coefficients (coefficient 1/sqrt(8)) of the video on [0, 1], over the three colour channels. ' +
  'Level l transforms the previous level\'s LLL band; coefficient frame 0 pairs the first frame with itself (causal), frame j >= 1 pairs frames 2j - 1 and 2j. ' +
  'error is the energy of (original - reconstruction) in that subband; relativeError = error / original.';

/** How many levels a clip of T frames at H x W allows (odd frame counts down the pyramid, even sides). */
export function fittingLevels(requested: number, frames: number, height: number, width: number): number {
  let levels = 0;
  let t = frames;
  let h = height;
  let w = width;
  while (levels < requested && t % 2 === 1 && h % 2 === 0 && w % 2 === 0 && h >= 2 && w >= 2) {
    levels++;
    t = (t + 1) / 2;
    h /= 2;
    w /= 2;
  }
  return levels;
}

function energy(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

function errorEnergy(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

export class SubbandErrorAccumulator {
  private readonly orig: StreamingHaar3d;
  private readonly rec: StreamingHaar3d;
  private readonly waiting: CoefficientFrame[] = [];
  private readonly perLevel: { original: number[][]; reconstruction: number[][]; error: number[][] }[];

  /** Frames come in [0, 1] units: the caller scales them (x + 1) / 2. */
  constructor(
    readonly levels: number,
    channels: number,
    height: number,
    width: number,
  ) {
    this.perLevel = Array.from({ length: levels }, () => ({
      original: SUBBANDS_3D.map(() => []),
      reconstruction: SUBBANDS_3D.map(() => []),
      error: SUBBANDS_3D.map(() => []),
    }));
    const k = ORTHONORMAL_HAAR3D_COEFFICIENT;
    this.orig = new StreamingHaar3d(levels, channels, height, width, k, (f) => this.waiting.push(f));
    this.rec = new StreamingHaar3d(levels, channels, height, width, k, (f) => this.pair(f));
  }

  /** One video frame of the original and of the reconstruction, each (C, H, W) planar on [0, 1]. */
  push(original: Float32Array, reconstruction: Float32Array): void {
    this.orig.push(original);
    this.rec.push(reconstruction);
  }

  private pair(r: CoefficientFrame): void {
    const o = this.waiting.shift();
    if (!o || o.level !== r.level || o.index !== r.index) throw new Error('internal: the two Haar pyramids fell out of step');
    const acc = this.perLevel[r.level - 1];
    for (let f = 0; f < 8; f++) {
      acc.original[f].push(energy(o.bands[f]));
      acc.reconstruction[f].push(energy(r.bands[f]));
      acc.error[f].push(errorEnergy(o.bands[f], r.bands[f]));
    }
  }

  report(): SubbandErrorReport {
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    return {
      levels: this.perLevel.map((acc, i) => ({
        level: i + 1,
        frames: acc.original[0].length,
        bands: SUBBANDS_3D.map((name, f) => {
          const original = sum(acc.original[f]);
          const error = sum(acc.error[f]);
          return {
            name,
            original,
            reconstruction: sum(acc.reconstruction[f]),
            error,
            relativeError: original > 0 ? error / original : 0,
            perFrame: { original: acc.original[f], reconstruction: acc.reconstruction[f], error: acc.error[f] },
          };
        }),
      })),
      note: SUBBAND_ERROR_NOTE,
    };
  }
}
