// onnxruntime-node execution of converted WF-VAE graphs. (The Causal Cache
// chunk scheduler lives beside this in chunked*.ts / stream*.ts.)
export { WfvaeModel, type LoadOptions, type RunOptions, type EncodeResult, type DecodeResult, type ReconstructResult } from './model';
export {
  PROVIDER_CHOICES,
  parseProvider,
  availableProviders,
  providerCandidates,
  createSession,
  sessionOptions,
  type ProviderChoice,
  type ProviderName,
  type ProviderAttempt,
  type SessionSettings,
  type CreatedSession,
} from './providers';
export { checkVideo, checkLatent, validFrameCounts, InputShapeError } from './validate';
export { DEMO_MODEL_DIR, demoModelDir, resolveModelPath } from './model-path';
