// Pure data-to-pixels for the diagnostics views: the subband x level heatmap
// over time, the correlation matrix and the 8x8 grid phase map. No DOM here,
// so the mapping is checked without a browser.
import { divergingColor, sequentialColor } from '../../../shared/colormap';
import { coefficientFrameFor } from '../../../shared/subbands';
import type { Frequency } from '../../../shared/diagnostics-contract';

export type HeatmapMode = 'relative' | 'error';

export interface Heatmap {
  /** One label per row: "L1 LLL", ... */
  labels: string[];
  /** rows x frames; null where the original has no energy (relative mode). */
  values: (number | null)[][];
  frames: number;
}

/**
 * One row per (level, subband), one column per video frame: the value of the
 * coefficient frame that covers that video frame at that level (the same
 * mapping the Subbands view uses), as error / original or as error energy.
 */
export function subbandHeatmap(f: Frequency, mode: HeatmapMode): Heatmap {
  const labels: string[] = [];
  const values: (number | null)[][] = [];
  for (const level of f.subbands?.levels ?? []) {
    for (const band of level.bands) {
      labels.push(`L${level.level} ${band.name}`);
      values.push(
        Array.from({ length: f.frames }, (_, frame) => {
          const j = Math.min(level.frames - 1, coefficientFrameFor(frame, level.level));
          const err = band.perFrame.error[j];
          if (mode === 'error') return err;
          const orig = band.perFrame.original[j];
          return orig > 0 ? err / orig : null;
        }),
      );
    }
  }
  return { labels, values, frames: f.frames };
}

/** RGBA (frames wide, rows high), viridis on log10 of the values; null and non-positive cells dark grey. */
export function heatmapRgba(h: Heatmap): { rgba: Uint8Array; min: number; max: number } {
  const rows = h.values.length;
  const logs = h.values.flat().filter((v): v is number => v !== null && v > 0).map(Math.log10);
  const lo = logs.length ? Math.min(...logs) : 0;
  const hi = logs.length ? Math.max(...logs) : 1;
  const rgba = new Uint8Array(h.frames * rows * 4);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < h.frames; c++) {
      const v = h.values[r][c];
      const [R, G, B] = v !== null && v > 0 ? sequentialColor(Math.log10(v), lo, hi) : [40, 44, 52];
      const o = 4 * (r * h.frames + c);
      rgba[o] = R;
      rgba[o + 1] = G;
      rgba[o + 2] = B;
      rgba[o + 3] = 255;
    }
  }
  return { rgba, min: logs.length ? 10 ** lo : 0, max: logs.length ? 10 ** hi : 0 };
}

/** An n x n (or 8 x 8) signed matrix, cool-warm symmetric around 0 over +-range (default: its max |v|). */
export function divergingRgba(values: readonly number[], range?: number): Uint8Array {
  const m = range ?? Math.max(...values.map(Math.abs), 0);
  const rgba = new Uint8Array(values.length * 4);
  values.forEach((v, i) => {
    const [r, g, b] = divergingColor(v, -m, m);
    rgba.set([r, g, b, 255], 4 * i);
  });
  return rgba;
}
