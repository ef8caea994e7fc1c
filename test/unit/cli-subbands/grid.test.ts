import { describe, expect, it } from 'vitest';
import { formatValue, renderLevelGrid } from '../../../src/cli/subband-grid';
import { drawText, textWidth } from '../../../src/cli/png-font';
import { colorizeTile } from '../../../src/shared/colormap';
import { SUBBANDS_3D, type SubbandTile } from '../../../src/shared/subbands';

describe('bitmap font', () => {
  it('draws glyph pixels at the given scale and clips to the image', () => {
    const w = 20, h = 16;
    const rgb = new Uint8Array(w * h * 3);
    drawText(rgb, w, h, 'L', 0, 0, [255, 0, 0], 2);
    // 'L' is a vertical bar in column 0 and a bottom row: pixel (0,0) and (9, 13) inked, (4, 0) not
    expect(rgb[0]).toBe(255);
    expect(rgb[(13 * w + 9) * 3]).toBe(255);
    expect(rgb[(0 * w + 4) * 3]).toBe(0);
    expect(textWidth('LLH', 2)).toBe((3 * 6 - 1) * 2);
    expect(() => drawText(rgb, w, h, 'WIDE TEXT PAST THE EDGE', 10, 10, [1, 2, 3], 3)).not.toThrow();
  });
});

describe('formatValue', () => {
  it('keeps 3 significant digits and uses exponents for tiny or huge values', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(2.8284271)).toBe('2.83');
    expect(formatValue(-0.1234)).toBe('-0.123');
    expect(formatValue(1.5e-6)).toBe('1.50E-6');
    expect(formatValue(-12345)).toBe('-1.23E4');
  });
});

describe('renderLevelGrid', () => {
  it('puts 8 upscaled, colourised tiles in 2 rows of 4', () => {
    const tiles: SubbandTile[] = SUBBANDS_3D.map((name, k) => {
      const data = new Float32Array(8 * 4);
      for (let i = 0; i < data.length; i++) data[i] = (k + 1) * Math.sin(i);
      let min = Infinity, max = -Infinity;
      for (const v of data) { min = Math.min(min, v); max = Math.max(max, v); }
      return { name, width: 8, height: 4, data, min, max };
    });
    const img = renderLevelGrid({ level: 2, coefficientFrame: 1, tiles }, { levels: 3, frame: 2, tileNote: 'TEST' });
    expect(img.rgb.length).toBe(img.width * img.height * 3);
    // scale = ceil(256 / 8) = 32: tiles are 256 x 128; the grid is at least 4 tiles wide and 2 high
    expect(img.width).toBeGreaterThanOrEqual(4 * 256);
    expect(img.height).toBeGreaterThanOrEqual(2 * 128);
    // Find the first tile by its colours: the top-left 32x32 block of the last tile (HHH)
    // must be the colour of its value 0 (sin 0 = 0 -> grey).
    const rgba = colorizeTile(tiles[7]);
    expect(Array.from(rgba.subarray(0, 3))).toEqual([221, 221, 221]);
    let found = 0;
    const [r1, g1, b1] = colorizeTile(tiles[0]).subarray(4, 7); // LLL pixel 1, viridis
    for (let i = 0; i < img.width * img.height; i++) {
      const [r, g, b] = [img.rgb[3 * i], img.rgb[3 * i + 1], img.rgb[3 * i + 2]];
      if (r === r1 && g === g1 && b === b1) found++;
    }
    expect(found).toBeGreaterThanOrEqual(32 * 32); // an upscaled pixel is a 32x32 block
  });
});
