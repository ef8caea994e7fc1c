// Memory and time of decoding and reconstructing a clip selection, said before
// anything runs. One function per estimate, from the model's config and the
// clip's shape; the seconds rest on rates measured on this machine (the
// source's decode speed, the model's speed on a probe or an earlier run).
// The lead's runtime memory plan (issue 8) replaces the memory half of this
// file when it lands; the callers only see `Cost`.
import type { ModelConfig } from '../checkpoint/index';

export interface Cost {
  /** Extra memory the work needs, in bytes. */
  bytes: number;
  /** Null while the speed it rests on is not measured yet. */
  seconds: number | null;
  /** What the numbers rest on, in words. */
  basis: string;
}

/** A measured speed: seconds per unit (voxel or source frame), and how it was measured. */
export interface Rate {
  seconds: number;
  basis: string;
}

export interface ModelCostFacts {
  className: string;
  config: ModelConfig;
  temporalCompression: number;
  latentChannels: number;
  /** Bytes of the weights (each extra onnxruntime session holds a copy). */
  weightBytes: number;
  /** Seconds per video voxel of a reconstruction (model + PSNR/SSIM), measured; null before any measurement. */
  rate: Rate | null;
}

export interface ClipShape {
  frames: number;
  height: number;
  width: number;
}

/**
 * onnxruntime (CPU) keeps about this many copies of the widest decoder activation alive at the
 * peak of a whole-clip run. Fitted on the growth of peak RSS of `wfvae reconstruct` from T 9 to
 * 41 at 128x128, less its input and output tensors (whole-clip graphs without stream state):
 * wfvae-demo 6.8x, the golden wfvae-l-tiny 6.9x, wfvae2-tiny 7.3x; 8 leaves room for the taps.
 */
export const LIVE_ACTIVATION_COPIES = 8;

const F32 = 4;
const MB = 2 ** 20;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/**
 * Floats per video voxel of the widest decoder activation: channels times the fraction of the
 * video's T·H·W that the stage runs at (each Haar level halves space, 3D ones time as well).
 */
export function widestFloatsPerVoxel(config: ModelConfig): number {
  if (config.className === 'WFVAEModel') {
    // up1 and the final layers run at (T/2, H/2, W/2) with 2·base channels; the 24 Haar channels at the same size.
    return Math.max((2 * config.base_channels) / 8, 24 / 8);
  }
  // WFVAE2: decoder level j (after its upsample) runs at encoder level j's input size with base[j + 1] channels.
  const base = config.decoder_base_channels;
  let fraction = 1 / 8; // after the input 3D Haar
  let widest = 24 * fraction;
  for (let j = 0; j < config.layer_type.length; j++) {
    const channels = base[j + 1] ?? base[base.length - 1];
    widest = Math.max(widest, channels * fraction);
    fraction /= config.layer_type[j] === 'thw' ? 8 : 4;
  }
  return widest;
}

/** The decoded clip as (3, T, H, W) float32 in memory; ffmpeg decodes every source frame up to the last one kept. */
export function estimateDecode(shape: ClipShape, sourceFramesRead: number, rate: Rate | null): Cost {
  const bytes = 3 * shape.frames * shape.height * shape.width * F32;
  return {
    bytes,
    seconds: rate ? sourceFramesRead * rate.seconds : null,
    basis:
      `${shape.frames}×${shape.height}×${shape.width}×3 float32 = ${mb(bytes)}; ffmpeg reads ${sourceFramesRead} source frames` +
      (rate ? ` at ${(rate.seconds * 1000).toFixed(2)} ms each (${rate.basis})` : ' (decode speed not measured yet)'),
  };
}

const speed = (rate: Rate | null) => rate?.basis ?? "the model's speed is measured once it is idle";

/** Whole-clip reconstruction in memory: the output video and the model's activations, both growing with T. */
export function estimateReconstruct(model: ModelCostFacts, shape: ClipShape): Cost {
  const voxels = shape.frames * shape.height * shape.width;
  const widest = widestFloatsPerVoxel(model.config);
  const activation = voxels * LIVE_ACTIVATION_COPIES * widest * F32;
  const output = voxels * 3 * F32;
  return {
    bytes: activation + output,
    seconds: model.rate ? voxels * model.rate.seconds : null,
    basis:
      `${model.className}: activations ≈ ${LIVE_ACTIVATION_COPIES} × ${widest.toFixed(1)} floats per voxel × ${voxels.toLocaleString('en-US')} voxels = ${mb(activation)}, ` +
      `output ${mb(output)}; ${speed(model.rate)}`,
  };
}

/**
 * The whole source streamed through the Causal Cache encoder and decoder: only a chunk's
 * activations and the frames between the decoder's input and output are alive, so the memory
 * does not depend on T. The step graphs are two more sessions, each with the weights.
 */
export function estimateStreamed(model: ModelCostFacts, shape: ClipShape, encChunk: number, decChunk: number): Cost {
  const tc = model.temporalCompression;
  const pixels = shape.height * shape.width;
  const widest = widestFloatsPerVoxel(model.config);
  const chunkFrames = Math.max(encChunk, decChunk * tc + tc);
  const activation = chunkFrames * pixels * LIVE_ACTIVATION_COPIES * widest * F32;
  // Originals wait for their reconstruction: at most an encoder chunk plus a decoder chunk (and its look-ahead) of frames, twice (original and output).
  const frames = 2 * (encChunk + decChunk * tc + tc) * pixels * 3 * F32;
  const sessions = 2 * model.weightBytes;
  const voxels = shape.frames * pixels;
  return {
    bytes: activation + frames + sessions,
    seconds: model.rate ? voxels * model.rate.seconds : null,
    basis:
      `Causal Cache chunks of ${encChunk} video / ${decChunk} latent frames: activations of ${chunkFrames} frames ${mb(activation)}, ` +
      `frames in flight ${mb(frames)}, step sessions ${mb(sessions)}; flat in T (${shape.frames} frames); ${speed(model.rate)}`,
  };
}
