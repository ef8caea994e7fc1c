// onnxruntime-node execution of converted WF-VAE graphs. (The Causal Cache
// chunk scheduler lives beside this in chunked*.ts / stream*.ts.)
export { WfvaeModel, type LoadOptions, type RunOptions, type EncodeResult, type DecodeResult, type ReconstructResult } from './model';
export {
  PROVIDER_CHOICES,
  parseProvider,
  availableProviders,
  listedProviders,
  providerCandidates,
  createSession,
  sessionOptions,
  type ProviderChoice,
  type ProviderName,
  type ProviderAttempt,
  type SessionSettings,
} from './providers';
export { Execution, GRAPH_ROLES, describeAttempt, type ExecutionReport, type GraphRole } from './execution';
export { describePlacement, type GraphPlacement } from './placement';
export { webgpuAdapter, type AdapterKind, type AdapterReport } from './gpu-adapters';
export { checkVideo, checkLatent, validFrameCounts, InputShapeError } from './validate';
export { demoModelDir, resolveModelPath, resolveModelSource, type ModelSource, type ModelSourceOptions } from './model-path';
export { PRECISIONS, FP16_PROVIDERS, parsePrecision, type Precision } from './precision';
