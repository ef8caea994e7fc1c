/** What the rest of the app needs to know about a model without building it. */
import type { ModelConfig } from './config-schema';
import { normLayers } from './norm-layers';

export interface ModelFacts {
  temporalCompression: 4 | 8;
  spatialCompression: 8;
  /** Channels of z (the encoder emits twice this: mean and logvar). */
  latentChannels: number;
  /** False when some layer mixes frames (not only past into present), so chunked inference cannot equal whole-clip. */
  causalSafe: boolean;
  /** Module paths of those layers: GroupNorms over time, AttnBlock3D blocks (empty for a causal-safe model). */
  timeMixingLayers: string[];
  /** Those layers in words, e.g. "GroupNorm over time in 36 layers" (empty for a causal-safe model). */
  timeMixing: string;
}

/**
 * The legacy AttnBlock3D blocks: they reshape (B, C, T, H, W) to (B*T, C, H*W)
 * without a permute, so one attention row holds several frames and every
 * output frame depends on frames after it. AttnBlock3DFix attends within a frame.
 */
function legacyAttentionBlocks(cfg: ModelConfig): string[] {
  if (cfg.className === 'WFVAEModel') {
    return cfg.use_attention && cfg.attention_type === 'AttnBlock3D' ? ['encoder.mid.1', 'decoder.mid.1'] : [];
  }
  const mid = cfg.mid_layers_type.flatMap((t, i) => (t === 'AttnBlock3D' ? [i] : []));
  return ['encoder', 'decoder'].flatMap((side) => mid.map((i) => `${side}.mid.${i}`));
}

const layers = (n: number): string => `${n} layer${n === 1 ? '' : 's'}`;

export function modelFacts(cfg: ModelConfig): ModelFacts {
  // The input Haar transform halves time once; each temporal level halves it again.
  const temporalLevels = cfg.className === 'WFVAEModel'
    ? 1 + (cfg.l1_dowmsample_block === 'Spatial2xTime2x3DDownsample' ? 1 : 0)
    : cfg.layer_type.filter((t) => t === 'thw').length;
  const temporalCompression = 2 ** (1 + temporalLevels);
  if (temporalCompression !== 4 && temporalCompression !== 8) {
    // parseModelConfig rejects such configs; reaching here means it was bypassed.
    throw new Error(`modelFacts: temporal compression ${temporalCompression} is not 4 or 8`);
  }
  const pooling = cfg.norm_type === 'groupnorm' ? normLayers(cfg).filter((n) => n.spansTime).map((n) => n.path) : [];
  const attention = legacyAttentionBlocks(cfg);
  const timeMixing = [
    ...(pooling.length ? [`GroupNorm over time in ${layers(pooling.length)}`] : []),
    ...(attention.length ? [`AttnBlock3D attention across frames in ${layers(attention.length)}`] : []),
  ].join(' and ');
  const timeMixingLayers = [...pooling, ...attention];
  return {
    temporalCompression,
    spatialCompression: 8,
    latentChannels: cfg.latent_dim,
    causalSafe: timeMixingLayers.length === 0,
    timeMixingLayers,
    timeMixing,
  };
}
