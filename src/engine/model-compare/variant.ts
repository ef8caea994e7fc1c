// What "model B" is in a model-vs-model comparison: another checkpoint (two
// training steps), model A's checkpoint with its weights rounded to BF16 or
// F16, or model A executed in fp16. The last runs A's fp16 graphs (built on
// first use beside A's cached graphs) on A's provider, which must be a GPU
// provider: fp16ExecutionSupport is the one place that says so.
import { stat } from 'node:fs/promises';
import { WfvaeModel } from '../runtime/model';
import type { ProviderName, SessionSettings } from '../runtime/providers';
import { CPU_FP16_REFUSAL, FP16_PROVIDERS } from '../runtime/precision';
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

/** Whether `provider` (the one model A runs on) runs the fp16 graphs: the GPU providers do, the CPU does not. */
export function fp16ExecutionSupport(provider: ProviderName): { supported: boolean; reason: string } {
  if (FP16_PROVIDERS.includes(provider)) return { supported: true, reason: `A's fp16 graphs run on ${provider}, as A does` };
  return {
    supported: false,
    reason:
      `${CPU_FP16_REFUSAL}. Model A runs on ${provider} here: run it on a GPU provider (webgpu, cuda, dml or coreml) to compare fp16 execution, ` +
      'or compare weight precision instead (B = A\'s weights in BF16 or F16).',
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
    // A's own converted folder: its fp16 graphs are built there on first use.
    const model = await WfvaeModel.load(a.dir, { provider: a.provider, threads: settings.threads, precision: 'fp16', convert: settings.convert });
    return { model, label: describeVariant(spec), spec, notes: [`A and B both run on ${model.provider}; B runs A's graphs in fp16 (weights, activations and arithmetic in half; inputs, outputs, norm statistics and attention logits in float32)`] };
  }
  const source = a.manifest.source.checkpointDir;
  if (!source || !(await stat(source).then((s) => s.isDirectory(), () => false))) {
    throw new Error(`model A's checkpoint (${source || 'unknown'}) is not on this machine, only its converted graphs; open the checkpoint folder itself to compare weight precisions`);
  }
  const rounded = await roundedCheckpoint(source, spec.dtype, { cacheDir: settings.convert?.cacheDir, signal: settings.convert?.signal });
  const notes = rounded.changedTensors === 0 ? [`A is already stored in ${spec.dtype.toUpperCase()}: B's weights are identical to A's`] : [];
  return { model: await load(rounded.dir), label: describeVariant(spec), spec, notes };
}
