// H.264 (yuv420p, BT.709 tagged) mp4 writing through ffmpeg's stdin. ffmpeg
// writes to a temporary name beside the target, renamed into place on close()
// only after the finished file has been probed and holds every frame, so a
// cancelled or failed write (a full disk: ffmpeg exits 0 after failing to
// write the trailer) never leaves a partial or unplayable file at outPath.
// Temporaries that a killed process left behind are swept on the next write.
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { VideoError } from './errors';
import { videoTool } from './ffmpeg-paths';
import { probeVideo } from './probe';
import { sweepStalePartials } from '../fs/stale-partials';
import { planarFramesToRgb24, videoDims, type VideoTensor } from './rgb';
import { ToolProcess } from './tool-process';

export interface Mp4WriterOptions {
  width: number;
  height: number;
  fps: number;
  /** x264 constant rate factor: 0 = lossless, 18 (default) = visually lossless, 23 = x264's default. */
  crf?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface Mp4Writer {
  /** Appends (3, n, H, W) frames in [-1, 1]; resolves once ffmpeg has taken them (backpressure). */
  write(chunk: VideoTensor, onFrame?: (framesOfChunkDone: number) => void): Promise<void>;
  /** Finishes the file and moves it to outPath. */
  close(): Promise<void>;
  /** Stops ffmpeg and deletes the partial file. Safe after close() or a failed write. */
  abort(): Promise<void>;
}

const DEFAULT_CRF = 18;
const ENCODE_TIMEOUT_MS = 10 * 60_000;
const ENCODE_STALL_MS = 60_000;

function checkWriterOptions(o: Mp4WriterOptions): void {
  for (const k of ['width', 'height'] as const) {
    const v = o[k];
    if (!Number.isInteger(v) || v < 2 || v % 2 !== 0) throw new VideoError('bad_option', `mp4 ${k} must be an even integer ≥ 2 (got ${v}); H.264 yuv420p halves the colour resolution`);
  }
  if (!(o.fps > 0 && o.fps <= 1000)) throw new VideoError('bad_option', `fps must be in (0, 1000] (got ${o.fps}); pass the clip's frame rate`);
  const crf = o.crf ?? DEFAULT_CRF;
  if (!Number.isInteger(crf) || crf < 0 || crf > 51) throw new VideoError('bad_option', `crf must be an integer 0..51 (got ${crf}); 18 is visually lossless, 0 lossless`);
}

export function createMp4Writer(outPath: string, o: Mp4WriterOptions): Mp4Writer {
  checkWriterOptions(o);
  if (o.signal?.aborted) throw new VideoError('cancelled', `writing ${outPath} was cancelled`);
  const target = resolve(outPath);
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.partial.mp4`);
  const swept = sweepPartialMp4s(target);
  const what = `writing ${outPath}`;
  const tool = videoTool('ffmpeg');
  const cli = [
    '-nostdin', '-hide_banner', '-v', 'error', '-nostats', '-progress', 'pipe:2',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-framerate', String(o.fps), '-i', 'pipe:0',
    '-vf', 'scale=out_color_matrix=bt709:out_range=tv:flags=accurate_rnd+full_chroma_int,format=yuv420p',
    '-c:v', 'libx264', '-preset', 'fast', '-crf', String(o.crf ?? DEFAULT_CRF), '-pix_fmt', 'yuv420p',
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
    '-movflags', '+faststart', '-f', 'mp4', '-y', `file:${partial}`,
  ];
  const job = { output: `file:${partial}`, width: o.width, height: o.height, fps: o.fps, crf: o.crf ?? DEFAULT_CRF };
  const args = tool.kind === 'cli' ? cli : [...tool.prefix, 'encode', JSON.stringify(job)];
  // The writer's caller stops between chunks (inference), so only time spent waiting on ffmpeg counts.
  const proc = new ToolProcess(tool.bin, args, {
    what,
    signal: o.signal,
    timeoutMs: o.timeoutMs ?? ENCODE_TIMEOUT_MS,
    stallMs: Math.min(ENCODE_STALL_MS, o.timeoutMs ?? ENCODE_TIMEOUT_MS),
    stdin: true,
    stdout: false,
    envVar: tool.envVar,
    nodeScript: tool.kind === 'av-tool',
    env: tool.env,
  });
  let state: 'open' | 'closing' | 'done' | 'failed' = 'open';
  let framesWritten = 0;

  const removePartial = () => rm(partial, { force: true });
  // A cancelled write leaves nothing behind even if the caller never calls close() or abort().
  o.signal?.addEventListener('abort', () => void proc.exited.then(() => (state === 'done' ? undefined : removePartial())), { once: true });

  async function fail(e: unknown): Promise<never> {
    state = 'failed';
    await proc.dispose();
    await removePartial();
    throw proc.interruption() ?? e;
  }

  /** ffmpeg stopped taking frames: report why it exited (or why we stopped it). */
  async function failFromExit(): Promise<never> {
    state = 'failed';
    await proc.dispose();
    const { code } = await proc.exited;
    await removePartial();
    throw proc.interruption() ?? failureFromExit(code);
  }

  /** ffmpeg's last messages, naming the target rather than our temporary. */
  const tail = (n: number) => proc.messageTail(n).split(`file:${partial}`).join(outPath);

  function failureFromExit(code: number | null): VideoError {
    const said = proc.messages.join('\n');
    if (/No space left on device/i.test(said)) {
      return new VideoError('ffmpeg_failed', `cannot write ${outPath}: the disk holding ${dirname(target)} is full (ffmpeg: ${tail(2)}); free some space or write the video elsewhere`);
    }
    if (/File too large/i.test(said)) {
      return new VideoError('ffmpeg_failed', `cannot write ${outPath}: the file reached this process's file-size limit (ulimit -f) (ffmpeg: ${tail(2)}); raise the limit or write a shorter or smaller video`);
    }
    return new VideoError('ffmpeg_failed', `ffmpeg could not write ${outPath} (exit status ${code}${proc.messages.length ? `: ${tail(3)}` : ''}); check the folder exists, is writable and has free space`);
  }

  /** The finished temporary must be an H.264 mp4 of exactly the frames written: a lost trailer or a short file fails here. */
  async function verifyFinished(): Promise<void> {
    let info;
    try {
      info = await probeVideo(partial, { signal: o.signal, timeoutMs: 60_000, countFrames: false });
    } catch (e) {
      if (o.signal?.aborted) throw e;
      throw new VideoError('ffmpeg_failed', `ffmpeg finished ${outPath} but the file is not readable (${(e as Error).message}); check that the disk has free space and write it again`);
    }
    if (info.frames !== framesWritten || info.width !== o.width || info.height !== o.height || info.codec !== 'h264') {
      throw new VideoError(
        'ffmpeg_failed',
        `ffmpeg finished ${outPath} but it holds ${info.frames} ${info.codec} frames of ${info.width}x${info.height} instead of the ${framesWritten} h264 frames of ${o.width}x${o.height} written; check that the disk has free space and write it again`,
      );
    }
  }

  return {
    async write(chunk, onFrame) {
      if (state !== 'open') throw new VideoError('bad_option', `${what}: write() after ${state === 'failed' ? 'a failure or abort()' : 'close()'}`);
      const { frames, height, width } = videoDims(chunk, 'createMp4Writer.write');
      if (height !== o.height || width !== o.width) {
        await fail(new VideoError('bad_option', `${what}: chunk frames are ${width}x${height} but the writer was opened for ${o.width}x${o.height}`));
      }
      const stdin = proc.child.stdin;
      // One frame at a time keeps the rgb copy small and lets ffmpeg's pace drive ours.
      for (let t = 0; t < frames; t++) {
        const bytes = planarFramesToRgb24(chunk.data, frames, height * width, t, 1);
        if (!stdin || !proc.running || stdin.destroyed) return failFromExit();
        const ok = stdin.write(bytes);
        if (!ok) {
          await proc.wait(new Promise<void>((res) => {
            const done = () => {
              stdin.off('drain', done);
              proc.child.off('close', done);
              res();
            };
            stdin.on('drain', done);
            proc.child.on('close', done);
          }));
        }
        proc.touch();
        if (!proc.running) return failFromExit();
        framesWritten++;
        onFrame?.(t + 1);
      }
    },

    async close() {
      if (state !== 'open') throw new VideoError('bad_option', `${what}: close() called twice or after abort()`);
      state = 'closing';
      if (framesWritten === 0) await fail(new VideoError('bad_option', `${what}: no frames were written; an mp4 needs at least one frame`));
      proc.child.stdin?.end();
      const { code } = await proc.wait(proc.exited);
      // At -v error any message is an error: ffmpeg exits 0 after "Error writing trailer ... No space left on device".
      if (proc.interruption() || code !== 0 || proc.messages.length > 0) await fail(failureFromExit(code));
      await proc.dispose();
      await swept;
      try {
        await verifyFinished();
      } catch (e) {
        await fail(e);
      }
      try {
        await rename(partial, target);
      } catch (e) {
        await fail(new VideoError('ffmpeg_failed', `cannot move the finished video to ${outPath} (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the folder is writable`));
      }
      state = 'done';
    },

    async abort() {
      if (state === 'done') return;
      state = 'failed';
      proc.kill('cancelled');
      await proc.dispose();
      await removePartial();
    },
  };
}

