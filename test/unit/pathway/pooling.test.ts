// The pathway's pooled copies of the backbone stages: cell means with short
// cells at the right and bottom edges, and a StagePooler fed in uneven
// chunks giving per-frame statistics equal to the full tensor's.
import { describe, expect, it } from 'vitest';
import { poolPlane, StagePooler, POOL_SIDE } from '../../../src/engine/session/pathway-pool';
import { FullSource, PooledSource } from '../../../src/engine/session/pathway-values';
import { sliceFrames } from '../../../src/engine/runtime/stream-frames';
import { prng } from '../../helpers/random-checkpoint';

describe('pathway pooling', () => {
  it('averages k x k cells, the edge cells over the pixels they have', () => {
    // 3 rows x 5 columns, values 0..14, pooled by 2: cells of 4, 2 (right), 2 (bottom) and 1 pixel.
    const plane = Float32Array.from({ length: 15 }, (_, i) => i);
    expect([...poolPlane(plane, 0, 3, 5, 2)]).toEqual([(0 + 1 + 5 + 6) / 4, (2 + 3 + 7 + 8) / 4, (4 + 9) / 2, (10 + 11) / 2, (12 + 13) / 2, 14]);
  });

  it('keeps per-channel energy, range and pooled planes of a tensor fed in uneven chunks, as the full tensor gives them', () => {
    const rand = prng(7);
    const [C, T, H, W] = [3, 9, 2 * POOL_SIDE + 3, 40];
    const full = { data: Float32Array.from({ length: C * T * H * W }, () => rand() * 4 - 2), shape: [1, C, T, H, W] };
    const pooler = new StagePooler();
    for (const [a, b] of [[0, 1], [1, 5], [5, 6], [6, 9]]) pooler.push(sliceFrames(full, a, b));
    const pooled = new PooledSource(pooler.result()!);
    const ref = new FullSource(full);
    expect(pooled.shape).toEqual([C, T, H, W]);
    for (const [c, f] of [[0, 0], [2, 4], [1, 8]]) {
      expect(pooled.energy(c, f)).toBeCloseTo(ref.energy(c, f), 6);
      expect([pooled.min(c, f), pooled.max(c, f)]).toEqual([ref.min(c, f), ref.max(c, f)]);
      const p = pooled.plane(c, f, null);
      const r = ref.plane(c, f, POOL_SIDE);
      expect([p.width, p.height, p.pooled]).toEqual([r.width, r.height, 3]);
      for (let i = 0; i < r.data.length; i++) expect(p.data[i]).toBeCloseTo(r.data[i], 5);
      const sq = pooled.squares(f, null);
      const rs = ref.squares(f, POOL_SIDE);
      for (let i = 0; i < rs.data.length; i += 7) expect(sq.data[i]).toBeCloseTo(rs.data[i], 4);
    }
  });
});
