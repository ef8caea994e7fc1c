// config.json validation against the goldens, the reference's example, and
// one broken config per failure mode; plus the derived model facts.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModelConfig, modelFacts, normLayers, parseModelConfig, SafetensorsFile, type ModelConfig } from '../../../src/engine/checkpoint';
import { GOLDENS, expectCheckpointError, hasGoldens, tempDir } from './helpers';
import { NO_SHARED_GOLDENS } from '../../helpers/shared-goldens';

// The reference's published WF-VAE-L config (examples/wfvae-large-16chn.json), kept byte for byte as a
// fixture with its source (repository, path, commit) in test/fixtures/upstream/SOURCE.md.
const UPSTREAM_CONFIG = fileURLToPath(new URL('../../fixtures/upstream/wfvae-large-16chn.json', import.meta.url));
const WFVAE_LARGE_16CHN = JSON.parse(readFileSync(UPSTREAM_CONFIG, 'utf8')) as Record<string, unknown>;

const EIGHT_X = {
  l1_dowmsample_block: 'Spatial2xTime2x3DDownsample',
  l1_downsample_wavelet: 'HaarWaveletTransform3D',
  l1_upsample_block: 'Spatial2xTime2x3DUpsample',
  l1_upsample_wavelet: 'InverseHaarWaveletTransform3D',
};

describe('parseModelConfig: valid configs', () => {
  it('the reference example wfvae-large-16chn.json', () => {
    const cfg = parseModelConfig(WFVAE_LARGE_16CHN, 'wfvae-large-16chn.json');
    expect(cfg.className).toBe('WFVAEModel');
    if (cfg.className !== 'WFVAEModel') throw new Error(`parsed as ${cfg.className}`);
    expect(cfg.base_channels).toBe(192);
    expect(cfg.latent_dim).toBe(16);
    expect(modelFacts(cfg)).toEqual({ temporalCompression: 4, spatialCompression: 8, latentChannels: 16, causalSafe: true, timeMixingLayers: [], timeMixing: '' });
  });

  it('fills the reference defaults for omitted options', () => {
    const cfg = parseModelConfig({ _class_name: 'WFVAEModel' }, 'x');
    expect(cfg).toMatchObject({
      className: 'WFVAEModel', latent_dim: 8, base_channels: 128, encoder_num_resblocks: 2, encoder_energy_flow_hidden_size: 64,
      decoder_num_resblocks: 2, decoder_energy_flow_hidden_size: 128, attention_type: 'AttnBlock3DFix', use_attention: true,
      dropout: 0, norm_type: 'groupnorm', t_interpolation: 'nearest', connect_res_layer_num: 1,
      l1_dowmsample_block: 'Downsample', l2_upsample_wavelet: 'InverseHaarWaveletTransform3D', scale: [0.18215, 0.18215, 0.18215, 0.18215],
    });
    const cfg2 = parseModelConfig({ _class_name: 'WFVAE2Model' }, 'x');
    expect(cfg2).toMatchObject({
      className: 'WFVAE2Model', latent_dim: 4, base_channels: [128, 256, 512], decoder_base_channels: [128, 256, 512],
      layer_type: ['hw', 'thw'], layer_res_type: ['ResnetBlock2D', 'ResnetBlock3D'], encoder_num_resblocks: 2, decoder_num_resblocks: 3,
      encoder_energy_flow_size: 128, decoder_energy_flow_size: 128, norm_type: 'layernorm', t_interpolation: 'trilinear', input_type: 'video',
      mid_layers_type: ['ResnetBlock3D', 'AttnBlock3DFix', 'ResnetBlock3D'],
    });
    expect((cfg2 as { scale: number[] }).scale).toHaveLength(8);
  });

  it('8x temporal variants of both classes', () => {
    const a = parseModelConfig({ ...WFVAE_LARGE_16CHN, ...EIGHT_X }, 'x');
    expect(modelFacts(a).temporalCompression).toBe(8);
    const b = parseModelConfig({ _class_name: 'WFVAE2Model', layer_type: ['thw', 'thw'], layer_res_type: ['ResnetBlock3D', 'ResnetBlock3D'] }, 'x');
    expect(modelFacts(b).temporalCompression).toBe(8);
    const c = parseModelConfig({ _class_name: 'WFVAE2Model', layer_type: ['thw', 'hw'] }, 'x');
    expect(modelFacts(c).temporalCompression).toBe(4);
  });

  it('decoder_base_channels falls back to base_channels, or is used when given', () => {
    const c = parseModelConfig({ _class_name: 'WFVAE2Model', base_channels: [16, 32, 64], decoder_base_channels: [32, 64, 96] }, 'x');
    expect(c.className === 'WFVAE2Model' && c.decoder_base_channels).toEqual([32, 64, 96]);
  });
});

