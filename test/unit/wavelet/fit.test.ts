import { describe, expect, it } from 'vitest';
import { fitForHaarLevels, maxLevelsAfterCrop, multiLevelHaar3d } from '../../../src/engine/wavelet';
import { at, randomTensor } from './helpers';

describe('fitForHaarLevels', () => {
  it('trims trailing frames to 1 + 2^N k and centre-crops to multiples of 2^N', () => {
    const x = randomTensor([3, 30, 20, 27], 5);
    const { video, notes } = fitForHaarLevels(x, 3);
    expect(video.shape).toEqual([3, 25, 16, 24]);
    expect(notes).toEqual([
      'trimmed 30 frames to 25 (3 levels need 1 + 8k frames)',
      'centre-cropped 27x20 to 24x16 (3 levels need sides that are multiples of 8)',
    ]);
    // crop offsets: (20-16)/2 = 2 rows, floor(3/2) = 1 column
    for (const [c, t, y, w] of [[0, 0, 0, 0], [2, 24, 15, 23], [1, 7, 3, 11]]) {
      expect(at(video, c, t, y, w)).toBe(at(x, c, t, y + 2, w + 1));
    }
    expect(() => multiLevelHaar3d(video, 3)).not.toThrow();
  });

  it('returns the clip untouched when it already fits', () => {
    const x = randomTensor([3, 9, 16, 16], 5);
    const r = fitForHaarLevels(x, 3);
    expect(r.video).toBe(x);
    expect(r.notes).toEqual([]);
  });

  it('refuses levels the sides cannot give even after cropping', () => {
    expect(maxLevelsAfterCrop(96, 128)).toBe(6);
    expect(() => fitForHaarLevels(randomTensor([3, 9, 12, 40]), 4)).toThrow(/at most 3/);
  });
});
