// The public reference's evaluation pipeline (PKU-YuanGroup/WF-VAE), step by
// step, as pure functions on frames. Read from its code:
//
// 1. scripts/recon_video.py reads each clip through ValidVideoDataset
//    (causalvideovae/dataset/video_dataset.py): decord gives rgb24 frames
//    np.linspace(s, s + rate * n - 1, n, dtype=int); ToTensorVideo divides by
//    255 in float32; torchvision's Resize(resolution) sets the short side to
//    `resolution` and the long one to int(resolution * long / short) (and
//    does nothing when that is already the size), resampling with
//    F.interpolate(mode='bilinear', align_corners=False, antialias=True);
//    CenterCropVideo (causalvideovae/dataset/transform.py) cuts at
//    int(round((side - crop) / 2)), Python's round (half to even).
// 2. The batch is cast to bfloat16, then x * 2 - 1 (in bfloat16), and that
//    tensor is both the model's input and, with --output_origin, the source
//    of the saved originals. The model runs in bfloat16; its output is bf16.
// 3. custom_to_video (causalvideovae/utils/video_utils.py) saves both:
//    clamp(-1, 1), (x + 1) / 2 (bfloat16 arithmetic), .float(), then
//    (255 * x).astype(np.uint8): truncation to 8 bits. OpenCV's mp4v writer
//    stores them (eval/reference/mp4v.ts imitates it under --reference-io).
// 4. scripts/eval.py reads both videos back (decord, np.linspace again),
//    ToTensorVideo, then video_dataset.resize: short side `resolution`, the
//    other int(resolution / aspect) or int(resolution * aspect) with
//    aspect = width / height, F.interpolate(bilinear, align_corners=True,
//    antialias=True); then CenterCropVideo(crop_size); then cal_psnr.py and
//    cal_ssim.py on [0, 1].
// examples/gen_video.sh and examples/eval.sh run it with 33 frames, sample
// rate 1, resolution 256 and crop 256 (the crop given to the evaluation; the
// model's input is cropped the same way here so it is a multiple of 8).
import { resizeAntialiased } from './aa-resize';
import { roundBf16 } from './bf16';

const f = Math.fround;

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface Size {
  width: number;
  height: number;
}

/** torchvision.transforms.Resize(size) on a tensor: short side `size`, long side int(size * long / short). */
export function torchvisionResizeSize(width: number, height: number, size: number): Size {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** causalvideovae's resize(x, resolution) (the evaluation's): aspect = width / height, the other side int() of it. */
export function evalResizeSize(width: number, height: number, size: number): Size {
  const aspect = width / height;
  if (width <= height) return { width: size, height: Math.trunc(size / aspect) };
  return { width: Math.trunc(size * aspect), height: size };
}

/** CenterCropVideo's box: offsets int(round((side - crop) / 2)). */
export function centerCropBox(from: Size, to: Size): { x: number; y: number; width: number; height: number } {
  if (to.width > from.width || to.height > from.height) {
    throw new Error(`a ${to.width}x${to.height} centre crop does not fit a ${from.width}x${from.height} frame`);
  }
  return { x: roundHalfEven((from.width - to.width) / 2), y: roundHalfEven((from.height - to.height) / 2), width: to.width, height: to.height };
}

/** np.linspace(start, stop, num, dtype=int): the frames the reference's readers take. */
export function linspaceInt(start: number, stop: number, num: number): number[] {
  if (num === 1) return [Math.floor(start)];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => Math.floor(i * step + start));
  out[num - 1] = Math.floor(stop);
  return out;
}

/** The reference's frame indices: linspace(first, first + rate * n - 1, n). */
export function referenceFrameIndices(first: number, frames: number, rate: number): number[] {
  return linspaceInt(first, first + rate * frames - 1, frames);
}

/** ToTensorVideo: one interleaved rgb24 frame into 3 planes of float32 k / 255. */
export function rgb24ToUnitPlanes(rgb: Uint8Array, width: number, height: number): Float32Array {
  const pixels = width * height;
  const out = new Float32Array(3 * pixels);
  for (let p = 0, q = 0; p < pixels; p++, q += 3) {
    out[p] = UNIT[rgb[q]];
    out[pixels + p] = UNIT[rgb[q + 1]];
    out[2 * pixels + p] = UNIT[rgb[q + 2]];
  }
  return out;
}

const UNIT = Float32Array.from({ length: 256 }, (_, k) => f(k / 255));

