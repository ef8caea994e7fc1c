// wfvae doctor on the in-repo golden model (healthy) and on damaged copies of
// it whose problems are known: a NaN, an all-zero layer, an outlier value, a
// layer scaled 1000x, an altered Haar filter, and a config.json that says the
// wrong latent width. Released-variant resemblance on the reference's own
// WF-VAE-L-16Chn config, whose parameter count must match the published one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint, parseModelConfig, SafetensorsFile } from '../../../src/engine/checkpoint/index';
import { runDoctor, type DoctorReport } from '../../../src/engine/doctor/doctor';
import { expectedInventory } from '../../../src/engine/doctor/consistency';
import { resembles } from '../../../src/engine/doctor/variants';
import { f16Bits } from '../../../src/engine/model-compare/weight-precision';
import { goldenModels, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-doctor-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const [golden] = goldenModels(SUBSET_GOLDENS);
const WEIGHTS = 'diffusion_pytorch_model.safetensors';
const convert = { cacheDir: join(work, 'cache') };

/** Overwrites F16 values of a tensor: value(i, old) -> new value, or null to keep. */
async function patch(file: string, tensor: string, value: (i: number, old: number) => number | null): Promise<void> {
  const f = await SafetensorsFile.open(file);
  const e = f.entries.get(tensor)!;
  const old = await f.readF32(tensor);
  await f.close();
  expect(e.dtype).toBe('F16');
  const bits = new Uint16Array(old.length);
  const fh = await open(file, 'r+');
  try {
    await fh.read(new Uint8Array(bits.buffer), 0, e.byteLength, e.byteOffset);
    old.forEach((v, i) => {
      const n = value(i, v);
      if (n !== null) bits[i] = Number.isNaN(n) ? 0x7e00 : f16Bits(n);
    });
    await fh.write(new Uint8Array(bits.buffer), 0, e.byteLength, e.byteOffset);
  } finally {
    await fh.close();
  }
}

const kinds = (r: DoctorReport) => r.findings.map((f) => `${f.severity} ${f.kind} ${f.subject ?? ''}`);

describe('wfvae doctor', () => {
  it('a healthy checkpoint: SHA-256s, config describes the weights, no findings, parity said plainly', async () => {
    const r = await runDoctor(golden.dir, { threads: 2, convert });
    const ck = await openCheckpoint(golden.dir);
    await ck.weights.close();
    expect(r.sha256).toBe(ck.sha256);
    expect(r.weightsFileSha256).toBe(createHash('sha256').update(readFileSync(join(golden.dir, WEIGHTS))).digest('hex'));
    expect(r.file).toMatchObject({ tensors: 226, dtypes: { F16: 226 } });
    expect(r.consistency!.ok).toBe(true);
    expect(r.consistency!.inferred.find((i) => i.key === 'latent_dim')).toMatchObject({ config: 8, weights: 8 });
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('healthy');
    expect(r.weights).toHaveLength(226);
    const w = r.weights.find((x) => x.name === 'encoder.conv_in.weight')!;
    expect(w.shape).toEqual([16, 24, 3, 3]);
    expect(w.nan + w.inf).toBe(0);
    // Either a GPU provider started and agreed within its tolerance, or the report says none could (a machine without a GPU).
    const parity = r.parity!;
    if (parity.status === 'pass') {
      expect(parity.maxAbs).toBeLessThanOrEqual(parity.tolerance);
    } else {
      expect(parity.status).toBe('unavailable');
      expect(parity.message).toMatch(/CPU-GPU parity was not checked/);
    }
    expect(r.variant!.summary).toMatch(/no released variant: this is a WFVAE2Model/);
  });

  it('finds a NaN, an all-zero layer, an outlier, a 1000x layer and a broken Haar filter, each by name', async () => {
    const dir = join(work, 'damaged');
    cpSync(golden.dir, dir, { recursive: true });
    const file = join(dir, WEIGHTS);
    await patch(file, 'encoder.conv_in.bias', (i) => (i === 3 ? NaN : null));
    await patch(file, 'encoder.down_blocks.0.in_flow_conv.weight', () => 0);
    await patch(file, 'encoder.conv_in.weight', (i) => (i === 100 ? 40 : null));
    await patch(file, 'decoder.conv_in.conv.weight', (_, v) => v * 1000);
    await patch(file, 'encoder.down_blocks.0.wavelet_transform.ad', (i, v) => (i === 0 ? v * 0.5 : null));
    const r = await runDoctor(dir, { threads: 2, convert });
    const k = kinds(r);
    expect(k).toContain('error non-finite encoder.conv_in.bias');
    expect(k).toContain('warning all-zero encoder.down_blocks.0.in_flow_conv.weight');
    expect(k).toContain('warning outlier encoder.conv_in.weight');
    expect(k).toContain('warning layer-scale decoder.conv_in.conv.weight');
    expect(k).toContain('error wavelet-filter encoder.down_blocks.0.wavelet_transform.ad');
    expect(r.findings.find((f) => f.kind === 'non-finite')!.message).toMatch(/holds 1 NaN of 16 values/);
    expect(r.findings.find((f) => f.kind === 'layer-scale')!.message).toMatch(/is \d+x the median/);
    expect(r.weights.find((w) => w.name === 'encoder.conv_in.bias')!.nan).toBe(1);
    expect(r.verdict).toBe('problems');
    expect(r.parity).toMatchObject({ status: 'skipped', message: 'not run: the weights hold NaN or Inf' });
  });

  it('a config.json with the wrong latent width: says which value the weights imply; the CLI exits 1', async () => {
    const dir = join(work, 'wrong-config');
    cpSync(golden.dir, dir, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, latent_dim: 4 }));
    const r = await runDoctor(dir, { parity: false });
    expect(r.consistency!.ok).toBe(false);
    expect(r.consistency!.mismatched.map((m) => m.name)).toContain('encoder.conv_out.conv.weight');
    expect(r.findings.find((f) => f.kind === 'config')!.message).toMatch(/config.json says latent_dim = 4 but the weights have 8/);
    const err = (await run(process.execPath, [WFVAE_CLI, 'doctor', dir, '--no-parity'], { env: { ...process.env, WFVAE_CACHE_DIR: convert.cacheDir } }).catch((e: unknown) => e)) as { code: number; stdout: string };
    expect(err.code).toBe(1);
    expect(err.stdout).toMatch(/latent_dim: config 4, weights 8 {2}<-- differs/);
    expect(err.stdout).toMatch(/verdict: problems/);
  });

  it('resembles WF-VAE-L-16Chn exactly with the reference\'s config, at the published parameter count', () => {
    // The reference repository's examples/wfvae-large-16chn.json, in the keys that shape the model.
    const l16 = {
      _class_name: 'WFVAEModel', attention_type: 'AttnBlock3DFix', base_channels: 192, connect_res_layer_num: 1,
      decoder_energy_flow_hidden_size: 128, decoder_num_resblocks: 2, encoder_energy_flow_hidden_size: 128, encoder_num_resblocks: 2,
      l1_dowmsample_block: 'Downsample', l1_downsample_wavelet: 'HaarWaveletTransform2D', l1_upsample_block: 'Upsample', l1_upsample_wavelet: 'InverseHaarWaveletTransform2D',
      l2_dowmsample_block: 'Spatial2xTime2x3DDownsample', l2_downsample_wavelet: 'HaarWaveletTransform3D', l2_upsample_block: 'Spatial2xTime2x3DUpsample', l2_upsample_wavelet: 'InverseHaarWaveletTransform3D',
      latent_dim: 16, norm_type: 'layernorm', t_interpolation: 'trilinear', use_attention: true,
    };
    const cfg = parseModelConfig(l16, 'wfvae-large-16chn.json');
    const params = [...expectedInventory(cfg).values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
    const r = resembles(cfg, params);
    expect(r.best!.name).toBe('WF-VAE-L-16Chn');
    expect(r.best!.exact).toBe(true);
    // 316M parameters per the reference's README.
    expect(r.best!.parameterRatio!).toBeGreaterThan(0.99);
    expect(r.best!.parameterRatio!).toBeLessThan(1.01);
    const small = parseModelConfig({ ...l16, base_channels: 64 }, 'x');
    const s = resembles(small, 1e6);
    expect(s.best!.sameTopology).toBe(true);
    expect(s.summary).toMatch(/WF-VAE-L-16Chn's topology at other sizes: base_channels 64 \(released 192\)/);
  });
});
