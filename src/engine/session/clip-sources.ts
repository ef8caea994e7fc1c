// The files clips were decoded from. A clip keeps its source so that another
// part of it can be decoded (the Clip panel's selection), thumbnails made and
// the whole video reconstructed. Uploads (serve mode) are private temp copies,
// deleted when the last clip decoded from them closes.
import { rm } from 'node:fs/promises';
import type { VideoInfo } from '../video/index';
import type { DecodeRate } from '../plan/plan-work';

export interface ClipSource {
  id: string;
  /** Where ffmpeg reads it. */
  path: string;
  /** The file's own name, for messages and export names. */
  name: string;
  temporary: boolean;
  info: VideoInfo;
  /** Seconds ffmpeg took per source frame read, measured on the last decode of this file. */
  decodeRate: DecodeRate | null;
  refs: number;
}

export class SourceStore {
  private readonly sources = new Map<string, ClipSource>();
  private next = 1;

  constructor(private readonly onRelease: (source: ClipSource) => Promise<void> = async () => undefined) {}

  /** A new source with one reference (the clip about to be made from it). */
  add(path: string, name: string, temporary: boolean, info: VideoInfo): ClipSource {
    const source: ClipSource = { id: `source-${this.next++}`, path, name, temporary, info, decodeRate: null, refs: 1 };
    this.sources.set(source.id, source);
    return source;
  }

  retain(source: ClipSource): void {
    source.refs++;
  }

  async release(source: ClipSource): Promise<void> {
    if (--source.refs > 0) return;
    this.sources.delete(source.id);
    await this.onRelease(source);
    if (source.temporary) await rm(source.path, { force: true });
  }

  async dispose(): Promise<void> {
    const all = [...this.sources.values()];
    this.sources.clear();
    for (const s of all) {
      s.refs = 0;
      await this.onRelease(s);
      if (s.temporary) await rm(s.path, { force: true });
    }
  }
}

/** Records how fast ffmpeg read this file: seconds per source frame up to the last one kept. */
export function recordDecodeRate(source: ClipSource, seconds: number, lastFrame: number, what: string): void {
  const read = lastFrame + 1;
  if (read < 1 || !(seconds > 0)) return;
  source.decodeRate = { seconds: seconds / read, basis: `measured: ${what} read ${read} frames in ${seconds.toFixed(2)} s` };
}
