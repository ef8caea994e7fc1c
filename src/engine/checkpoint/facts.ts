/** What the rest of the app needs to know about a model without building it. */
import type { ModelConfig } from './config-schema';
import { normLayers } from './norm-layers';

export interface ModelFacts {
  temporalCompression: 4 | 8;
  spatialCompression: 8;
  /** Channels of z (the encoder emits twice this: mean and logvar). */
  latentChannels: number;
  /** False when some norm pools statistics over time, so chunked inference cannot equal whole-clip. */
  causalSafe: boolean;
  /** Module paths of those norms (empty for layernorm models). */
  timePoolingLayers: string[];
}

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
  const timePoolingLayers = cfg.norm_type === 'groupnorm' ? normLayers(cfg).filter((n) => n.spansTime).map((n) => n.path) : [];
  return {
    temporalCompression,
    spatialCompression: 8,
    latentChannels: cfg.latent_dim,
    causalSafe: timePoolingLayers.length === 0,
    timePoolingLayers,
  };
}
