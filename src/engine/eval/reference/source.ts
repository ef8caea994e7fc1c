// A clip read the way the reference's recon_video.py reads it (pipeline.ts
// stage 1): frames decoded as decord gives them, the np.linspace frame
// indices, torchvision's resize, the centre crop and the bfloat16 input,
// streamed in blocks so memory stays O(block) at any source resolution.
import type { Tensor } from '../../tensor';
import { decodeVideoChunks } from '../../video/index';
import type { FrameSource } from '../evaluate-clip';
import { referenceFrameIndices, referenceModelInput, stageAGeometry, type StageASpec } from './pipeline';
import { snapFrames } from '../../video/index';

export interface ReferenceSourceOptions {
  /** First source frame (the reference always starts at 0; --start moves it). */
  first: number;
  /** Frames the model takes; null: every frame from `first` on, snapped down to 1 + temporalMultiple * k. */
  frames: number | null;
  temporalMultiple: 4 | 8;
  sampleRate: number;
  /** The resize, and the centre crop (null: to the multiples of 8 below, which the model needs). */
  stageA: StageASpec;
  /** Frames per block handed to the model. */
  chunkFrames: number;
  signal?: AbortSignal;
}

/**
 * The clip's model input as bf16 values on [-1, 1], (3, n, H, W) per block. `frames` is less than asked
 * (and the blocks must not be read) when the file holds fewer frames than the reference takes.
 */
export async function referenceFileSource(path: string, o: ReferenceSourceOptions): Promise<FrameSource> {
  const span = o.frames === null ? undefined : o.sampleRate * o.frames;
  const chunks = decodeVideoChunks(path, {
    reader: 'decord',
    startFrame: o.first,
    frames: span,
    maxVoxels: Infinity,
    // The decoder's blocks are native-size frames: keep them small.
    chunkFrames: 4,
    signal: o.signal,
  });
  const plan = await chunks.plan;
  const frames = o.frames ?? snapFrames(Math.floor((plan.frames - 1) / o.sampleRate) + 1, o.temporalMultiple);
  const wanted = referenceFrameIndices(o.first, frames, o.sampleRate);
  const sourceSize = { width: plan.width, height: plan.height };
  const resized = stageAGeometry(sourceSize, { size: o.stageA.size, crop: null }).out;
  const stageA: StageASpec = { size: o.stageA.size, crop: o.stageA.crop ?? { width: resized.width - (resized.width % 8), height: resized.height - (resized.height % 8) } };
  const g = stageAGeometry(sourceSize, stageA);
  const available = wanted.filter((i) => i < o.first + plan.frames).length;
  const notes = plan.notes.filter((n) => !n.startsWith('asked for'));
  if (g.resized) notes.push(`resized ${plan.width}x${plan.height} -> ${g.resized.width}x${g.resized.height} (torch bilinear, antialias, align_corners=False, as torchvision's Resize)`);
  if (g.crop && (g.crop.width !== resized.width || g.crop.height !== resized.height)) {
    notes.push(`centre-cropped ${resized.width}x${resized.height} -> ${g.crop.width}x${g.crop.height} at (${g.crop.x}, ${g.crop.y})${o.stageA.crop ? '' : ' (sides must be multiples of 8)'}`);
  }
  notes.push('model input x * 2 - 1 in bfloat16, as the reference casts it');
  const keep = new Set(wanted);
  const { width, height } = g.out;
  const plane = width * height;
  const blocks = (async function* () {
    let block = new Float32Array(3 * Math.min(o.chunkFrames, frames) * plane);
    let n = 0;
    let cap = Math.min(o.chunkFrames, frames);
    let emitted = 0;
    const flush = (): Tensor => {
      const t: Tensor = { data: block, shape: [3, n, height, width] };
      emitted += n;
      n = 0;
      cap = Math.min(o.chunkFrames, frames - emitted);
      if (cap > 0) block = new Float32Array(3 * cap * plane);
      return t;
    };
    for await (const c of chunks) {
      const [, cn, ch, cw] = c.shape;
      const rgb = new Uint8Array(ch * cw * 3);
      for (let t = 0; t < cn; t++) {
        const index = o.first + c.start + t;
        if (!keep.has(index)) continue;
        // The decoder hands planar [-1, 1] floats of its bytes; take the bytes back exactly.
        for (let p = 0, q = 0; p < ch * cw; p++, q += 3) {
          for (let k = 0; k < 3; k++) rgb[q + k] = Math.round((c.data[(k * cn + t) * ch * cw + p] + 1) * 127.5);
        }
        const x = referenceModelInput(rgb, sourceSize, stageA);
        for (let k = 0; k < 3; k++) block.set(x.subarray(k * plane, (k + 1) * plane), (k * cap + n) * plane);
        n++;
        if (n === cap) yield flush();
      }
    }
  })();
  return { frames: available, height, width, fps: plan.fps / o.sampleRate, frameIndices: wanted.slice(0, available), notes, blocks };
}
