// Parity of the converted ONNX graphs with the public reference (PyTorch) on
// every golden model and case: encoder mean/logvar, decoder output from
// z = mean, and every energy-flow coefficient tensor, through WfvaeModel.
// Both sets: the shared goldens (or the repo subset) and the reference goldens
// made for the options those leave out (8x temporal, a larger WFVAE2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { coefficientNames, FULL_GOLDENS, GOLDENS_ROOT, goldenModels, maxAbsDiff, PARITY_TOL, readCase, REFERENCE_GOLDENS, splitMoments } from './goldens';

const cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-parity-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** One line per case: every measured max abs difference. */
const report = (what: string, errs: Record<string, number>) =>
  console.log(`parity ${what}: ${Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);

const SETS: [string, string][] = [
  [FULL_GOLDENS ? 'full set' : 'repo subset', GOLDENS_ROOT],
  ['reference goldens made for the repo', REFERENCE_GOLDENS],
];

describe.each(SETS)('golden parity through the engine (%s: %s)', (_label, root) => {
  for (const gm of goldenModels(root)) {
    describe(gm.name, () => {
      let model: WfvaeModel;
      beforeAll(async () => {
        model = await WfvaeModel.load(gm.dir, { provider: 'cpu', threads: 2, convert: { cacheDir } });
      });
      afterAll(() => model?.dispose());

      it('converts with the reference class and runs on CPU', () => {
        expect(model.manifest.className).toBe(gm.className);
        expect(model.provider).toBe('cpu');
      });

      for (const file of gm.cases) {
        it(`${file}: mean, logvar, dec.x and every coefficient within ${PARITY_TOL}`, async () => {
          const c = await readCase(join(gm.dir, file));
          const input = c.get('input')!;
          const golden = splitMoments(c.get('enc.h')!);

          const enc = await model.encode(input, { taps: true });
          const errs: Record<string, number> = {
            mean: maxAbsDiff(enc.mean, golden.mean),
            logvar: maxAbsDiff(enc.logvar, golden.logvar),
          };
          const encNames = coefficientNames(c, 'enc.');
          expect(encNames.length).toBeGreaterThan(0);
          for (const n of encNames) {
            expect(enc.taps, `encoder tap ${n}`).toHaveProperty([n]);
            errs[n] = maxAbsDiff(enc.taps![n], c.get(n)!);
          }

          const dec = await model.decode(golden.mean, { taps: true });
          errs['dec.x'] = maxAbsDiff(dec.video, c.get('dec.x')!);
          const decNames = coefficientNames(c, 'dec.');
          expect(decNames.length).toBeGreaterThan(0);
          for (const n of decNames) {
            expect(dec.taps, `decoder tap ${n}`).toHaveProperty([n]);
            errs[n] = maxAbsDiff(dec.taps![n], c.get(n)!);
          }
          report(`${gm.name}/${file}`, errs);
          for (const [k, v] of Object.entries(errs)) {
            expect(v, `${gm.name}/${file} ${k}`).toBeLessThanOrEqual(PARITY_TOL);
          }
          expect(dec.video.shape).toEqual(input.shape);
        });
      }
    });
  }
});
