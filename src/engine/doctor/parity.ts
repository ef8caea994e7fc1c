// One clip through the model on the CPU and on a GPU provider: do they agree?
// Where no GPU provider can start on this machine the report says so, with
// each provider's reason, and compares nothing.
import { WfvaeModel } from '../runtime/model';
import { availableProviders, providerCandidates, type ProviderChoice, type ProviderName } from '../runtime/providers';
import type { ConvertOptions } from '../onnx/convert';
import type { Tensor } from '../tensor';

/** Max |CPU - GPU| on the reconstruction (video on [-1, 1]) that still counts as agreeing: float32 kernels differ in summation order. */
export const PARITY_TOLERANCE = 1e-3;

export interface ParityReport {
  status: 'pass' | 'fail' | 'unavailable' | 'skipped';
  /** The GPU provider compared against the CPU (or the ones tried). */
  provider: ProviderName | null;
  tried: { provider: ProviderName; error: string }[];
  clip: string;
  maxAbs: number | null;
  /** dB between the two reconstructions (range 2); null when identical or not run. */
  psnr: number | null;
  latentMaxAbs: number | null;
  tolerance: number;
  message: string;
}

/** A deterministic test clip (3, 9, 64, 64): moving gradients and edges, every subband busy. */
export function parityClip(): Tensor {
  const [T, H, W] = [9, 64, 64];
  const data = new Float32Array(3 * T * H * W);
  for (let c = 0; c < 3; c++) {
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const edge = (x + 2 * t) % 16 < 8 ? 0.4 : -0.4;
          data[((c * T + t) * H + y) * W + x] = 0.5 * Math.sin(0.15 * x + 0.1 * y + 0.4 * t + c) + edge * (c === 1 ? 1 : 0.5);
        }
      }
    }
  }
  return { data, shape: [3, T, H, W] };
}

function diff(a: Tensor, b: Tensor): { maxAbs: number; psnr: number | null } {
  let m = 0;
  let sse = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    m = Math.max(m, Math.abs(d));
    sse += d * d;
  }
  return { maxAbs: m, psnr: sse > 0 ? 10 * Math.log10(4 / (sse / a.data.length)) : null };
}

export async function parityCheck(
  modelPath: string,
  opts: { provider?: ProviderChoice; threads?: number; convert?: ConvertOptions; clip?: { video: Tensor; name: string }; signal?: AbortSignal } = {},
): Promise<ParityReport> {
  const clip = opts.clip ?? { video: parityClip(), name: 'synthetic 9x64x64 (moving gradients and edges)' };
  const base = { tried: [] as ParityReport['tried'], clip: clip.name, maxAbs: null, psnr: null, latentMaxAbs: null, tolerance: PARITY_TOLERANCE };
  const wanted = opts.provider && opts.provider !== 'auto' ? [opts.provider as ProviderName] : providerCandidates('auto').order.filter((p) => p !== 'cpu');
  if (wanted.includes('cpu')) return { ...base, status: 'skipped', provider: null, message: 'the chosen provider is the CPU itself; pick a GPU provider (--provider cuda, webgpu, dml, coreml) or leave it on auto' };
  if (wanted.length === 0) {
    return {
      ...base,
      status: 'unavailable',
      provider: null,
      message: `no GPU execution provider in this onnxruntime build can be used here (it lists: ${availableProviders().join(', ')}); CPU-GPU parity was not checked`,
    };
  }
  const converted = await WfvaeModel.load(modelPath, { provider: 'cpu', threads: opts.threads, convert: opts.convert });
  try {
    // The first GPU provider on which every graph starts and passes its proof run (see runtime/execution.ts).
    let onGpu: WfvaeModel | null = null;
    for (const p of wanted) {
      try {
        onGpu = await WfvaeModel.load(modelPath, { provider: p, threads: opts.threads, convert: opts.convert });
        break;
      } catch (err) {
        base.tried.push({ provider: p, error: (err as Error).message.replace(/^cannot run this model on \S+ \((.*)\)\.?.*$/s, '$1') });
      }
    }
    if (!onGpu) {
      return {
        ...base,
        status: 'unavailable',
        provider: null,
        message: `no GPU provider could start on this machine (${base.tried.map((t) => `${t.provider}: ${t.error}`).join('; ')}); CPU-GPU parity was not checked`,
      };
    }
    const gpu = onGpu.provider;
    try {
      const input: Tensor = { data: clip.video.data, shape: [1, ...clip.video.shape] };
      const a = await converted.reconstruct(input, { signal: opts.signal });
      const b = await onGpu.reconstruct(input, { signal: opts.signal });
      const v = diff(a.video, b.video);
      const z = diff(a.mean, b.mean);
      const pass = v.maxAbs <= PARITY_TOLERANCE;
      return {
        ...base,
        status: pass ? 'pass' : 'fail',
        provider: gpu,
        maxAbs: v.maxAbs,
        psnr: v.psnr,
        latentMaxAbs: z.maxAbs,
        message: `CPU vs ${gpu}: max |d| ${v.maxAbs.toExponential(2)} on the reconstruction (latent ${z.maxAbs.toExponential(2)}); ${pass ? `within ${PARITY_TOLERANCE}` : `beyond ${PARITY_TOLERANCE}: the ${gpu} provider computes this model differently`}`,
      };
    } finally {
      await onGpu.dispose();
    }
  } finally {
    await converted.dispose();
  }
}