describe.skipIf(!hasGoldens)(`golden configs and norm layers${NO_SHARED_GOLDENS}`, () => {
  const expected: Record<string, { cls: string; t: number; latent: number; safe: boolean; pooling: number }> = {
    'wfvae-l-tiny': { cls: 'WFVAEModel', t: 4, latent: 16, safe: true, pooling: 0 },
    'wfvae-gn-nearest': { cls: 'WFVAEModel', t: 4, latent: 8, safe: false, pooling: 36 },
    'wfvae2-tiny': { cls: 'WFVAE2Model', t: 4, latent: 8, safe: true, pooling: 0 },
  };
  for (const [model, want] of Object.entries(expected)) {
    it(`${model}: facts, and normLayers() matches every norm weight in the file`, async () => {
      const cfg = await loadModelConfig(join(GOLDENS, model));
      expect(cfg.className).toBe(want.cls);
      const facts = modelFacts(cfg);
      expect(facts).toMatchObject({ temporalCompression: want.t, spatialCompression: 8, latentChannels: want.latent, causalSafe: want.safe });
      expect(facts.timeMixingLayers).toHaveLength(want.pooling);

      const file = await SafetensorsFile.open(join(GOLDENS, model, 'diffusion_pytorch_model.safetensors'));
      await file.close();
      const suffix = cfg.norm_type === 'groupnorm' ? '.weight' : '.norm.weight';
      const layers = normLayers(cfg);
      for (const l of layers) expect(file.entries.get(l.path + suffix)?.shape, l.path).toEqual([l.channels]);
      const normWeights = [...file.entries.keys()].filter((n) => /\.norm(\d|_out)?(\.norm)?\.weight$/.test(n));
      expect(normWeights.sort()).toEqual(layers.map((l) => l.path + suffix).sort());
    });
  }

  it('wfvae-gn-nearest: the time-pooling layers are exactly the norms outside the 2D residual blocks', async () => {
    const cfg = await loadModelConfig(join(GOLDENS, 'wfvae-gn-nearest'));
    const facts = modelFacts(cfg);
    expect(facts.timeMixingLayers).toContain('encoder.norm_out');
    expect(facts.timeMixingLayers).toContain('decoder.norm_out');
    expect(facts.timeMixingLayers).toContain('encoder.mid.1.norm');
    expect(facts.timeMixingLayers).toContain('decoder.connect_l2.0.norm2');
    expect(facts.timeMixingLayers.filter((p) => p.startsWith('encoder.down1.'))).toEqual([]);
    const perFrame = normLayers(cfg).filter((l) => !l.spansTime).map((l) => l.path);
    expect(perFrame).toEqual(['encoder.down1.1.norm1', 'encoder.down1.1.norm2', 'encoder.down1.2.norm1', 'encoder.down1.2.norm2']);
  });

  it('the legacy AttnBlock3D mixes frames: not causal-safe, in WFVAEModel and in WFVAE2Model mid layers', () => {
    const v1 = modelFacts(parseModelConfig({ _class_name: 'WFVAEModel', attention_type: 'AttnBlock3D', norm_type: 'layernorm' }, 'x'));
    expect(v1).toMatchObject({ causalSafe: false, timeMixingLayers: ['encoder.mid.1', 'decoder.mid.1'], timeMixing: 'AttnBlock3D attention across frames in 2 layers' });
    expect(modelFacts(parseModelConfig({ _class_name: 'WFVAEModel', attention_type: 'AttnBlock3D', norm_type: 'layernorm', use_attention: false }, 'x')).causalSafe).toBe(true);
    const v2 = modelFacts(parseModelConfig({ _class_name: 'WFVAE2Model', mid_layers_type: ['ResnetBlock3D', 'AttnBlock3D', 'ResnetBlock3D'] }, 'x'));
    expect(v2).toMatchObject({ causalSafe: false, timeMixingLayers: ['encoder.mid.1', 'decoder.mid.1'] });
    const gn = modelFacts(parseModelConfig({ _class_name: 'WFVAEModel', attention_type: 'AttnBlock3D', norm_type: 'groupnorm' }, 'x'));
    expect(gn.timeMixing).toBe('GroupNorm over time in 36 layers and AttnBlock3D attention across frames in 2 layers');
    expect(gn.timeMixingLayers).toHaveLength(38);
  });

  it('a WFVAE2 groupnorm model pools over time except in its 2D blocks', () => {
    const cfg = parseModelConfig({ _class_name: 'WFVAE2Model', base_channels: [32, 64, 128], encoder_energy_flow_size: 32, decoder_energy_flow_size: 32, norm_type: 'groupnorm' }, 'x');
    const facts = modelFacts(cfg);
    expect(facts.causalSafe).toBe(false);
    expect(facts.timeMixingLayers).toContain('encoder.down_blocks.1.out_res_block.norm1');
    expect(facts.timeMixingLayers).toContain('decoder.up_blocks.0.branch_conv.norm2');
    expect(facts.timeMixingLayers).not.toContain('encoder.down_blocks.0.out_res_block.norm1');
    expect(facts.timeMixingLayers).not.toContain('decoder.up_blocks.1.branch_conv.norm1');
  });
});

