// What a dataset run (eval, latent-stats) will process, for its plan: the
// clip shape the model sees and the voxels over all clips. Exact when the
// protocol fixes the frames and the size; otherwise read from up to eight
// clips spread over the list (their frame counts are cached per file).
import { clipPath, type ClipList } from '../engine/eval/clip-list';
import type { ClipShape } from '../engine/runtime/memory-plan';
import { planDecode, probeVideo, snapFrames, type DecodeOptions } from '../engine/video/index';

export interface DatasetShape {
  /** The largest clip seen (memory). */
  clip: ClipShape;
  totalVoxels: number;
  clips: number;
  /** How the figures were had, for the time line. */
  how: string;
}

const SAMPLE = 8;

export async function datasetShape(list: ClipList, indices: number[], decode: DecodeOptions & { temporalMultiple: 4 | 8 }, signal?: AbortSignal): Promise<DatasetShape | null> {
  const n = indices.length;
  if (n === 0) return null;
  const fixed = decode.frames !== undefined && decode.crop !== undefined;
  if (fixed) {
    const clip = { frames: snapFrames(decode.frames!, decode.temporalMultiple), height: decode.crop!.height, width: decode.crop!.width };
    return { clip, clips: n, totalVoxels: n * clip.frames * clip.height * clip.width, how: `${n} clips of ${clip.frames}x${clip.height}x${clip.width}` };
  }
  const step = Math.max(1, Math.floor(n / SAMPLE));
  const picked = indices.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  let largest: ClipShape | null = null;
  let sum = 0;
  let seen = 0;
  for (const i of picked) {
    try {
      const p = planDecode(await probeVideo(clipPath(list, list.clips[i]), { signal }), { ...decode, maxVoxels: Infinity });
      const v = p.frames * p.height * p.width;
      sum += v;
      seen++;
      if (!largest || v > largest.frames * largest.height * largest.width) largest = { frames: p.frames, height: p.height, width: p.width };
    } catch (err) {
      if (signal?.aborted) throw err;
      // A clip that will fail says so in the run; it costs no time here.
    }
  }
  if (!largest || seen === 0) return null;
  return { clip: largest, clips: n, totalVoxels: Math.round((sum / seen) * n), how: seen === n ? `${n} clips` : `${n} clips, sized from ${seen} of them` };
}