/** Cuts a box out of `planes` planes of from.width x from.height. */
export function cropPlanes(src: Float32Array, planes: number, from: Size, box: { x: number; y: number; width: number; height: number }): Float32Array {
  if (box.x === 0 && box.y === 0 && box.width === from.width && box.height === from.height) return src;
  const out = new Float32Array(planes * box.width * box.height);
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < box.height; r++) {
      const s = p * from.width * from.height + (box.y + r) * from.width + box.x;
      out.set(src.subarray(s, s + box.width), (p * box.height + r) * box.width);
    }
  }
  return out;
}

export interface StageASpec {
  /** Short side of torchvision's Resize; null: native size. */
  size: number | null;
  /** Centre crop after it; null: none. */
  crop: Size | null;
}

/** Size of the model's input frames after stage 1, and the steps that make it. */
export function stageAGeometry(source: Size, spec: StageASpec): { resized: Size | null; crop: { x: number; y: number; width: number; height: number } | null; out: Size } {
  const resizedTo = spec.size === null ? source : torchvisionResizeSize(source.width, source.height, spec.size);
  // torchvision returns the image untouched when it already has the size.
  const resized = resizedTo.width === source.width && resizedTo.height === source.height ? null : resizedTo;
  const after = resized ?? source;
  const crop = spec.crop ? centerCropBox(after, spec.crop) : null;
  return { resized, crop, out: crop ? { width: crop.width, height: crop.height } : after };
}

/**
 * Stage 1 on one decoded frame: ToTensorVideo, Resize, CenterCrop, then the bf16 cast and x * 2 - 1 in
 * bf16. Returns (3, H, W) planes on [-1, 1], each value a bfloat16 number: the model's input and the originals' source.
 */
export function referenceModelInput(rgb: Uint8Array, source: Size, spec: StageASpec): Float32Array {
  const g = stageAGeometry(source, spec);
  let x: Float32Array = rgb24ToUnitPlanes(rgb, source.width, source.height);
  let at = source;
  if (g.resized) {
    x = resizeAntialiased(x, 3, source.height, source.width, g.resized.height, g.resized.width, false);
    at = g.resized;
  }
  if (g.crop) x = cropPlanes(x, 3, at, g.crop);
  for (let i = 0; i < x.length; i++) x[i] = roundBf16(2 * roundBf16(x[i]) - 1);
  return x;
}

/**
 * custom_to_video's 8-bit value of a bf16 tensor value: clamp to [-1, 1], (x + 1) / 2 in bfloat16,
 * then (255 * x).astype(uint8) in float32 (truncation). NaN, as numpy's cast of it, is taken as 0.
 */
export function savedByte(bf16Value: number): number {
  const c = bf16Value < -1 ? -1 : bf16Value > 1 ? 1 : bf16Value;
  const u = roundBf16(c + 1) / 2;
  const v = Math.trunc(f(255 * u));
  return v >= 0 && v <= 255 ? v : 0;
}

/** The saved 8-bit frames of a planar tensor: the model's bf16 input as it is, the fp32 output rounded to bf16 first (the reference's output dtype). */
export function savedBytes(values: Float32Array, roundToBf16: boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = savedByte(roundToBf16 ? roundBf16(values[i]) : values[i]);
  return out;
}

export interface StageBSpec {
  /** eval.py's --resolution; null: no resize. */
  size: number | null;
  /** eval.py's --crop_size; null: no crop. */
  crop: Size | null;
}

/** Stage 4's geometry for saved frames of `saved` size: the evaluation's resize and centre crop. */
export function stageBGeometry(saved: Size, spec: StageBSpec): { resized: Size | null; crop: { x: number; y: number; width: number; height: number } | null; out: Size } {
  const to = spec.size === null ? saved : evalResizeSize(saved.width, saved.height, spec.size);
  // F.interpolate at the same size is the identity (weights 1 and 0), so it is skipped.
  const resized = to.width === saved.width && to.height === saved.height ? null : to;
  const after = resized ?? saved;
  const crop = spec.crop ? centerCropBox(after, spec.crop) : null;
  return { resized, crop, out: crop ? { width: crop.width, height: crop.height } : after };
}

/** Stage 4 on n planar 8-bit frames (3, n, h, w): ToTensorVideo, resize, crop. Returns (3, n, H, W) on [0, 1]. */
export function evaluationFrames(bytes: Uint8Array, n: number, saved: Size, spec: StageBSpec): { data: Float32Array; size: Size } {
  const g = stageBGeometry(saved, spec);
  let x: Float32Array = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) x[i] = UNIT[bytes[i]];
  let at = saved;
  if (g.resized) {
    x = resizeAntialiased(x, 3 * n, saved.height, saved.width, g.resized.height, g.resized.width, true);
    at = g.resized;
  }
  if (g.crop) x = cropPlanes(x, 3 * n, at, g.crop);
  return { data: x, size: g.out };
}
