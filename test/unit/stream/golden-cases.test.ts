// Every golden model's own cases through the chunked paths (odd chunk sizes too): Causal Cache
// equals whole-clip (and so the reference) on causal-safe models, taps too;
// models that mix frames (GroupNorm over time, AttnBlock3D) are flagged before the run and their deviation measured.
import { afterAll, describe, expect, it } from 'vitest';
import type { WfvaeModel } from '../../../src/engine/runtime/model';
import { chunkingVerdict, decodeWith, encodeWith } from '../../../src/engine/runtime/stream-model';
import { coefficientNames, goldenModels, maxAbsDiff, PARITY_TOL, readCase, REFERENCE_GOLDENS, splitMoments } from '../parity/goldens';
import { loadConverted } from './stream-helpers';

const models: WfvaeModel[] = [];
afterAll(async () => {
  await Promise.all(models.map((m) => m.dispose()));
});

// The shared goldens (or the subset), and the reference goldens made for the 8x temporal variant and a larger WFVAE2.
describe.each([...goldenModels(), ...goldenModels(REFERENCE_GOLDENS)])('$name: chunked inference on its golden cases', (golden) => {
  it.each(golden.cases)('%s', async (file) => {
    const model = await loadConverted(golden.dir);
    models.push(model);
    const c = await readCase(`${golden.dir}/${file}`);
    const video = c.get('input')!;
    const ref = splitMoments(c.get('enc.h')!);
    const whole = await model.encode(video, { taps: true });
    const wholeDec = await model.decode(ref.mean, { taps: true });
    const verdict = chunkingVerdict(model.facts, 'cached');
    expect(verdict.exact).toBe(model.facts.causalSafe);

    const devs: number[] = [];
    for (const encChunk of [4, 5]) {
      const r = await encodeWith(model, video, { mode: 'cached', encChunk }, { taps: true });
      const d = Math.max(maxAbsDiff(r.mean, whole.mean), ...coefficientNames(c, 'enc.').map((k) => maxAbsDiff(r.taps![k], whole.taps![k])));
      devs.push(d);
      if (model.facts.causalSafe) {
        expect(d).toBeLessThanOrEqual(1e-5);
        // ... and therefore the reference's own numbers.
        expect(maxAbsDiff(r.mean, ref.mean)).toBeLessThanOrEqual(PARITY_TOL);
        for (const k of coefficientNames(c, 'enc.')) expect(maxAbsDiff(r.taps![k], c.get(k)!), k).toBeLessThanOrEqual(PARITY_TOL);
      }
    }
    for (const decChunk of [1, 2]) {
      const r = await decodeWith(model, ref.mean, { mode: 'cached', decChunk }, { taps: true });
      const d = Math.max(maxAbsDiff(r.video, wholeDec.video), ...coefficientNames(c, 'dec.').map((k) => maxAbsDiff(r.taps![k], wholeDec.taps![k])));
      devs.push(d);
      if (model.facts.causalSafe) {
        expect(d).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(r.video, c.get('dec.x')!)).toBeLessThanOrEqual(PARITY_TOL);
        for (const k of coefficientNames(c, 'dec.')) expect(maxAbsDiff(r.taps![k], c.get(k)!), k).toBeLessThanOrEqual(PARITY_TOL);
      }
    }
    const worst = Math.max(...devs);
    console.log(`[golden-cases] ${golden.name} ${file}: causalSafe=${model.facts.causalSafe}, max |cached - whole| = ${worst.toExponential(2)}`);
    if (!model.facts.causalSafe && video.shape[2] > 5) {
      // Per-chunk GroupNorm statistics, or AttnBlock3D rows that hold several frames: chunked cannot match, and the measurement says so.
      expect(worst).toBeGreaterThan(1e-4);
      expect(verdict.timeMixingLayers.length).toBeGreaterThan(0);
      expect(verdict.message).toMatch(golden.name === 'wfvae-attn3d-legacy' ? /AttnBlock3D attention across frames in 2 layers/ : /GroupNorm over time/);
    }
  });
});