describe('parseModelConfig: errors', () => {
  it('unknown class lists the known ones', async () => {
    let err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'CausalVAEModel' }, 'ckpt/config.json'));
    expect(err.code).toBe('unknown_class');
    expect(err.message).toContain('ckpt/config.json');
    expect(err.message).toContain('"CausalVAEModel"');
    expect(err.message).toContain('WFVAEModel, WFVAE2Model');
    err = await expectCheckpointError(() => parseModelConfig({ latent_dim: 8 }, 'c.json'));
    expect(err.code).toBe('unknown_class');
    expect(err.message).toContain('no "_class_name"');
  });

  it('unknown option value names the key, the value and the allowed values', async () => {
    const err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, norm_type: 'batchnorm' }, 'c.json'));
    expect(err.code).toBe('bad_option');
    expect(err.message).toContain('"norm_type" is "batchnorm"; allowed values: "layernorm", "groupnorm"');
    const err2 = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAE2Model', mid_layers_type: ['ResnetBlock3D', 'Attention3DFix'] }, 'c.json'));
    expect(err2.message).toContain('"mid_layers_type[1]" is "Attention3DFix"; allowed values: "ResnetBlock3D", "AttnBlock3DFix", "AttnBlock3D"');
  });

  it('unknown keys are listed with a suggestion', async () => {
    const err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, l1_downsample_block: 'Downsample', extra_thing: 1 }, 'c.json'));
    expect(err.code).toBe('bad_config');
    expect(err.message).toContain('unknown keys for WFVAEModel: "l1_downsample_block" (did you mean "l1_dowmsample_block"?), "extra_thing"');
    expect(err.details).toHaveLength(1);
  });

  it('wrong types', async () => {
    const err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, latent_dim: '16', use_attention: 'yes', base_channels: 19.5 }, 'c.json'));
    expect(err.code).toBe('bad_config');
    expect(err.message).toContain('"latent_dim" must be a number, found the string "16"');
    expect(err.message).toContain('"use_attention" must be a boolean, found the string "yes"');
    expect(err.message).toContain('"base_channels" must be an integer, found the number 19.5');
    const err2 = await expectCheckpointError(() => parseModelConfig([1], 'c.json'));
    expect(err2.code).toBe('bad_config');
  });

  it('all problems are reported at once, in details', async () => {
    const err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, latent_dim: 0, dropout: 1, t_interpolation: 'bicubic' }, 'c.json'));
    expect(err.code).toBe('bad_option');
    expect(err.details).toEqual([
      '"latent_dim" must be >= 1, found 0',
      '"dropout" must be < 1, found 1',
      '"t_interpolation" is "bicubic"; allowed values: "nearest", "trilinear"',
    ]);
  });

  it('block/wavelet combinations the reference cannot run', async () => {
    let err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, l1_downsample_wavelet: 'HaarWaveletTransform3D' }, 'c.json'));
    expect(err.code).toBe('bad_option');
    expect(err.message).toContain('l1_dowmsample_block "Downsample" with l1_downsample_wavelet "HaarWaveletTransform3D" cannot run');
    err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, l2_dowmsample_block: 'Downsample' }, 'c.json'));
    expect(err.message).toContain('level 2 must be ("Spatial2xTime2x3DDownsample", "HaarWaveletTransform3D")');
    err = await expectCheckpointError(() => parseModelConfig({ ...WFVAE_LARGE_16CHN, ...EIGHT_X, l1_upsample_block: 'Upsample' }, 'c.json'));
    expect(err.message).toContain('does not mirror the encoder\'s level 1 ("Spatial2xTime2x3DDownsample"): expected ("Spatial2xTime2x3DUpsample", "InverseHaarWaveletTransform3D")');
  });

  it('WFVAE2 structure: level count, pairing, decoder resblocks, image input', async () => {
    let err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAE2Model', layer_type: ['hw', 'thw', 'thw'], layer_res_type: ['ResnetBlock2D', 'ResnetBlock3D', 'ResnetBlock3D'], base_channels: [8, 16, 32, 64] }, 'c.json'));
    expect(err.message).toContain('"layer_type" has 3 levels');
    err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAE2Model', layer_type: ['hw', 'hw'] }, 'c.json'));
    expect(err.message).toContain('compresses time only 2x');
    err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAE2Model', base_channels: [16, 32] }, 'c.json'));
    expect(err.message).toContain('"base_channels" has 2 entries; with 2 levels it needs 3');
    err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAE2Model', decoder_num_resblocks: 1 }, 'c.json'));
    expect(err.message).toContain('"decoder_num_resblocks" must be >= 2, found 1');
    err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAE2Model', input_type: 'image' }, 'c.json'));
    expect(err.code).toBe('bad_option');
    expect(err.message).toContain('"input_type" "image"');
    expect(err.message).toContain('not supported');
  });

  it('groupnorm widths that 32 groups cannot divide', async () => {
    const err = await expectCheckpointError(() => parseModelConfig({ _class_name: 'WFVAEModel', base_channels: 32, encoder_energy_flow_hidden_size: 16 }, 'c.json'));
    expect(err.code).toBe('bad_option');
    expect(err.message).toContain('encoder.mid.0.norm1 (80)');
  });
});

describe('loadModelConfig: files', () => {
  it('config not found names the path', async () => {
    const dir = await tempDir();
    const err = await expectCheckpointError(() => loadModelConfig(dir));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(join(dir, 'config.json'));
  });

  it('config not JSON gives line, column and position', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), '{\n  "_class_name": "WFVAEModel",\n  "latent_dim": 8,\n}\n');
    const err = await expectCheckpointError(() => loadModelConfig(dir));
    expect(err.code).toBe('bad_config');
    expect(err.message).toContain('is not valid JSON');
    expect(err.message).toContain('unexpected "}" at line 4 column 1 (position 52)');
  });

  it('reads a valid config from a folder and from the json path itself', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), JSON.stringify(WFVAE_LARGE_16CHN));
    const a: ModelConfig = await loadModelConfig(dir);
    const b = await loadModelConfig(join(dir, 'config.json'));
    expect(a).toEqual(b);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))._class_name).toBe(a.className);
  });
});
