// The one colouring of Haar coefficients used by the renderer and the CLI's
// PNGs. LLL (the low-pass band, an image of the frame) uses viridis, a
// perceptually uniform sequential map, over the tile's [min, max]; the seven
// detail bands are signed, so they use Moreland's cool-warm diverging map,
// symmetric around 0 over ±max|v| (grey = 0, blue < 0, red > 0).
import type { SubbandTile } from './subbands';

export type Rgb = [number, number, number];
export type ColormapKind = 'sequential' | 'diverging';

export const COLORMAP_LEGEND =
  'LLL: viridis (sequential) from the tile min (dark purple) to max (yellow). Other subbands: cool-warm (diverging), symmetric around 0 over ±max|v|: blue < 0, grey = 0, red > 0.';

export const COLORMAP_LEGEND_SHORT = 'LLL VIRIDIS MIN..MAX, DETAIL BANDS COOL-WARM -M..0..+M';

// Viridis (matplotlib) sampled at 10 evenly spaced points.
const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

// Moreland's cool-warm, sampled at 17 evenly spaced points.
const COOL_WARM: readonly Rgb[] = [
  [59, 76, 192], [77, 104, 215], [98, 130, 234], [119, 154, 247], [141, 176, 254],
  [163, 194, 255], [184, 208, 249], [204, 217, 238], [221, 221, 221], [236, 211, 197],
  [245, 196, 173], [247, 177, 148], [244, 154, 123], [236, 127, 99], [222, 96, 77],
  [203, 58, 56], [180, 4, 38],
];

function sample(table: readonly Rgb[], u: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isNaN(u) ? 0.5 : u)) * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i];
  const b = table[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Viridis over [min, max]; a flat range maps to the middle colour. */
export function sequentialColor(value: number, min: number, max: number): Rgb {
  return sample(VIRIDIS, max > min ? (value - min) / (max - min) : 0.5);
}

/** Cool-warm over [-m, m], m = max(|min|, |max|); 0 is always the grey midpoint. */
export function divergingColor(value: number, min: number, max: number): Rgb {
  const m = Math.max(Math.abs(min), Math.abs(max));
  return sample(COOL_WARM, m > 0 ? 0.5 + value / (2 * m) : 0.5);
}

export function colormap(value: number, min: number, max: number, kind: ColormapKind = 'diverging'): Rgb {
  return kind === 'sequential' ? sequentialColor(value, min, max) : divergingColor(value, min, max);
}

/** Which map a subband uses. */
export function colormapKindFor(name: SubbandTile['name']): ColormapKind {
  return name === 'LLL' ? 'sequential' : 'diverging';
}

/** The tile as width*height RGBA bytes (alpha 255), ready for ImageData or a PNG. */
export function colorizeTile(tile: SubbandTile): Uint8Array {
  const kind = colormapKindFor(tile.name);
  const out = new Uint8Array(tile.width * tile.height * 4);
  for (let i = 0; i < tile.width * tile.height; i++) {
    const [r, g, b] = colormap(tile.data[i], tile.min, tile.max, kind);
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}
