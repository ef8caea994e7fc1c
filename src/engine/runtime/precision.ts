/**
 * Execution precision: float32 everywhere (the default), or fp16 graphs on a
 * GPU provider (onnx/fp16.ts). fp16 is refused on the CPU provider: there
 * onnxruntime runs most fp16 operators by casting to float32 and back (no
 * faster than float32 on this build, measured on the golden models) and only
 * loses precision.
 */
import type { Candidates, ProviderAttempt, ProviderChoice, ProviderName } from './providers';

export const PRECISIONS = ['fp32', 'fp16'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Providers that run the fp16 graphs. */
export const FP16_PROVIDERS: readonly ProviderName[] = ['webgpu', 'cuda', 'dml', 'coreml'];

export function parsePrecision(value: string): Precision {
  const v = value.toLowerCase();
  if ((PRECISIONS as readonly string[]).includes(v)) return v as Precision;
  throw new Error(`unknown precision "${value}"; choose fp32 (default) or fp16 (GPU providers only)`);
}

export const CPU_FP16_REFUSAL =
  'fp16 execution runs on GPU providers only (webgpu, cuda, dml, coreml): onnxruntime\'s CPU provider has no fast fp16 convolution ' +
  '(it computes fp16 by casting to float32 and back), so fp16 there is no faster and only less precise. Use fp32 on the CPU';

/**
 * The providers fp16 may be tried on for a choice, or why it cannot run: an
 * explicit CPU is refused; 'auto' keeps only its GPU candidates and, with
 * none, says what it passed over.
 */
export function fp16Candidates(choice: ProviderChoice, cand: Candidates): { order: ProviderName[]; skipped: ProviderAttempt[] } {
  if (choice === 'cpu') throw new Error(`${CPU_FP16_REFUSAL}.`);
  const order = cand.order.filter((p) => FP16_PROVIDERS.includes(p));
  if (order.length === 0) {
    const why = cand.skipped.map((s) => `${s.provider}: ${s.error}`).join('; ');
    throw new Error(`fp16 execution needs a GPU provider, and 'auto' found none to use on this machine${why ? ` (${why})` : ''}. Run in fp32 (the default), or name a provider (e.g. --provider webgpu) to use it anyway.`);
  }
  return { order, skipped: cand.skipped };
}
