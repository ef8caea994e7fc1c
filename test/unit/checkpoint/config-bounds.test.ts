// Schema-valid but absurd configs (1e9 resblocks, million-wide channels, huge
// strings) fail at once with the key, the value and the limit crossed, instead
// of hanging or running V8 out of memory while the model is laid out.
import { describe, expect, it } from 'vitest';
import { CONFIG_LIMITS } from '../../../src/engine/checkpoint/config-schema';
import { parseModelConfig } from '../../../src/engine/checkpoint';
import { expectCheckpointError } from './helpers';

const wfvae = (o: Record<string, unknown>) => ({ _class_name: 'WFVAEModel', ...o });
const wfvae2 = (o: Record<string, unknown>) => ({ _class_name: 'WFVAE2Model', ...o });

describe('config bounds', () => {
  it('encoder_num_resblocks 1e9 names the key, the value and the limit', async () => {
    const err = await expectCheckpointError(() => parseModelConfig(wfvae({ encoder_num_resblocks: 1e9 }), 'config.json'));
    expect(err.code).toBe('bad_option');
    expect(err.message).toBe(
      `config.json: invalid WFVAEModel config: "encoder_num_resblocks" is 1000000000, above the limit of ${CONFIG_LIMITS.blocks} ` +
        '(the reference uses 1-4 blocks per stack; a model this deep would not fit in memory)',
    );
  });

  it.each([
    ['WFVAEModel', { decoder_num_resblocks: 1e5 }, 'decoder_num_resblocks', CONFIG_LIMITS.blocks],
    ['WFVAEModel', { connect_res_layer_num: 1e6 }, 'connect_res_layer_num', CONFIG_LIMITS.blocks],
    ['WFVAEModel', { base_channels: 1e6 }, 'base_channels', CONFIG_LIMITS.channels],
    ['WFVAEModel', { encoder_energy_flow_hidden_size: 65536 }, 'encoder_energy_flow_hidden_size', CONFIG_LIMITS.channels],
    ['WFVAEModel', { decoder_energy_flow_hidden_size: 65536 }, 'decoder_energy_flow_hidden_size', CONFIG_LIMITS.channels],
    ['WFVAEModel', { latent_dim: 1e4 }, 'latent_dim', CONFIG_LIMITS.latentDim],
    ['WFVAE2Model', { encoder_num_resblocks: 1e6 }, 'encoder_num_resblocks', CONFIG_LIMITS.blocks],
    ['WFVAE2Model', { decoder_num_resblocks: 1e6 }, 'decoder_num_resblocks', CONFIG_LIMITS.blocks],
    ['WFVAE2Model', { base_channels: [128, 1e7, 512] }, 'base_channels[1]', CONFIG_LIMITS.channels],
    ['WFVAE2Model', { decoder_base_channels: [128, 256, 1e7] }, 'decoder_base_channels[2]', CONFIG_LIMITS.channels],
    ['WFVAE2Model', { encoder_energy_flow_size: 1e7 }, 'encoder_energy_flow_size', CONFIG_LIMITS.channels],
    ['WFVAE2Model', { decoder_energy_flow_size: 1e7 }, 'decoder_energy_flow_size', CONFIG_LIMITS.channels],
  ])('%s %o is refused naming %s', async (cls, o, key, limit) => {
    const err = await expectCheckpointError(() => parseModelConfig({ _class_name: cls, ...o }, 'c.json'));
    expect(err.message).toContain(`"${key}" is `);
    expect(err.message).toContain(`above the limit of ${limit} (`);
  });

  it('list lengths: mid layers, levels, scale', async () => {
    const mid = await expectCheckpointError(() => parseModelConfig(wfvae2({ mid_layers_type: Array(1000).fill('ResnetBlock3D') }), 'c'));
    expect(mid.message).toContain(`"mid_layers_type" has 1000 entries, above the limit of ${CONFIG_LIMITS.midLayers}`);
    const levels = await expectCheckpointError(() => parseModelConfig(wfvae2({ layer_type: Array(1e5).fill('thw') }), 'c'));
    expect(levels.message).toContain(`"layer_type" has 100000 entries, above the limit of ${CONFIG_LIMITS.levels}`);
    const scale = await expectCheckpointError(() => parseModelConfig(wfvae({ scale: Array(1e6).fill(0.1) }), 'c'));
    expect(scale.message).toContain(`"scale" has 1000000 entries, above the limit of ${CONFIG_LIMITS.scaleEntries}`);
  });

  it('the largest allowed values still parse (the bounds are not tighter than the schema needs)', () => {
    const cfg = parseModelConfig(wfvae({ encoder_num_resblocks: CONFIG_LIMITS.blocks, decoder_num_resblocks: CONFIG_LIMITS.blocks, norm_type: 'layernorm', latent_dim: CONFIG_LIMITS.latentDim }), 'c');
    expect(cfg).toMatchObject({ encoder_num_resblocks: 64, decoder_num_resblocks: 64, latent_dim: 256 });
  });

  it('huge keys and values are quoted clipped, so the message stays short', async () => {
    const key = 'k'.repeat(5_000_000);
    const err = await expectCheckpointError(() => parseModelConfig(wfvae({ [key]: 1, norm_type: 'n'.repeat(5_000_000) }), 'c'));
    expect(err.message.length).toBeLessThan(1000);
    expect(err.message).toContain('… (5000000 characters)');
    expect(err.message.startsWith('c: invalid WFVAEModel config: unknown key for WFVAEModel: "kkk')).toBe(true);
    for (const d of err.details ?? []) expect(d.length).toBeLessThan(1000);
  });
});
