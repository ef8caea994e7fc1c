/**
 * Causal Cache state that stays on the GPU between chunks.
 *
 * On WebGPU a step session returns its `cache_next.*` outputs as GPU buffers
 * (onnxruntime's preferredOutputLocation 'gpu-buffer') and the next step takes
 * them back as inputs, so the state never crosses to the host and back: per
 * chunk that saves twice the state's bytes in copies (see README, GPU).
 *
 * Two facts of onnxruntime-node 1.30 shape this file:
 * - A GPU tensor's own download (`getData()` on a 'gpu-buffer' tensor) is not
 *   implemented in the Node binding and aborts the process. Bringing state
 *   back to the host (for the run-time fallback to the CPU) goes through a
 *   one-node Identity session on WebGPU whose output is on the host.
 * - A GPU tensor freed after every WebGPU session is released frees into a
 *   destroyed device and aborts the process. That same Identity session is
 *   kept for the life of the process, which keeps the device alive, so a
 *   state tensor can be disposed (or collected) whenever it is done with.
 * A CPU session handed a GPU tensor does not refuse it: it reads garbage
 * (NaN). Feeds are always brought to the host before a CPU run.
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph';
import { WeightStore } from '../onnx/weights';
import { stateOutput, type StateInfo } from '../onnx/timeline-stream';
import { sessionOptions, type ProviderName } from './providers';

/** Providers whose step sessions keep their state on the device (the Node binding's GPU tensors are WebGPU's). */
export const DEVICE_STATE_PROVIDERS: readonly ProviderName[] = ['webgpu'];

/** preferredOutputLocation for a step graph on `provider`: its state outputs stay on the device; the rest comes to the host. */
export function deviceStateOutputs(provider: ProviderName, states: readonly StateInfo[]): Record<string, 'gpu-buffer'> | undefined {
  if (!DEVICE_STATE_PROVIDERS.includes(provider) || states.length === 0) return undefined;
  return Object.fromEntries(states.map((s) => [stateOutput(s.name), 'gpu-buffer' as const]));
}

export const onDevice = (t: ort.Tensor): boolean => t.location === 'gpu-buffer';

let download: Promise<ort.InferenceSession> | null = null;

function identityGraph(): Uint8Array {
  const g = new GraphBuilder('download', new WeightStore(null));
  const dims = ['d0', 'd1', 'd2', 'd3', 'd4'];
  g.output('y', g.input('x', dims), dims);
  return g.encode('none.bin');
}

/**
 * The process's WebGPU download session, created on first use and never
 * released (it keeps the device alive for every GPU tensor; see above).
 */
export function webgpuDownloadSession(): Promise<ort.InferenceSession> {
  download ??= ort.InferenceSession.create(identityGraph(), sessionOptions('webgpu', 1, { quiet: true })).catch((err: unknown) => {
    download = null;
    throw err;
  });
  return download;
}

/** A copy on the host of a tensor on the GPU (a host tensor is returned as it is). */
export async function toHost(t: ort.Tensor): Promise<ort.Tensor> {
  if (t.location === 'cpu') return t;
  if (!onDevice(t)) throw new Error(`cannot bring a tensor held in '${t.location}' to the host`);
  if (t.type !== 'float32' || t.dims.length !== 5) throw new Error(`internal: only 5D float32 state comes back from the GPU (got ${t.type} [${t.dims.join(', ')}])`);
  const s = await webgpuDownloadSession();
  return (await s.run({ x: t }, ['y'])).y;
}

/** Feeds with every GPU tensor copied to the host, for a rerun on the CPU. */
export async function hostFeeds(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const out: Record<string, ort.Tensor> = {};
  try {
    for (const [k, t] of Object.entries(feeds)) out[k] = await toHost(t);
  } catch (err) {
    throw new Error(`could not bring the Causal Cache state back from the GPU to continue on the CPU (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); run again: the model now runs on the CPU`, { cause: err });
  }
  return out;
}

/** Frees the GPU buffers of tensors no longer needed (host tensors are left to the garbage collector). */
export function releaseDeviceTensors(ts: Iterable<ort.Tensor | undefined>): void {
  for (const t of ts) if (t && onDevice(t)) t.dispose();
}

/** Bytes of a tensor's data. */
export function tensorBytes(t: ort.Tensor): number {
  const per = t.type === 'float16' ? 2 : t.type === 'int64' ? 8 : t.type === 'bool' ? 1 : 4;
  return t.dims.reduce((a, b) => a * b, 1) * per;
}
