// probeVideo: what a file holds (size, frame count, rate, codec) via ffprobe,
// classified into VideoErrors when it is not a usable video.
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { VideoError } from './errors';
import { videoTool } from './ffmpeg-paths';
import { countDecodableFrames } from './frame-count';
import { runToCompletion } from './tool-process';

export interface VideoInfo {
  path: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  codec: string;
  durationSec: number;
  isImage: boolean;
  /**
   * What the container's header claims when that is not what decodes (a truncated file whose index
   * promises more); `frames` is then the decodable count. null: the header agrees, or was not checked.
   */
  claimedFrames?: number | null;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Count the frames that really decode (frame-count.ts; cached per file). Default true. */
  countFrames?: boolean;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 120_000;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  nb_frames?: string;
  nb_read_packets?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

/** ffmpeg reads "file:" URLs literally, so names with ':' or starting with '-' are safe. */
export function fileUrl(absPath: string): string {
  return `file:${absPath}`;
}

/** Resolves the path and checks it names a readable, non-empty regular file. */
export async function checkInputFile(path: string): Promise<string> {
  if (typeof path !== 'string' || path === '') throw new VideoError('bad_option', 'no video path given: pass the path of a video or image file');
  const abs = resolve(path);
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new VideoError('not_found', `no such file: ${path}; check the path${isAbsolute(path) ? '' : ` (relative to ${process.cwd()})`}`);
    throw new VideoError('not_found', `cannot read ${path} (${code ?? String(e)}): check the path and its permissions`);
  }
  if (st.isDirectory()) throw new VideoError('not_a_video', `${path} is a folder, not a video: pass a video or image file inside it`);
  if (!st.isFile()) throw new VideoError('not_a_video', `${path} is not a regular file: copy the video to a file first`);
  if (st.size === 0) throw new VideoError('not_a_video', `${path} is empty (0 bytes): the file was not written completely; export or copy it again`);
  return abs;
}

function parseRate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  const v = d === undefined ? n : d === 0 ? 0 : n / d;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function rotationDegrees(s: FfprobeStream): number {
  const side = s.side_data_list?.find((d) => typeof d.rotation === 'number');
  const deg = side?.rotation ?? Number(s.tags?.rotate ?? 0);
  return Number.isFinite(deg) ? ((Math.round(deg) % 360) + 360) % 360 : 0;
}

const IMAGE_FORMATS = /(^|,)(image2|[a-z0-9]+_pipe)(,|$)/;

async function ffprobeJson(abs: string, path: string, countPackets: boolean, opts: ProbeOptions): Promise<{ json: FfprobeOutput; code: number | null; messages: string[] }> {
  const tool = videoTool('ffprobe');
  const cli = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (countPackets) cli.push('-count_packets', '-select_streams', 'v:0');
  cli.push(fileUrl(abs));
  const args = tool.kind === 'cli' ? cli : [...tool.prefix, 'probe', JSON.stringify({ input: fileUrl(abs), countPackets })];
  const r = await runToCompletion(tool.bin, args, {
    what: `probing ${path}`,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    // ffprobe prints nothing until it is done, so only the overall budget applies.
    stallMs: opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    envVar: tool.envVar,
    nodeScript: tool.kind === 'av-tool',
    env: tool.env,
    inputUrl: fileUrl(abs),
  });
  let json: FfprobeOutput = {};
  try {
    json = r.stdout.trim() ? (JSON.parse(r.stdout) as FfprobeOutput) : {};
  } catch {
    throw new VideoError('ffmpeg_failed', `ffprobe printed unreadable output for ${path}; set WFVAE_FFPROBE to a working ffprobe`);
  }
  return { json, code: r.code, messages: r.messages };
}

const TRUNCATION = /moov atom not found|partial file|end of file|truncat|invalid as first byte of an EBML|exceeds containing master/i;

