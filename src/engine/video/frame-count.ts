// How many frames of a video really decode. Container headers can promise more
// than the file holds: an mp4 cut short keeps its whole index (moov) when that
// sits at the front, so a file with a third of its data still claims every
// frame. The video packets are read to the end (no decoding); when fewer read
// whole than the header claims, they are decoded (to nothing, one thread, as
// ffprobe -count_frames does) and that count is the truth. Counts are kept per
// file (device, inode, size, modification time) in memory and in the engine's
// cache folder, so a file is walked once.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { engineCacheDir } from '../cache-dir';
import { readJsonStore, writeJsonStore } from '../fs/json-store';
import { VideoError } from './errors';
import { videoTool } from './ffmpeg-paths';
import { runToCompletion } from './tool-process';

export interface FrameCount {
  /** Frames the decoder gives. */
  decodable: number;
  /** 'packets': every packet read whole and their count is the header's; 'decoded': counted by decoding. */
  method: 'packets' | 'decoded';
  /** What reading stopped on, if anything (e.g. "partial file"). */
  readError: string | null;
}

const FILE = 'frame-counts.json';
const memory = new Map<string, FrameCount>();

async function fileKey(path: string): Promise<string> {
  const st = await stat(path, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

interface CountJob {
  packets: number;
  corrupt: number;
  readError: string | null;
  decoded: number | null;
}

async function runCount(path: string, decode: boolean, o: { signal?: AbortSignal; timeoutMs: number }): Promise<CountJob> {
  const tool = videoTool('ffprobe');
  const url = `file:${path}`;
  const what = `counting the frames of ${path}`;
  const common = { what, signal: o.signal, timeoutMs: o.timeoutMs, stallMs: o.timeoutMs, envVar: tool.envVar, nodeScript: tool.kind === 'av-tool', env: tool.env, inputUrl: url };
  if (tool.kind === 'av-tool') {
    const r = await runToCompletion(tool.bin, [...tool.prefix, 'count', JSON.stringify({ input: url, decode })], { ...common, stallMs: 60_000 });
    if (r.code !== 0) throw new VideoError('corrupt', `${what} failed (${r.messages.slice(-2).join('; ')})`);
    return JSON.parse(r.stdout) as CountJob;
  }
  // A user's ffprobe: -count_packets walks the packets, -count_frames decodes.
  const args = ['-v', 'error', '-select_streams', 'v:0', decode ? '-count_frames' : '-count_packets', '-show_entries', 'stream=nb_read_packets,nb_read_frames', '-of', 'json', url];
  const r = await runToCompletion(tool.bin, args, common);
  const s = (JSON.parse(r.stdout || '{}') as { streams?: { nb_read_packets?: string; nb_read_frames?: string }[] }).streams?.[0] ?? {};
  const damaged = r.messages.find((m) => /partial file|invalid|error/i.test(m)) ?? null;
  return { packets: Number(s.nb_read_packets ?? s.nb_read_frames ?? 0), corrupt: damaged ? 1 : 0, readError: damaged, decoded: decode ? Number(s.nb_read_frames ?? 0) : null };
}

/**
 * The frames of `path` that decode, given the count its header claims. Cached per file;
 * `timeoutMs` bounds the walk (a decode of a long damaged file can take a while).
 */
export async function countDecodableFrames(path: string, claimed: number, o: { signal?: AbortSignal; timeoutMs?: number; cacheDir?: string } = {}): Promise<FrameCount> {
  const key = `${await fileKey(path)}:${claimed}`;
  const hit = memory.get(key);
  if (hit) return hit;
  const storePath = join(o.cacheDir ?? engineCacheDir(), FILE);
  const stored = await readJsonStore<FrameCount>(storePath);
  if (stored[key]) {
    memory.set(key, stored[key]);
    return stored[key];
  }
  const timeoutMs = o.timeoutMs ?? 10 * 60_000;
  const walk = await runCount(path, false, { signal: o.signal, timeoutMs });
  let result: FrameCount;
  if (walk.packets === claimed && walk.corrupt === 0 && walk.readError === null) result = { decodable: claimed, method: 'packets', readError: null };
  else {
    const decoded = await runCount(path, true, { signal: o.signal, timeoutMs });
    result = { decodable: decoded.decoded ?? decoded.packets, method: 'decoded', readError: walk.readError ?? (walk.corrupt ? 'a damaged packet' : null) };
  }
  memory.set(key, result);
  const latest = await readJsonStore<FrameCount>(storePath);
  latest[key] = result;
  await writeJsonStore(storePath, latest);
  return result;
}
