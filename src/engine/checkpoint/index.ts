/** Checkpoint reading and validation: the entry points the rest of the engine uses. */
export { CheckpointError, type CheckpointErrorCode } from './errors';
export type { StorageDtype } from './dtype';
export type { TensorEntry } from './safetensors-header';
export { SafetensorsFile } from './safetensors-file';
export { writeSafetensors } from './safetensors-write';
export { readSafetensorsTensor } from './read-tensor';
export { parseModelConfig, loadModelConfig, CONFIG_FILE, KNOWN_CLASSES } from './config';
export type { ModelConfig, WFVAEConfig, WFVAE2Config, ModelClassName } from './config';
export { modelFacts, type ModelFacts } from './facts';
export { normLayers, type NormLayer } from './norm-layers';
export { validateWeights } from './validate-weights';
export { openCheckpoint, WEIGHTS_FILE, type OpenCheckpoint } from './open-checkpoint';
export { hashCheckpoint, type HashOptions } from './checkpoint-hash';
