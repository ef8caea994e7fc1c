import { describe, expect, it } from 'vitest';
import { colorizeTile, colormap, colormapKindFor, divergingColor, sequentialColor } from '../../../src/shared/colormap';
import type { SubbandTile } from '../../../src/shared/subbands';

describe('colormap', () => {
  it('diverging: 0 is grey, -max|v| blue, +max|v| red, symmetric whatever the min and max', () => {
    expect(divergingColor(0, -1, 3)).toEqual([221, 221, 221]);
    expect(divergingColor(3, -1, 3)).toEqual([180, 4, 38]);
    expect(divergingColor(-3, -1, 3)).toEqual([59, 76, 192]);
    // -1 is a third of the way to the blue end, not the blue end itself
    const c = divergingColor(-1, -1, 3);
    expect(c[2]).toBeGreaterThan(c[0]);
    expect(c).not.toEqual([59, 76, 192]);
    expect(divergingColor(0.5, 0, 0)).toEqual([221, 221, 221]); // flat tile
  });

  it('sequential: viridis from min to max', () => {
    expect(sequentialColor(-2, -2, 5)).toEqual([68, 1, 84]);
    expect(sequentialColor(5, -2, 5)).toEqual([253, 231, 37]);
    expect(sequentialColor(9, -2, 5)).toEqual([253, 231, 37]); // clamped
    const mid = sequentialColor(1.5, -2, 5);
    expect(mid[1]).toBeGreaterThan(100);
    expect(colormap(1.5, -2, 5, 'sequential')).toEqual(mid);
  });

  it('LLL is sequential, the detail bands diverging; colorizeTile gives opaque RGBA', () => {
    expect(colormapKindFor('LLL')).toBe('sequential');
    expect(colormapKindFor('HLH')).toBe('diverging');
    const tile: SubbandTile = { name: 'LHL', width: 3, height: 1, data: new Float32Array([-2, 0, 1]), min: -2, max: 1 };
    const rgba = colorizeTile(tile);
    expect(Array.from(rgba)).toEqual([59, 76, 192, 255, 221, 221, 221, 255, ...divergingColor(1, -2, 1), 255]);
  });
});
