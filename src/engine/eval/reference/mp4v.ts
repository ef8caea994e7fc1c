// --reference-io: the reference writes the originals and the reconstruction
// with OpenCV's cv2.VideoWriter (fourcc 'mp4v': MPEG-4 Part 2 at its default
// settings, see av-tool.mjs's encode-mp4v) and evaluates what decord reads
// back. Here both go to private temporary mp4 files the same way and are read
// back with the decord-style decode, frame for frame.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVideoChunks, videoTool, VideoError } from '../../video/index';
import { ToolProcess } from '../../video/tool-process';

/** recon_video.py writes at sample_fps / sample_rate; examples/gen_video.sh passes --sample_fps 24. */
export const REFERENCE_SAMPLE_FPS = 24;

const ENCODE_TIMEOUT_MS = 10 * 60_000;
const STALL_MS = 60_000;

/** An mp4v writer fed interleaved BGR frames, as OpenCV's writer is after cv2.cvtColor(RGB2BGR). */
class Mp4vWriter {
  private readonly proc: ToolProcess;
  frames = 0;

  constructor(
    readonly path: string,
    width: number,
    height: number,
    fps: number,
    signal?: AbortSignal,
  ) {
    const tool = videoTool('ffmpeg');
    // The command-line equivalent of OpenCV's settings, for a user's own ffmpeg (WFVAE_FFMPEG).
    const b = Math.trunc(Math.min(fps * width * height, 2 ** 30 - 1) + 0.5);
    const cli = [
      '-nostdin', '-hide_banner', '-v', 'error', '-nostats', '-progress', 'pipe:2',
      '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
      '-sws_flags', 'bicubic', '-c:v', 'mpeg4', '-tag:v', 'mp4v', '-b:v', String(b + Math.trunc(b / 2)), '-qmin', '3', '-g', '12', '-threads', '1',
      '-pix_fmt', 'yuv420p', '-f', 'mp4', '-y', `file:${path}`,
    ];
    const args = tool.kind === 'cli' ? cli : [...tool.prefix, 'encode-mp4v', JSON.stringify({ output: `file:${path}`, width, height, fps })];
    this.proc = new ToolProcess(tool.bin, args, {
      what: `writing the mp4v copy ${path}`,
      signal,
      timeoutMs: ENCODE_TIMEOUT_MS,
      stallMs: STALL_MS,
      stdin: true,
      stdout: false,
      envVar: tool.envVar,
      nodeScript: tool.kind === 'av-tool',
      env: tool.env,
    });
  }

  async write(bgr: Uint8Array): Promise<void> {
    const stdin = this.proc.child.stdin;
    if (!stdin || !this.proc.running || stdin.destroyed) throw await this.failure();
    if (!stdin.write(bgr)) {
      await this.proc.wait(
        new Promise<void>((res) => {
          const done = () => {
            stdin.off('drain', done);
            this.proc.child.off('close', done);
            res();
          };
          stdin.on('drain', done);
          this.proc.child.on('close', done);
        }),
      );
    }
    this.proc.touch();
    this.frames++;
  }

  async close(): Promise<void> {
    this.proc.child.stdin?.end();
    const { code } = await this.proc.wait(this.proc.exited);
    if (this.proc.interruption() || code !== 0 || this.proc.messages.length > 0) throw await this.failure();
    await this.proc.dispose();
  }

  private async failure(): Promise<Error> {
    await this.proc.dispose();
    const { code } = await this.proc.exited;
    return this.proc.interruption() ?? new VideoError('ffmpeg_failed', `the mp4v encoder failed writing ${this.path} (exit status ${code}: ${this.proc.messageTail(3)})`);
  }

  async dispose(): Promise<void> {
    await this.proc.dispose();
  }
}

/** Planar (3, n, H, W) bytes, frame t, as interleaved BGR. */
function planarToBgr(bytes: Uint8Array, n: number, t: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  const plane = n * pixels;
  const r = t * pixels;
  for (let p = 0, q = 0; p < pixels; p++, q += 3) {
    out[q] = bytes[r + 2 * plane + p];
    out[q + 1] = bytes[r + plane + p];
    out[q + 2] = bytes[r + p];
  }
  return out;
}

export interface SavedPair {
  /** Planar (3, n, H, W) 8-bit frames. */
  original: Uint8Array;
  reconstruction: Uint8Array;
  n: number;
}

/** Where the two mp4v files of a clip are kept (as the reference keeps its generated_video_dir and origin/): `<dir>/<stem>.origin.mp4` and `.recon.mp4`. */
export interface Mp4vKeep {
  dir: string;
  stem: string;
}

export class Mp4vRoundTrip {
  private constructor(
    private readonly dir: string,
    private readonly temporary: boolean,
    private readonly writers: [Mp4vWriter, Mp4vWriter],
    private readonly width: number,
    private readonly height: number,
    private readonly signal?: AbortSignal,
  ) {}

  static async open(width: number, height: number, fps: number, signal?: AbortSignal, keep?: Mp4vKeep | null): Promise<Mp4vRoundTrip> {
    if (keep) await mkdir(keep.dir, { recursive: true });
    const dir = keep ? keep.dir : await mkdtemp(join(tmpdir(), 'wfvae-mp4v-'));
    const name = (what: string) => join(dir, keep ? `${keep.stem}.${what}.mp4` : `${what}.mp4`);
    const writers: [Mp4vWriter, Mp4vWriter] = [new Mp4vWriter(name('origin'), width, height, fps, signal), new Mp4vWriter(name('recon'), width, height, fps, signal)];
    return new Mp4vRoundTrip(dir, !keep, writers, width, height, signal);
  }

  /** The two files (original, reconstruction). */
  get paths(): [string, string] {
    return [this.writers[0].path, this.writers[1].path];
  }

  /** Appends n frames of each video (OpenCV drops an odd last row or column; ours are multiples of 8). */
  async write(p: SavedPair): Promise<void> {
    const pixels = this.width * this.height;
    for (let t = 0; t < p.n; t++) {
      await this.writers[0].write(planarToBgr(p.original, p.n, t, pixels));
      await this.writers[1].write(planarToBgr(p.reconstruction, p.n, t, pixels));
    }
  }

  /** Closes both files and reads them back, `block` frames at a time, as decord reads them. */
  async *readBack(block: number): AsyncGenerator<SavedPair> {
    await Promise.all(this.writers.map((w) => w.close()));
    const frames = this.writers[0].frames;
    const open = (w: Mp4vWriter) =>
      decodeVideoChunks(w.path, { reader: 'decord', startFrame: 0, frames, maxVoxels: Infinity, chunkFrames: block, signal: this.signal })[Symbol.asyncIterator]();
    const a = open(this.writers[0]);
    const b = open(this.writers[1]);
    for (;;) {
      const [x, y] = await Promise.all([a.next(), b.next()]);
      if (x.done || y.done) {
        if (!x.done || !y.done) throw new Error('the mp4v copies read back with different frame counts');
        return;
      }
      const n = x.value.shape[1];
      yield { original: toBytes(x.value.data), reconstruction: toBytes(y.value.data), n };
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.dispose()));
    if (this.temporary) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The decoder's planar [-1, 1] floats back to the bytes they came from. */
function toBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] + 1) * 127.5);
  return out;
}
