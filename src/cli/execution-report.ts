// Where a loaded model runs, said the same way by every command: the provider
// and where onnxruntime placed the nodes, the adapter WebGPU uses, and every
// provider 'auto' passed over with its reason.
import { describeAttempt, type WfvaeModel } from '../engine/runtime/index';

export function executionLines(m: WfvaeModel): string[] {
  const r = m.execution;
  const lines = [`provider: ${r.summary}${r.precision === 'fp16' ? ', in fp16' : ''}${r.requested === r.provider ? '' : ` (asked for ${r.requested})`}`];
  if (r.adapter && (r.provider === 'webgpu' || r.fallbacks.some((f) => f.provider === 'webgpu'))) lines.push(`webgpu adapter: ${r.adapter.kind} (${r.adapter.detail})`);
  for (const f of r.fallbacks) lines.push(`  passed over ${describeAttempt(f)}`);
  return lines;
}

export function executionJson(m: WfvaeModel): object {
  const r = m.execution;
  return {
    requested: r.requested,
    provider: r.provider,
    precision: r.precision,
    summary: r.summary,
    placement: r.placement,
    adapter: r.adapter ?? null,
    fallbacks: r.fallbacks,
    runtimeFallback: r.runtimeFallback ?? null,
  };
}