/**
 * Removes, in `target`'s folder, the `.NAME.<pid>-<hex>.partial.mp4` files of dead writers
 * (any NAME: the pid says whose they are) and `.NAME.<hex>.partial.mp4` ones (named before the
 * pid was included) untouched for a day.
 */
function sweepPartialMp4s(target: string): Promise<string[]> {
  const pattern = /^\..+\.(?:(\d+)-)?[0-9a-f]{8}\.partial\.mp4$/;
  return sweepStalePartials(dirname(target), {
    ownerOf: (name) => {
      const m = pattern.exec(name);
      return m ? (m[1] === undefined ? undefined : Number(m[1])) : null;
    },
  });
}

/** Writes a whole (3, T, H, W) [-1, 1] video as H.264 mp4. */
export async function encodeMp4(
  video: VideoTensor,
  outPath: string,
  opts: { fps?: number; crf?: number; signal?: AbortSignal; timeoutMs?: number; onProgress?: (doneFrames: number, totalFrames: number) => void } = {},
): Promise<void> {
  const { height, width } = videoDims(video, 'encodeMp4');
  const writer = createMp4Writer(outPath, { width, height, fps: opts.fps ?? 24, crf: opts.crf, signal: opts.signal, timeoutMs: opts.timeoutMs });
  try {
    await writer.write(video, opts.onProgress && ((done) => opts.onProgress?.(done, video.shape[1])));
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
