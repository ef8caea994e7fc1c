// Causal Cache chunking equals whole-clip inference for every clip length
// T = 1 + 4k up to 65, every encoder chunk in {1,2,3,4,5,8,12,16} frames and
// every decoder chunk in {1,2,3,4,5,8} latent frames, outputs and taps alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WfvaeModel } from '../../../src/engine/runtime/model';
import { decodeWith, encodeWith } from '../../../src/engine/runtime/stream-model';
import { maxAbsDiff } from '../parity/goldens';
import { loadConverted, randomVideo, smallCausalGolden } from './stream-helpers';

const TOL = 1e-5;
const LENGTHS = Array.from({ length: 17 }, (_, k) => 1 + 4 * k);
const ENC_CHUNKS = [1, 2, 3, 4, 5, 8, 12, 16];
const DEC_CHUNKS = [1, 2, 3, 4, 5, 8];

describe('Causal Cache equals whole-clip inference (exhaustive)', () => {
  const golden = smallCausalGolden();
  let model: WfvaeModel;
  let worst = 0;
  beforeAll(async () => {
    model = await loadConverted(golden.dir);
  });
  afterAll(async () => {
    console.log(`[exhaustive] ${golden.name}: max |chunked - whole| over ${LENGTHS.length} lengths x ${ENC_CHUNKS.length} encoder x ${DEC_CHUNKS.length} decoder chunk sizes = ${worst.toExponential(2)}`);
    await model?.dispose();
  });

  it.each(LENGTHS)('T = %i', async (T) => {
    const video = randomVideo(T, 16, 16, T);
    const whole = await model.encode(video, { taps: true });
    const wholeDec = await model.decode(whole.mean, { taps: true });
    for (const encChunk of ENC_CHUNKS) {
      const r = await encodeWith(model, video, { mode: 'cached', encChunk }, { taps: true });
      expect(r.mean.shape).toEqual(whole.mean.shape);
      const d = Math.max(maxAbsDiff(r.mean, whole.mean), maxAbsDiff(r.logvar, whole.logvar), ...Object.keys(whole.taps!).map((k) => maxAbsDiff(r.taps![k], whole.taps![k])));
      worst = Math.max(worst, d);
      expect(d, `encoder chunk ${encChunk}`).toBeLessThanOrEqual(TOL);
    }
    for (const decChunk of DEC_CHUNKS) {
      const r = await decodeWith(model, whole.mean, { mode: 'cached', decChunk }, { taps: true });
      expect(r.video.shape).toEqual([1, 3, T, 16, 16]);
      const d = Math.max(maxAbsDiff(r.video, wholeDec.video), ...Object.keys(wholeDec.taps!).map((k) => maxAbsDiff(r.taps![k], wholeDec.taps![k])));
      worst = Math.max(worst, d);
      expect(d, `decoder chunk ${decChunk}`).toBeLessThanOrEqual(TOL);
    }
  });
});
