/**
 * zod schemas for the two model classes' config.json, with the public
 * reference's defaults (the __init__ signatures of WFVAEModel and
 * WFVAE2Model). Keys keep the reference's spelling, including its
 * "dowmsample" typo, because that is what real config.json files contain.
 */
import { z } from 'zod';

/**
 * Upper bounds on every size. The reference puts no limit on them, but past
 * these a model is not a WF-VAE anyone trains (released ones use 2-4
 * resblocks, 128-512 channels, latent 4-32) and building it would exhaust
 * memory or hang before any weight is checked: 1e9 resblocks must fail here,
 * at once, naming the key and the limit. Messages explain the limit through
 * CONFIG_LIMIT_REASONS.
 */
export const CONFIG_LIMITS = {
  /** Residual blocks per stack, residual layers per connection. */
  blocks: 64,
  /** Any channel width (base widths, energy-flow widths). */
  channels: 4096,
  latentDim: 256,
  /** Entries of a mid-block list. */
  midLayers: 16,
  /** Entries of per-level lists (the level checks then ask for exactly 2 or 3). */
  levels: 8,
  /** Entries of scale / shift. */
  scaleEntries: 1024,
} as const;

const positiveInt = z.number().int().min(1);
const channels = positiveInt.max(CONFIG_LIMITS.channels);
const blocks = (min: number) => z.number().int().min(min).max(CONFIG_LIMITS.blocks);
const finiteNumbers = z.array(z.number()).max(CONFIG_LIMITS.scaleEntries);
const dropout = z.number().min(0).lt(1).default(0);
const normType = z.enum(['layernorm', 'groupnorm']);
const tInterpolation = z.enum(['nearest', 'trilinear']);
const attentionType = z.enum(['AttnBlock3DFix', 'AttnBlock3D']);
const downsampleBlock = z.enum(['Downsample', 'Spatial2xTime2x3DDownsample']);
const downsampleWavelet = z.enum(['HaarWaveletTransform2D', 'HaarWaveletTransform3D']);
const upsampleBlock = z.enum(['Upsample', 'Spatial2xTime2x3DUpsample']);
const upsampleWavelet = z.enum(['InverseHaarWaveletTransform2D', 'InverseHaarWaveletTransform3D']);

const scale4 = () => [0.18215, 0.18215, 0.18215, 0.18215];
const shift4 = () => [0, 0, 0, 0];

export const wfvaeSchema = z.object({
  latent_dim: positiveInt.max(CONFIG_LIMITS.latentDim).default(8),
  base_channels: channels.default(128),
  // 0 is allowed: the encoder's level-1 stack is then just its conv and downsample.
  encoder_num_resblocks: blocks(0).default(2),
  encoder_energy_flow_hidden_size: channels.default(64),
  // The decoder's up1 stack changes width in its first block, so it needs one.
  decoder_num_resblocks: blocks(1).default(2),
  decoder_energy_flow_hidden_size: channels.default(128),
  attention_type: attentionType.default('AttnBlock3DFix'),
  use_attention: z.boolean().default(true),
  dropout,
  norm_type: normType.default('groupnorm'),
  t_interpolation: tInterpolation.default('nearest'),
  connect_res_layer_num: blocks(0).default(1),
  scale: finiteNumbers.default(scale4),
  shift: finiteNumbers.default(shift4),
  l1_dowmsample_block: downsampleBlock.default('Downsample'),
  l1_downsample_wavelet: downsampleWavelet.default('HaarWaveletTransform2D'),
  l2_dowmsample_block: downsampleBlock.default('Spatial2xTime2x3DDownsample'),
  l2_downsample_wavelet: downsampleWavelet.default('HaarWaveletTransform3D'),
  l1_upsample_block: upsampleBlock.default('Upsample'),
  l1_upsample_wavelet: upsampleWavelet.default('InverseHaarWaveletTransform2D'),
  l2_upsample_block: upsampleBlock.default('Spatial2xTime2x3DUpsample'),
  l2_upsample_wavelet: upsampleWavelet.default('InverseHaarWaveletTransform3D'),
});

export const wfvae2Schema = z.object({
  latent_dim: positiveInt.max(CONFIG_LIMITS.latentDim).default(4),
  base_channels: z.array(channels).max(CONFIG_LIMITS.levels).default(() => [128, 256, 512]),
  decoder_base_channels: z.array(channels).max(CONFIG_LIMITS.levels).nullable().default(null),
  layer_type: z.array(z.enum(['hw', 'thw'])).max(CONFIG_LIMITS.levels).default((): ('hw' | 'thw')[] => ['hw', 'thw']),
  layer_res_type: z.array(z.enum(['ResnetBlock2D', 'ResnetBlock3D'])).max(CONFIG_LIMITS.levels).default((): ('ResnetBlock2D' | 'ResnetBlock3D')[] => ['ResnetBlock2D', 'ResnetBlock3D']),
  encoder_num_resblocks: blocks(1).default(2),
  encoder_energy_flow_size: channels.default(128),
  // The reference asserts num_res_blocks >= 2 in every up block.
  decoder_num_resblocks: blocks(2).default(3),
  decoder_energy_flow_size: channels.default(128),
  dropout,
  norm_type: normType.default('layernorm'),
  t_interpolation: tInterpolation.default('trilinear'),
  input_type: z.enum(['video', 'image']).default('video'),
  // The reference's own default names "Attention3DFix", a class it does not
  // have (its constructor would fail); the block it means is AttnBlock3DFix.
  mid_layers_type: z
    .array(z.enum(['ResnetBlock3D', 'AttnBlock3DFix', 'AttnBlock3D']))
    .max(CONFIG_LIMITS.midLayers)
    .default((): ('ResnetBlock3D' | 'AttnBlock3DFix' | 'AttnBlock3D')[] => ['ResnetBlock3D', 'AttnBlock3DFix', 'ResnetBlock3D']),
  scale: finiteNumbers.default(() => [...scale4(), ...scale4()]),
  shift: finiteNumbers.default(() => [...shift4(), ...shift4()]),
});

export type WFVAEConfig = z.output<typeof wfvaeSchema>;

/** decoder_base_channels is resolved: the reference falls back to base_channels when it is null. */
export type WFVAE2Config = Omit<z.output<typeof wfvae2Schema>, 'decoder_base_channels'> & { decoder_base_channels: number[] };

export type ModelConfig = ({ className: 'WFVAEModel' } & WFVAEConfig) | ({ className: 'WFVAE2Model' } & WFVAE2Config);

export const MODEL_SCHEMAS = { WFVAEModel: wfvaeSchema, WFVAE2Model: wfvae2Schema } as const;

export type ModelClassName = keyof typeof MODEL_SCHEMAS;

export const KNOWN_CLASSES = Object.keys(MODEL_SCHEMAS) as ModelClassName[];
