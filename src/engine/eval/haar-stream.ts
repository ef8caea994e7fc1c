// Multi-level causal 3D Haar fed one frame at a time, so a clip of any length
// is analysed in memory of a few frames per level. It computes exactly what
// wavelet/multilevel.ts computes on the whole clip: coefficient frame 0 of a
// level pairs its first input frame with itself (the causal replication),
// frame j >= 1 pairs input frames 2j - 1 and 2j, and each level's LLL frames
// are the next level's input.
import { SIGN_3D } from '../wavelet/index';

/** One coefficient frame: the 8 subbands (filter-major, SUBBANDS_3D order), each (C, H, W) planar. */
export interface CoefficientFrame {
  level: number;
  /** Index of this coefficient frame within its level. */
  index: number;
  bands: Float32Array[];
  channels: number;
  height: number;
  width: number;
}

export type CoefficientSink = (frame: CoefficientFrame) => void;

/** The 8 subbands of the frame pair (a, b): taps (dt, dh, dw) with dt = 0 from a, 1 from b. */
export function haarPair(a: Float32Array, b: Float32Array, channels: number, height: number, width: number, coefficient: number): Float32Array[] {
  const ho = height / 2;
  const wo = width / 2;
  const bands = Array.from({ length: 8 }, () => new Float32Array(channels * ho * wo));
  const v = new Float64Array(8);
  for (let c = 0; c < channels; c++) {
    const base = c * height * width;
    for (let y = 0; y < ho; y++) {
      const r0 = base + 2 * y * width;
      const r1 = r0 + width;
      for (let x = 0; x < wo; x++) {
        const x0 = 2 * x;
        v[0] = a[r0 + x0]; v[1] = a[r0 + x0 + 1]; v[2] = a[r1 + x0]; v[3] = a[r1 + x0 + 1];
        v[4] = b[r0 + x0]; v[5] = b[r0 + x0 + 1]; v[6] = b[r1 + x0]; v[7] = b[r1 + x0 + 1];
        const o = (c * ho + y) * wo + x;
        for (let f = 0; f < 8; f++) {
          const s = SIGN_3D[f];
          let acc = 0;
          for (let tap = 0; tap < 8; tap++) acc += s[tap] * v[tap];
          bands[f][o] = coefficient * acc;
        }
      }
    }
  }
  return bands;
}

interface LevelState {
  received: number;
  /** The odd input frame waiting for its even partner. */
  pending: Float32Array | null;
  channels: number;
  height: number;
  width: number;
  emitted: number;
}

export class StreamingHaar3d {
  private readonly levels: LevelState[];

  constructor(
    readonly levelCount: number,
    channels: number,
    height: number,
    width: number,
    private readonly coefficient: number,
    private readonly sink: CoefficientSink,
  ) {
    if (!Number.isInteger(levelCount) || levelCount < 1) throw new Error(`StreamingHaar3d: levels must be >= 1 (got ${levelCount})`);
    if (height % 2 ** levelCount !== 0 || width % 2 ** levelCount !== 0) {
      throw new Error(`StreamingHaar3d: ${levelCount} levels need sides that are multiples of ${2 ** levelCount}, got ${width}x${height}`);
    }
    this.levels = Array.from({ length: levelCount }, (_, i) => ({
      received: 0,
      pending: null,
      channels,
      height: height / 2 ** i,
      width: width / 2 ** i,
      emitted: 0,
    }));
  }

  /** Feeds the next video frame, (C, H, W) planar. */
  push(frame: Float32Array): void {
    this.feed(0, frame);
  }

  /** Input frames still waiting for a partner (non-zero means the clip length does not fit the levels). */
  get unpaired(): number {
    return this.levels.filter((l) => l.pending !== null).length;
  }

  private feed(level: number, frame: Float32Array): void {
    const s = this.levels[level];
    const i = s.received++;
    let pair: [Float32Array, Float32Array] | null = null;
    if (i === 0) pair = [frame, frame];
    else if (i % 2 === 1) s.pending = frame;
    else {
      pair = [s.pending as Float32Array, frame];
      s.pending = null;
    }
    if (!pair) return;
    const bands = haarPair(pair[0], pair[1], s.channels, s.height, s.width, this.coefficient);
    this.sink({ level: level + 1, index: s.emitted++, bands, channels: s.channels, height: s.height / 2, width: s.width / 2 });
    if (level + 1 < this.levelCount) this.feed(level + 1, bands[0]);
  }
}
