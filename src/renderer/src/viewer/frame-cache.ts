// Frames for the A/B viewer, fetched from the engine in blocks and kept as
// ImageData under a byte budget (least recently used go first), so scrubbing
// and playback draw from memory. One request is in flight at a time; what to
// fetch next is always the latest viewer's wish (its frame first, then ahead).
import type { WfvaeApi } from '../../../shared/contract';
import type { FrameRef } from '../../../shared/workflow-contract';

export const BLOCK_FRAMES = 8;
const BUDGET_BYTES = 384 * 2 ** 20;

/** A frame source and a key that changes whenever its frames do (a re-run gives the same ref other frames). */
export interface CachedRef {
  ref: FrameRef;
  key: string;
}

export function refKey(ref: FrameRef, version = ''): string {
  return `${ref.kind === 'clip' ? `clip:${ref.clipId}:${ref.layer}` : `video:${ref.videoId}:${ref.layer}`}@${version}`;
}

interface Wish {
  refs: CachedRef[];
  t: number;
  frames: number;
}

export class FrameCache {
  private readonly images = new Map<string, ImageData>();
  private bytes = 0;
  private readonly failed = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private wish: Wish | null = null;
  private busy = false;

  constructor(private readonly api: WfvaeApi) {}

  get(ref: CachedRef, t: number): ImageData | undefined {
    const key = `${ref.key}#${t}`;
    const img = this.images.get(key);
    if (img) {
      // Most recently used last.
      this.images.delete(key);
      this.images.set(key, img);
    }
    return img;
  }

  /** Why a block of this ref could not be read, if it could not. */
  error(ref: CachedRef): string | undefined {
    return this.failed.get(ref.key);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The viewer shows frame t of these refs: fetch it first, then the frames after it, then the rest while the budget lasts. */
  want(refs: CachedRef[], t: number, frames: number): void {
    this.wish = { refs, t, frames };
    void this.pump();
  }

  private nextMissing(w: Wish): { ref: CachedRef; from: number; count: number } | null {
    const blocks = Math.ceil(w.frames / BLOCK_FRAMES);
    const first = Math.floor(w.t / BLOCK_FRAMES);
    let sample = 0;
    for (const ref of w.refs) sample = Math.max(sample, this.images.get(`${ref.key}#${w.t}`)?.data.byteLength ?? 0);
    // Beyond the frames just ahead, fill only what the budget holds for all refs at once.
    const fitsAll = sample === 0 || sample * w.frames * w.refs.length <= BUDGET_BYTES * 0.9;
    for (let i = 0; i < blocks; i++) {
      if (i > 4 && !fitsAll) break;
      const from = ((first + i) % blocks) * BLOCK_FRAMES;
      const count = Math.min(BLOCK_FRAMES, w.frames - from);
      for (const ref of w.refs) {
        if (this.failed.has(ref.key)) continue;
        for (let f = from; f < from + count; f++) if (!this.images.has(`${ref.key}#${f}`)) return { ref, from: f, count: from + count - f };
      }
    }
    return null;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const w = this.wish;
        if (!w) break;
        const next = this.nextMissing(w);
        if (!next) break;
        try {
          const block = await this.api.getFrames({ ref: next.ref.ref, from: next.from, count: next.count });
          this.store(next.ref, block.from, block.count, block.width, block.height, block.rgb);
        } catch (err) {
          this.failed.set(next.ref.key, err instanceof Error ? err.message : String(err));
        }
        for (const l of this.listeners) l();
      }
    } finally {
      this.busy = false;
    }
  }

  private store(ref: CachedRef, from: number, count: number, width: number, height: number, rgb: Uint8Array): void {
    const pixels = width * height;
    for (let i = 0; i < count; i++) {
      const rgba = new Uint8ClampedArray(pixels * 4);
      const src = i * pixels * 3;
      for (let p = 0, q = src, o = 0; p < pixels; p++, q += 3, o += 4) {
        rgba[o] = rgb[q];
        rgba[o + 1] = rgb[q + 1];
        rgba[o + 2] = rgb[q + 2];
        rgba[o + 3] = 255;
      }
      const key = `${ref.key}#${from + i}`;
      const old = this.images.get(key);
      if (old) this.bytes -= old.data.byteLength;
      this.images.set(key, new ImageData(rgba, width, height));
      this.bytes += rgba.byteLength;
    }
    for (const [key, img] of this.images) {
      if (this.bytes <= BUDGET_BYTES) break;
      this.images.delete(key);
      this.bytes -= img.data.byteLength;
    }
  }
}

let shared: { api: WfvaeApi; cache: FrameCache } | null = null;

/** One cache per engine connection, shared by every viewer. */
export function frameCacheFor(api: WfvaeApi): FrameCache {
  if (!shared || shared.api !== api) shared = { api, cache: new FrameCache(api) };
  return shared.cache;
}
