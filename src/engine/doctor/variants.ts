// The released WF-VAE variants, by the config values that set their
// architecture, and which of them a checkpoint resembles.
// Sources: WF-VAE-L-16Chn from the reference repository's
// examples/wfvae-large-16chn.json (316M parameters per its README);
// WF-VAE-S-8Chn (Open-Sora Plan v1.3, 146M per the reference README) from the
// configuration Open-Sora Plan's MindSpeed port tests it with (base 128,
// energy flow 64 / 128, 8 latent channels, two connect_res layers); the
// Open-Sora Plan v1.5 8x8x8 WF-VAE (32 latent channels, both wavelet levels
// 3D) from the MindSpeed-MM Open-Sora Plan 1.5 model config.
import type { ModelConfig } from '../checkpoint/index';

export interface ReleasedVariant {
  name: string;
  source: string;
  /** Approximate parameter count as published (null where none was). */
  parameters: number | null;
  config: Record<string, unknown>;
}

const WFVAE_DEFAULTS = {
  className: 'WFVAEModel',
  encoder_num_resblocks: 2,
  decoder_num_resblocks: 2,
  use_attention: true,
  norm_type: 'layernorm',
  t_interpolation: 'trilinear',
};

export const RELEASED_VARIANTS: readonly ReleasedVariant[] = [
  {
    name: 'WF-VAE-L-16Chn',
    source: 'PKU-YuanGroup/WF-VAE examples/wfvae-large-16chn.json (Hugging Face chestnutlzj/WF-VAE-L-16Chn)',
    parameters: 316e6,
    config: {
      ...WFVAE_DEFAULTS,
      base_channels: 192,
      latent_dim: 16,
      encoder_energy_flow_hidden_size: 128,
      decoder_energy_flow_hidden_size: 128,
      connect_res_layer_num: 1,
      l1_dowmsample_block: 'Downsample',
      l1_downsample_wavelet: 'HaarWaveletTransform2D',
      l1_upsample_block: 'Upsample',
      l1_upsample_wavelet: 'InverseHaarWaveletTransform2D',
      l2_dowmsample_block: 'Spatial2xTime2x3DDownsample',
      l2_upsample_block: 'Spatial2xTime2x3DUpsample',
    },
  },
  {
    name: 'WF-VAE-S-8Chn (Open-Sora Plan v1.3)',
    source: 'PKU-YuanGroup/WF-VAE README (146M); config as the Open-Sora Plan v1.3 MindSpeed port tests it',
    parameters: 146e6,
    config: {
      ...WFVAE_DEFAULTS,
      base_channels: 128,
      latent_dim: 8,
      encoder_energy_flow_hidden_size: 64,
      decoder_energy_flow_hidden_size: 128,
      connect_res_layer_num: 2,
      l1_dowmsample_block: 'Downsample',
      l1_downsample_wavelet: 'HaarWaveletTransform2D',
      l1_upsample_block: 'Upsample',
      l1_upsample_wavelet: 'InverseHaarWaveletTransform2D',
      l2_dowmsample_block: 'Spatial2xTime2x3DDownsample',
      l2_upsample_block: 'Spatial2xTime2x3DUpsample',
    },
  },
  {
    name: 'WF-VAE 8x8x8 32Chn (Open-Sora Plan v1.5)',
    source: 'MindSpeed-MM Open-Sora Plan 1.5 model config (ae: wfvae)',
    parameters: null,
    config: {
      ...WFVAE_DEFAULTS,
      base_channels: 160,
      latent_dim: 32,
      encoder_energy_flow_hidden_size: 128,
      decoder_energy_flow_hidden_size: 128,
      connect_res_layer_num: 1,
      l1_dowmsample_block: 'Spatial2xTime2x3DDownsample',
      l1_downsample_wavelet: 'HaarWaveletTransform3D',
      l1_upsample_block: 'Spatial2xTime2x3DUpsample',
      l1_upsample_wavelet: 'InverseHaarWaveletTransform3D',
      l2_dowmsample_block: 'Spatial2xTime2x3DDownsample',
      l2_upsample_block: 'Spatial2xTime2x3DUpsample',
    },
  },
];

/** Config keys that decide the topology (strides, levels, block kinds) rather than the width. */
const TOPOLOGY_KEYS = ['className', 'l1_dowmsample_block', 'l1_downsample_wavelet', 'l1_upsample_block', 'l1_upsample_wavelet', 'l2_dowmsample_block', 'l2_upsample_block', 'use_attention', 'norm_type', 'connect_res_layer_num', 'encoder_num_resblocks', 'decoder_num_resblocks'];

export interface VariantMatch {
  name: string;
  source: string;
  /** Every compared key agrees. */
  exact: boolean;
  /** Topology keys agree (same architecture, maybe other widths). */
  sameTopology: boolean;
  matches: string[];
  differences: { key: string; variant: unknown; checkpoint: unknown }[];
  /** checkpoint parameters / published parameters. */
  parameterRatio: number | null;
}

export interface VariantReport {
  best: VariantMatch | null;
  candidates: VariantMatch[];
  summary: string;
}

export function resembles(config: ModelConfig, parameters: number): VariantReport {
  const c = config as unknown as Record<string, unknown>;
  const candidates = RELEASED_VARIANTS.map((v): VariantMatch => {
    const matches: string[] = [];
    const differences: VariantMatch['differences'] = [];
    for (const [key, want] of Object.entries(v.config)) {
      if (JSON.stringify(c[key]) === JSON.stringify(want)) matches.push(key);
      else differences.push({ key, variant: want, checkpoint: c[key] ?? null });
    }
    return {
      name: v.name,
      source: v.source,
      exact: differences.length === 0,
      sameTopology: TOPOLOGY_KEYS.every((k) => !differences.some((d) => d.key === k)),
      matches,
      differences,
      parameterRatio: v.parameters ? parameters / v.parameters : null,
    };
  }).sort((a, b) => Number(b.exact) - Number(a.exact) || Number(b.sameTopology) - Number(a.sameTopology) || b.matches.length - a.matches.length);
  const best = candidates[0] ?? null;
  let summary: string;
  if (!best || best.matches.length === 0 || config.className !== 'WFVAEModel') {
    summary = `no released variant: this is a ${config.className}${config.className === 'WFVAE2Model' ? ' (the reference\'s newer class; no checkpoint of it is released)' : ''}`;
  } else if (best.exact) {
    summary = `${best.name}: every architecture setting matches${best.parameterRatio ? ` (parameters ${(best.parameterRatio * 100).toFixed(0)}% of the published count)` : ''}`;
  } else if (best.sameTopology) {
    summary = `${best.name}'s topology at other sizes: ${best.differences.map((d) => `${d.key} ${JSON.stringify(d.checkpoint)} (released ${JSON.stringify(d.variant)})`).join(', ')}`;
  } else {
    summary = `closest: ${best.name}, but ${best.differences.length} settings differ (${best.differences.slice(0, 4).map((d) => d.key).join(', ')}${best.differences.length > 4 ? ', ...' : ''})`;
  }
  return { best, candidates, summary };
}
