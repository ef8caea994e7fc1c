// Grid artefacts: a VAE that downsamples 8x in space can leave an 8x8 pattern
// tied to its latent grid. Averaging the signed luma error over all pixels of
// the same phase (y mod 8, x mod 8) cancels content and keeps such a pattern;
// on a flat-colour probe clip there is no content at all, so any structure in
// the reconstruction is the model's own.
import type { Tensor } from '../tensor';

export const GRID = 8;

export interface GridPhaseReport {
  /** 8 x 8 row-major: mean signed luma error (original - reconstruction) on [0, 1] at each (y mod 8, x mod 8). */
  phaseMean: number[];
  /** max - min of phaseMean, in 8-bit levels (x 255): 0 for no grid pattern. */
  amplitude: number;
  note: string;
}

export const GRID_NOTE =
  'Signed luma error (original - reconstruction, 0.299 R + 0.587 G + 0.114 B on [0, 1]) averaged over every pixel of each phase (y mod 8, x mod 8) and every frame; ' +
  'amplitude = (max - min) x 255 in 8-bit levels. Content averages out; a pattern tied to the 8x8 latent grid does not.';

export class GridPhaseAccumulator {
  private readonly sum = new Float64Array(GRID * GRID);
  private readonly count = new Float64Array(GRID * GRID);

  constructor(
    readonly height: number,
    readonly width: number,
  ) {}

  push(errorLuma: Float64Array | Float32Array): void {
    for (let y = 0; y < this.height; y++) {
      const py = (y % GRID) * GRID;
      for (let x = 0; x < this.width; x++) {
        const p = py + (x % GRID);
        this.sum[p] += errorLuma[y * this.width + x];
        this.count[p]++;
      }
    }
  }

  result(): GridPhaseReport {
    const phaseMean = Array.from(this.sum, (s, i) => (this.count[i] > 0 ? s / this.count[i] : 0));
    return { phaseMean, amplitude: (Math.max(...phaseMean) - Math.min(...phaseMean)) * 255, note: GRID_NOTE };
  }
}

/** The flat colours of the probe clip, as 8-bit RGB: greys and saturated colours, where grid patterns are most visible. */
export const PROBE_COLOURS: readonly [number, number, number][] = [
  [128, 128, 128],
  [32, 32, 32],
  [224, 224, 224],
  [200, 60, 40],
  [40, 160, 80],
  [50, 80, 200],
];

/**
 * A flat-colour probe clip (3, T, H, W) in [-1, 1]: T frames cycling through
 * the probe colours in runs of `run` frames, every frame one colour.
 */
export function flatProbeClip(frames: number, height: number, width: number, run = 8): Tensor {
  const n = height * width;
  const data = new Float32Array(3 * frames * n);
  for (let t = 0; t < frames; t++) {
    const colour = PROBE_COLOURS[Math.floor(t / run) % PROBE_COLOURS.length];
    for (let c = 0; c < 3; c++) data.fill(colour[c] / 127.5 - 1, (c * frames + t) * n, (c * frames + t + 1) * n);
  }
  return { data, shape: [3, frames, height, width] };
}