export async function probeVideo(path: string, opts: ProbeOptions = {}): Promise<VideoInfo> {
  const abs = await checkInputFile(path);
  const { json, code, messages } = await ffprobeJson(abs, path, false, opts);
  const streams = json.streams ?? [];
  const detail = messages.slice(-3).join('; ');
  if (streams.length === 0) {
    if (code !== 0 && TRUNCATION.test(messages.join('\n'))) {
      throw new VideoError('corrupt', `${path} looks like a damaged or truncated video (${detail}); re-export or re-download it`);
    }
    if (code !== 0) throw new VideoError('not_a_video', `${path} is not a video or image ffmpeg can read${detail ? ` (${detail})` : ''}; pass an mp4, mov, webm, mkv, avi, gif or image file`);
    throw new VideoError('not_a_video', `${path} holds no streams at all; pass a file that contains video`);
  }
  const format = json.format?.format_name ?? '';
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (format === 'tty' || video?.codec_name === 'ansi') {
    throw new VideoError('not_a_video', `${path} is a text file (ffmpeg would only draw its characters as ANSI art), not a video; pass an mp4, mov, webm, mkv, avi, gif or image file`);
  }
  if (!video && streams.every((s) => !s.codec_name)) {
    throw new VideoError('corrupt', `${path} is a ${format || 'media'} file whose streams cannot be identified; it is probably truncated (an mp4 cut before its index) or damaged: re-export or re-download it`);
  }
  if (!video) {
    const kinds = [...new Set(streams.map((s) => s.codec_type ?? 'unknown'))].join(', ');
    throw new VideoError('not_a_video', `${path} has no video stream (it holds: ${kinds}); pass a file that contains video`);
  }
  if (!video.codec_name || !video.width || !video.height) {
    throw new VideoError('corrupt', `${path} has a video stream ffmpeg cannot read (codec ${video.codec_name ?? 'unknown'}, size ${video.width ?? 0}x${video.height ?? 0}${detail ? `; ${detail}` : ''}); the file is probably truncated or damaged: re-export it`);
  }

  const isImage = IMAGE_FORMATS.test(format);
  let fps = parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate);
  const durationSec = Number(video.duration ?? json.format?.duration ?? 0) || 0;
  let frames: number;
  if (isImage) {
    frames = 1;
    fps ||= 25;
  } else {
    frames = Number(video.nb_frames ?? NaN);
    if (!Number.isFinite(frames)) {
      // mkv, webm and gif carry no frame count in their headers: count packets (demux only, no decoding).
      const counted = await ffprobeJson(abs, path, true, opts);
      const s = counted.json.streams?.[0];
      frames = Number(s?.nb_read_packets ?? NaN);
      if (!Number.isFinite(frames)) frames = Math.round(durationSec * fps);
    }
  }
  if (fps === 0 && durationSec > 0) fps = frames / durationSec;
  if (frames <= 0) throw new VideoError('no_frames', `${path} has a video stream with no frames in it; the recording or export did not finish: pick another file`);
  let claimedFrames: number | null = null;
  let duration = durationSec || (fps > 0 ? frames / fps : 0);
  if (!isImage && opts.countFrames !== false) {
    const counted = await countDecodableFrames(abs, frames, { signal: opts.signal, timeoutMs: opts.timeoutMs });
    if (counted.decodable !== frames) {
      claimedFrames = frames;
      frames = counted.decodable;
      if (fps > 0) duration = frames / fps;
    }
    if (frames <= 0) {
      throw new VideoError('no_frames', `${path} claims ${claimedFrames} frames but none of them decodes${counted.readError ? ` (${counted.readError})` : ''}; the file is truncated or damaged: re-export or re-download it`);
    }
  }

  const rotated = rotationDegrees(video) % 180 === 90;
  return {
    path: abs,
    width: rotated ? video.height : video.width,
    height: rotated ? video.width : video.height,
    frames,
    fps,
    codec: video.codec_name,
    durationSec: duration,
    isImage,
    claimedFrames,
  };
}
