// decodeVideo / decodeVideoChunks: ffmpeg decodes, selects, resizes and crops;
// rawvideo rgb24 comes through stdout one frame at a time, so memory stays
// proportional to the frames kept (select + -frames:v stop ffmpeg at the last one).
import { VideoError } from './errors';
import { videoTool } from './ffmpeg-paths';
import { DECODE_STALL_MS, DEFAULT_DECODE_TIMEOUT_MS, planDecode, snapFrames, validateDecodeOptions, type DecodeOptions, type DecodePlan } from './plan';
import { fileUrl, probeVideo, type VideoInfo } from './probe';
import { rgb24IntoPlanar } from './rgb';
import { ToolProcess } from './tool-process';

export interface DecodedClip {
  /** (3, T, H, W) float32 RGB in [-1, 1]. */
  data: Float32Array;
  shape: [3, number, number, number];
  fps: number;
  info: VideoInfo;
  /** Source frame index of each decoded frame. */
  frameIndices: number[];
  notes: string[];
}

export interface VideoChunk {
  /** Index of the chunk's first frame within the decoded clip. */
  start: number;
  data: Float32Array;
  shape: [3, number, number, number];
}

export interface ChunkPlan {
  frames: number;
  height: number;
  width: number;
  fps: number;
  notes: string[];
  info: VideoInfo;
  frameIndices: number[];
}

interface Prepared {
  info: VideoInfo;
  plan: DecodePlan;
  /** Time budget left for ffmpeg after the probe. */
  decodeBudgetMs: number;
}

async function prepare(path: string, o: DecodeOptions): Promise<Prepared> {
  validateDecodeOptions(o);
  if (o.signal?.aborted) throw new VideoError('cancelled', `decoding ${path} was cancelled`);
  const budget = o.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  const t0 = Date.now();
  const info = await probeVideo(path, { signal: o.signal, timeoutMs: budget });
  const plan = planDecode(info, o);
  return { info, plan, decodeBudgetMs: Math.max(1, budget - (Date.now() - t0)) };
}

interface ReadState {
  frames: number;
}

/**
 * Yields each decoded frame as H*W*3 rgb24 bytes. The buffer is reused: consume it before
 * pulling the next one. Throws the VideoError of a failed decode after the frames that did arrive.
 * `state.frames` counts frames delivered; fewer than planned with no error means the header over-counted.
 */
