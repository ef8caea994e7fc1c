// Parity through the command line: `wfvae encode --tensor` and
// `wfvae decode --latents` write safetensors that match the reference.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { coefficientNames, maxAbsDiff, PARITY_TOL, readCase, goldenModels, WFVAE_CLI } from './goldens';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-cli-parity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };

async function wfvae(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [WFVAE_CLI, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
}

// Every golden model (../shared/goldens), or the repo subset on a fresh clone, on its last case (the
// longest): the numerics of every case are engine-parity.test.ts's; here, what the command line adds
// (reading and writing safetensors, the taps, its own model load) on one case per model.
describe.each(goldenModels())('wfvae encode/decode CLI parity on $name', (model) => {
  for (const file of model.cases.slice(-1)) {
    it(`${file}: encode --tensor and decode --latents match the reference within ${PARITY_TOL}`, async () => {
      const casePath = join(model.dir, file);
      const encOut = join(work, `${file}.enc.safetensors`);
      const decOut = join(work, `${file}.dec.safetensors`);
      const e = await wfvae(['encode', '--model', model.dir, '--tensor', `${casePath}:input`, '--out', encOut, '--taps', '--provider', 'cpu', '--threads', '2']);
      expect(e.stderr).toMatch(/on cpu; wrote/);
      const d = await wfvae(['decode', '--model', model.dir, '--latents', `${encOut}:mean`, '--out', decOut, '--taps', '--provider', 'cpu', '--threads', '2']);
      expect(d.stderr).toMatch(/video 1x3x\d+x\d+x\d+/);

      const golden = await readCase(casePath);
      const enc = await readCase(encOut);
      const dec = await readCase(decOut);
      const h = golden.get('enc.h')!;
      const half = h.data.length / 2;
      const shape = [1, h.shape[1] / 2, ...h.shape.slice(2)];
      const errs: Record<string, number> = {
        mean: maxAbsDiff(enc.get('mean')!, { data: h.data.slice(0, half), shape }),
        logvar: maxAbsDiff(enc.get('logvar')!, { data: h.data.slice(half).map((v) => Math.min(20, Math.max(-30, v))), shape }),
        // Decoded from the CLI's own mean: the whole pipeline, as a user runs it.
        'dec.x': maxAbsDiff(dec.get('video')!, golden.get('dec.x')!),
      };
      for (const n of [...coefficientNames(golden, 'enc.'), ...coefficientNames(golden, 'dec.')]) {
        const ours = n.startsWith('enc.') ? enc.get(n) : dec.get(n);
        expect(ours, `${n} written by --taps`).toBeDefined();
        errs[n] = maxAbsDiff(ours!, golden.get(n)!);
      }
      console.log(`cli parity ${model.name}/${file}: ${Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
      for (const [k, v] of Object.entries(errs)) expect(v, k).toBeLessThanOrEqual(PARITY_TOL);
    });
  }
});
