// The first estimate for a model on a machine, before any real run: a short
// whole-clip run of 1 + 2 tc frames of 64x64 (zeros in, a real forward pass
// and its PSNR/SSIM), recorded as a 'probe'. Small frames cost more per voxel
// than large ones, so estimates from it run high; the first real run of each
// kind replaces it.
import { psnr, ssim } from '../metrics/index';
import type { WfvaeModel } from '../runtime/model';
import type { Tensor } from '../tensor';
import type { Calibration } from './calibration';

export const PROBE_SIDE = 64;

export function probeClip(temporalCompression: number): Tensor {
  const T = 1 + 2 * temporalCompression;
  return { data: new Float32Array(3 * T * PROBE_SIDE * PROBE_SIDE), shape: [3, T, PROBE_SIDE, PROBE_SIDE] };
}

/** Runs the probe in this thread and records it. */
export async function probeSpeed(model: WfvaeModel, calibration: Calibration, signal?: AbortSignal): Promise<void> {
  const clip = probeClip(model.facts.temporalCompression);
  const [, T, H, W] = clip.shape;
  const t0 = performance.now();
  const r = await model.reconstruct({ data: clip.data, shape: [1, ...clip.shape] }, { signal });
  const video: Tensor = { data: r.video.data, shape: r.video.shape.slice(1) };
  psnr(clip, video);
  ssim(clip, video);
  await calibration.record('probe', { voxels: T * H * W, area: H * W, seconds: (performance.now() - t0) / 1000, what: `a ${T}x${H}x${W} probe run` });
}