async function* readRgbFrames(path: string, p: Prepared, o: DecodeOptions, state: ReadState): AsyncGenerator<Uint8Array> {
  const { plan, info } = p;
  const tool = videoTool('ffmpeg');
  const cli = [
    '-nostdin', '-hide_banner', '-v', 'error', '-nostats', '-progress', 'pipe:2',
    '-i', fileUrl(info.path),
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', plan.filter,
    '-vsync', 'passthrough',
    '-frames:v', String(plan.frames),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  const job = { input: fileUrl(info.path), filter: plan.filter, frames: plan.frames };
  const args = tool.kind === 'cli' ? cli : [...tool.prefix, 'decode', JSON.stringify(job)];
  const proc = new ToolProcess(tool.bin, args, {
    what: `decoding ${path}`,
    signal: o.signal,
    timeoutMs: p.decodeBudgetMs,
    stallMs: Math.min(DECODE_STALL_MS, p.decodeBudgetMs),
    envVar: tool.envVar,
    nodeScript: tool.kind === 'av-tool',
    env: tool.env,
    inputUrl: fileUrl(info.path),
  });
  const frameBytes = plan.width * plan.height * 3;
  const frame = new Uint8Array(frameBytes);
  let fill = 0;
  try {
    reading: while (state.frames < plan.frames) {
      const buf = await proc.wait(proc.read());
      if (buf === null) break;
      for (let off = 0; off < buf.length; ) {
        const n = Math.min(frameBytes - fill, buf.length - off);
        frame.set(buf.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === frameBytes) {
          fill = 0;
          state.frames++;
          yield frame;
          if (state.frames === plan.frames) break reading;
        }
      }
    }
    proc.discardStdout();
    const { code } = await proc.wait(proc.exited);
    const interrupted = proc.interruption();
    if (interrupted) throw interrupted;
    // A truncated file's damaged tail lies past its decodable frames (counted at probe time): asking
    // within them is no error. Anywhere else, a decoder error is one.
    const damagedTailOnly = info.claimedFrames != null && state.frames === plan.frames;
    if (proc.messages.length > 0 && !damagedTailOnly) {
      throw new VideoError(
        'corrupt',
        `${path} is damaged: the decoder reported errors after ${state.frames} of ${plan.frames} frames (${proc.messageTail(4)}); ` +
          `re-export or re-download the file (if it plays elsewhere, re-encode it: ffmpeg -i in -c:v libx264 -crf 12 out.mp4)`,
      );
    }
    if (code !== 0) throw new VideoError('ffmpeg_failed', `ffmpeg exited with status ${code} while decoding ${path}; run with WFVAE_FFMPEG pointing to a newer ffmpeg`);
  } finally {
    await proc.dispose();
  }
}

function shortStreamError(path: string, got: number, planned: number, info: VideoInfo): VideoError {
  if (got === 0) return new VideoError('no_frames', `${path} produced no frames in the selected range; its header claims ${info.frames} frames, so the file is probably damaged: pick another file or a smaller start`);
  return new VideoError(
    'corrupt',
    `${path} ended after ${got} of the ${planned} frames its header promises; the file is truncated or its header miscounts: re-mux it (ffmpeg -i in -c copy out.mkv) or ask for at most ${got} frames`,
  );
}

export async function decodeVideo(path: string, o: DecodeOptions = {}): Promise<DecodedClip> {
  const p = await prepare(path, o);
  const { plan, info } = p;
  const pixels = plan.width * plan.height;
  let data: Float32Array = new Float32Array(3 * plan.frames * pixels);
  const state: ReadState = { frames: 0 };
  for await (const rgb of readRgbFrames(path, p, o, state)) {
    rgb24IntoPlanar(rgb, data, state.frames - 1, plan.frames, pixels);
    o.onProgress?.(state.frames, plan.frames);
  }
  let frames = plan.frames;
  const notes = [...plan.notes];
  if (state.frames < plan.frames) {
    if (state.frames === 0) throw shortStreamError(path, 0, plan.frames, info);
    // The container over-counted (edit lists, a truncated tail without decode errors): keep what came, re-snapped.
    frames = snapFrames(state.frames, o.temporalMultiple ?? 4);
    notes.push(`the file held only ${state.frames} of the ${plan.frames} frames its header promised; using ${frames}`);
    data = keepFrames(data, plan.frames, frames, pixels);
  }
  return { data, shape: [3, frames, plan.height, plan.width], fps: plan.fps, info, frameIndices: plan.frameIndices.slice(0, frames), notes };
}

function keepFrames(data: Float32Array, from: number, to: number, pixels: number): Float32Array {
  const out = new Float32Array(3 * to * pixels);
  for (let c = 0; c < 3; c++) out.set(data.subarray(c * from * pixels, (c * from + to) * pixels), c * to * pixels);
  return out;
}

/**
 * Streams the clip in consecutive blocks of at most `chunkFrames` frames, with the same options
 * and checks as decodeVideo (the maxVoxels guard applies to the whole clip). `plan` settles
 * before the first chunk. Each iteration starts its own ffmpeg; leaving the loop early stops it.
 */
export function decodeVideoChunks(
  path: string,
  o: DecodeOptions & { chunkFrames: number },
): AsyncIterable<VideoChunk> & { plan: Promise<ChunkPlan> } {
  const prepared = (async () => {
    if (!Number.isInteger(o.chunkFrames) || o.chunkFrames < 1) {
      throw new VideoError('bad_option', `chunkFrames must be an integer ≥ 1 (got ${o.chunkFrames}); pick the number of frames per block, e.g. 16`);
    }
    return prepare(path, o);
  })();
  const plan = prepared.then(({ plan: pl, info }) => ({
    frames: pl.frames,
    height: pl.height,
    width: pl.width,
    fps: pl.fps,
    notes: pl.notes,
    info,
    frameIndices: pl.frameIndices,
  }));
  // Callers that only iterate still see the error there; this keeps an unawaited plan from crashing the process.
  plan.catch(() => undefined);

  async function* chunks(): AsyncGenerator<VideoChunk> {
    const p = await prepared;
    const { plan: pl, info } = p;
    const pixels = pl.width * pl.height;
    const state: ReadState = { frames: 0 };
    let start = 0;
    let n = Math.min(o.chunkFrames, pl.frames);
    let block = new Float32Array(3 * n * pixels);
    for await (const rgb of readRgbFrames(path, p, o, state)) {
      rgb24IntoPlanar(rgb, block, state.frames - 1 - start, n, pixels);
      o.onProgress?.(state.frames, pl.frames);
      if (state.frames - start === n) {
        yield { start, data: block, shape: [3, n, pl.height, pl.width] };
        start += n;
        n = Math.min(o.chunkFrames, pl.frames - start);
        if (n > 0) block = new Float32Array(3 * n * pixels);
      }
    }
    if (state.frames < pl.frames) throw shortStreamError(path, state.frames, pl.frames, info);
  }
  return { plan, [Symbol.asyncIterator]: chunks };
}
