// Options the reference goldens do not cover (no attention, 0 or 2 outflow
// residual layers, other resblock counts, nearest time interpolation with
// layernorm, GroupNorm with per-frame 2D blocks), cross-checked against the
// training code's PyTorch module — an implementation written independently of
// the graph builder — on random reference-layout checkpoints. Skips where
// Debian's python3-torch is not installed.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/engine/checkpoint/index';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { WfvaeModel } from '../../../src/engine/runtime/model';
import { makeRandomCheckpoint, prng } from '../../helpers/random-checkpoint';
import { TORCH_PYTHON, torchMissing } from '../../helpers/torch-python';
import { maxAbsDiff, PARITY_TOL, readCase, REPO_ROOT, splitMoments } from './goldens';

const PYTHON = TORCH_PYTHON;
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-torch-xcheck-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BASE = {
  _class_name: 'WFVAEModel', base_channels: 16, latent_dim: 8, encoder_energy_flow_hidden_size: 16, decoder_energy_flow_hidden_size: 16,
  encoder_num_resblocks: 2, decoder_num_resblocks: 2, connect_res_layer_num: 1, norm_type: 'layernorm', t_interpolation: 'trilinear',
  use_attention: true, attention_type: 'AttnBlock3DFix',
};

const VARIANTS: [string, Record<string, unknown>][] = [
  ['no attention', { use_attention: false }],
  ['connect_res_layer_num 0', { connect_res_layer_num: 0 }],
  ['connect_res_layer_num 2', { connect_res_layer_num: 2 }],
  ['1 encoder / 3 decoder resblocks', { encoder_num_resblocks: 1, decoder_num_resblocks: 3 }],
  ['nearest time interpolation, layernorm', { t_interpolation: 'nearest' }],
  ['groupnorm, trilinear, wider', { norm_type: 'groupnorm', base_channels: 32, encoder_energy_flow_hidden_size: 32, decoder_energy_flow_hidden_size: 32 }],
];

describe.skipIf(!!torchMissing)(`ONNX graphs vs the independent PyTorch module (configurations without goldens)${torchMissing ? ` (skipped: ${torchMissing})` : ''}`, () => {
  it.each(VARIANTS)('%s', async (name, overrides) => {
    const dir = join(work, name.replace(/[^a-z0-9]+/gi, '-'));
    await makeRandomCheckpoint(join(dir, 'ckpt'), { ...BASE, ...overrides }, 11);
    const r = prng(5);
    const input = { name: 'input', data: Float32Array.from({ length: 3 * 9 * 32 * 48 }, () => 2 * r() - 1), shape: [1, 3, 9, 32, 48] };
    await writeSafetensors(join(dir, 'input.safetensors'), [input]);
    await run(PYTHON, [join(REPO_ROOT, 'test', 'helpers', 'torch_forward.py'), join(dir, 'ckpt'), join(dir, 'input.safetensors'), join(dir, 'torch.safetensors')]);
    const ref = await readCase(join(dir, 'torch.safetensors'));

    const converted = await convertCheckpoint(join(dir, 'ckpt'), { cacheDir: join(work, 'cache') });
    const model = await WfvaeModel.load(converted.dir, { provider: 'cpu', threads: 2 });
    try {
      const { mean } = splitMoments(ref.get('enc.h')!);
      const enc = await model.encode(input, { taps: true });
      const dec = await model.decode(mean, { taps: true });
      const diffs = {
        mean: maxAbsDiff(enc.mean, mean),
        'enc.l1': maxAbsDiff(enc.taps!['enc.l1'], ref.get('enc.l1')!),
        'enc.l2': maxAbsDiff(enc.taps!['enc.l2'], ref.get('enc.l2')!),
        'dec.x': maxAbsDiff(dec.video, ref.get('dec.x')!),
        'dec.l1': maxAbsDiff(dec.taps!['dec.l1'], ref.get('dec.l1')!),
        'dec.l2': maxAbsDiff(dec.taps!['dec.l2'], ref.get('dec.l2')!),
      };
      console.log(`[torch-crosscheck] ${name}: ${Object.entries(diffs).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
      for (const [k, v] of Object.entries(diffs)) expect(v, k).toBeLessThanOrEqual(PARITY_TOL);
    } finally {
      await model.dispose();
    }
  });
});
