// Lays one Haar level's 8 subband tiles out as a labelled 2 x 4 RGB image for
// `wfvae subbands`: title lines on top, each tile upscaled (nearest neighbour)
// to a readable size under its name and value range.
import { colorizeTile, COLORMAP_LEGEND_SHORT } from '../shared/colormap';
import type { SubbandViewLevel } from '../shared/subbands';
import { drawText, GLYPH_HEIGHT, textWidth } from './png-font';

export interface RgbImage {
  /** width * height * 3 bytes. */
  rgb: Uint8Array;
  width: number;
  height: number;
}

const BACKGROUND = [24, 24, 28] as const;
const INK = [235, 235, 235] as const;
const DIM_INK = [170, 170, 180] as const;
const MARGIN = 12;
const GAP = 12;
/** Tiles are enlarged by a whole factor until their long side reaches this. */
const MIN_TILE_SIDE = 256;

/** Compact value for labels: 3 significant digits, exponent form for very small or large values. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(2).replace('e+', 'E').replace('e-', 'E-');
  return String(Number(v.toPrecision(3)));
}

export function renderLevelGrid(level: SubbandViewLevel, info: { levels: number; frame: number; tileNote: string }): RgbImage {
  const tiles = level.tiles;
  const tw = tiles[0].width;
  const th = tiles[0].height;
  const scale = Math.max(1, Math.ceil(MIN_TILE_SIDE / Math.max(tw, th)));
  const cellW = tw * scale;
  const cellH = th * scale;
  const labels = tiles.map((t) => `${t.name}  ${formatValue(t.min)}..${formatValue(t.max)}`);
  const labelScale = labels.every((l) => textWidth(l, 2) <= cellW) ? 2 : 1;
  const labelH = GLYPH_HEIGHT * labelScale + 6;

  const titles = [
    `LEVEL ${level.level} OF ${info.levels}: FRAME ${info.frame} IS IN COEFFICIENT FRAME ${level.coefficientFrame}, ${tw}x${th} PER TILE (SHOWN x${scale})`,
    COLORMAP_LEGEND_SHORT,
    info.tileNote,
  ];
  const gridW = 4 * cellW + 3 * GAP;
  const widest = Math.max(...titles.map((t) => textWidth(t, 1)));
  const titleScale = titles.every((t) => textWidth(t, 2) <= gridW) ? 2 : 1;
  const lineH = GLYPH_HEIGHT * titleScale + 5;
  const width = 2 * MARGIN + Math.max(gridW, titleScale === 1 ? widest : 0);
  const titleH = titles.length * lineH + 6;
  const height = 2 * MARGIN + titleH + 2 * (labelH + cellH) + GAP;

  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(BACKGROUND, 3 * i);
  titles.forEach((t, i) => drawText(rgb, width, height, t, MARGIN, MARGIN + i * lineH, i === 0 ? INK : DIM_INK, titleScale));

  tiles.forEach((tile, k) => {
    const x0 = MARGIN + (k % 4) * (cellW + GAP);
    const y0 = MARGIN + titleH + Math.floor(k / 4) * (labelH + cellH + GAP);
    drawText(rgb, width, height, labels[k], x0, y0, INK, labelScale);
    const rgba = colorizeTile(tile);
    const top = y0 + labelH;
    for (let y = 0; y < cellH; y++) {
      const sy = Math.floor(y / scale);
      const row = (top + y) * width;
      for (let x = 0; x < cellW; x++) {
        const s = 4 * (sy * tw + Math.floor(x / scale));
        const d = 3 * (row + x0 + x);
        rgb[d] = rgba[s];
        rgb[d + 1] = rgba[s + 1];
        rgb[d + 2] = rgba[s + 2];
      }
    }
  });
  return { rgb, width, height };
}
