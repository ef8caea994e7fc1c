// Per-element differences between two videos (C, T, H, W).
import type { Tensor } from '../tensor';
import { videoPairShape } from './shape';

export interface MaxAbsDiff {
  /** Over the whole clip. */
  clip: number;
  /** One per frame t, over channels and pixels. */
  perFrame: number[];
}

export function frameMaxAbsDiff(a: Tensor, b: Tensor): MaxAbsDiff {
  const [C, T, H, W] = videoPairShape(a, b, 'maxAbsDiff');
  const n = H * W;
  const perFrame = new Array<number>(T).fill(0);
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < T; t++) {
      const base = (c * T + t) * n;
      let m = perFrame[t];
      for (let i = 0; i < n; i++) {
        const d = Math.abs(a.data[base + i] - b.data[base + i]);
        // NaN must not hide: a NaN difference makes the maximum NaN.
        if (!(d <= m)) m = d;
      }
      perFrame[t] = m;
    }
  }
  return { clip: perFrame.reduce((m, d) => (!(d <= m) ? d : m), 0), perFrame };
}

/** Largest |a - b| over every element (any shapes of equal size). */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.data.length !== b.data.length) {
    throw new Error(`maxAbsDiff: ${a.data.length} vs ${b.data.length} elements`);
  }
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (!(d <= m)) m = d;
  }
  return m;
}

export function perFrameMaxAbsDiff(a: Tensor, b: Tensor): number[] {
  return frameMaxAbsDiff(a, b).perFrame;
}
