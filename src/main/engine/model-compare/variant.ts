// What "model B" is in a model-vs-model comparison: another checkpoint (two
// training steps), model A's checkpoint with its weights rounded to BF16 or
// F16, or model A executed in fp16. The last needs fp16 graphs for a GPU
// provider, which the runtime does not build yet: fp16ExecutionSupport is the
// one place that says so, and the place to answer yes once it does.
import { stat } from 'node:fs/promises';
import { WfvaeModel } from '../runtime/model';
import type { ProviderName, SessionSettings } from '../runtime/providers';
import type { ConvertOptions } from '../onnx/convert';
import { roundedCheckpoint, type WeightDtype } from './weight-precision';

export type VariantSpec =
  | { kind: 'checkpoint'; path: string }
  | { kind: 'weights'; dtype: WeightDtype }
  | { kind: 'execution'; precision: 'fp16' };

export interface LoadedVariant {
  model: WfvaeModel;
  /** How the UI and the reports name it. */
  label: string;
  spec: VariantSpec;
  /** Notes about the variant (e.g. "A is already stored in BF16: B's weights are identical"). */
  notes: string[];
}

/**
 * Whether `provider` can run a converted model's graphs in fp16 in this build.
 * No provider can yet: the graphs are float32 throughout.
 */
export function fp16ExecutionSupport(provider: ProviderName): { supported: boolean; reason: string } {
  return {
    supported: false,
    reason:
      `fp16 execution is not available in this build: the converted graphs are float32 on every provider (this run uses ${provider}), ` +
      'and fp16 graph variants for GPU providers are not built yet. Compare weight precision instead (B = A\'s weights in BF16 or F16).',
  };
}

export function describeVariant(spec: VariantSpec): string {
  if (spec.kind === 'checkpoint') return spec.path;
  if (spec.kind === 'weights') return `A with ${spec.dtype.toUpperCase()} weights`;
  return `A executed in ${spec.precision}`;
}

/** Loads B for a comparison against `a` (same provider and threads as A). */
export async function loadVariant(a: WfvaeModel, spec: VariantSpec, settings: SessionSettings & { convert?: ConvertOptions }): Promise<LoadedVariant> {
  const load = (path: string) => WfvaeModel.load(path, { provider: a.provider, threads: settings.threads, convert: settings.convert });
  if (spec.kind === 'checkpoint') return { model: await load(spec.path), label: spec.path, spec, notes: [] };
  if (spec.kind === 'execution') {
    const s = fp16ExecutionSupport(a.provider);
    if (!s.supported) throw new Error(s.reason);
    throw new Error('internal: fp16 execution reported as supported but not wired');
  }
  const source = a.manifest.source.checkpointDir;
  if (!source || !(await stat(source).then((s) => s.isDirectory(), () => false))) {
    throw new Error(`model A's checkpoint (${source || 'unknown'}) is not on this machine, only its converted graphs; open the checkpoint folder itself to compare weight precisions`);
  }
  const rounded = await roundedCheckpoint(source, spec.dtype, { cacheDir: settings.convert?.cacheDir, signal: settings.convert?.signal });
  const notes = rounded.changedTensors === 0 ? [`A is already stored in ${spec.dtype.toUpperCase()}: B's weights are identical to A's`] : [];
  return { model: await load(rounded.dir), label: describeVariant(spec), spec, notes };
}
