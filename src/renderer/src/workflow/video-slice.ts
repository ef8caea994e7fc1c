// The store's whole-video part: reconstructing the clip's whole source (at
// its size and sample rate) with Causal Cache as a task with progress, ETA and
// Cancel, and the result the engine keeps on disk (only its summary and
// per-frame metrics are here; frames are read in blocks by the A/B viewer).
import type { StateCreator } from 'zustand';
import type { ClipInfo, VideoBlockEvent } from '../../../shared/contract';
import type { VideoResult } from '../../../shared/workflow-contract';
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';
import { runTask } from './run-task';
import { TASK_LABELS } from './cancel-notice';

/** A whole-video run's measures so far, block by block, drawn while it runs. */
export interface VideoLive {
  taskId: string;
  total: number;
  psnr: (number | null)[];
  ssim: (number | null)[];
  memory: { frame: number; rssBytes: number }[];
}

export interface VideoSlice {
  video: VideoResult | null;
  videoLive: VideoLive | null;
  /** Takes a block of the running whole-video task's measures (from the engine's video-block events). */
  addVideoBlock(e: VideoBlockEvent): void;
  /** The frame the whole-video charts and viewer show. */
  videoT: number;
  runVideo(): Promise<void>;
  setVideoT(t: number): void;
}

interface Host {
  transport: Transport | null;
  clip: ClipInfo | null;
  task: TaskState | null;
  fail(title: string, err: unknown): void;
}

export const createVideoSlice: StateCreator<VideoSlice & Host, [], [], VideoSlice> = (set, get) => ({
  video: null,
  videoLive: null,
  videoT: 0,

  addVideoBlock(e) {
    if (get().task?.taskId !== e.taskId) return;
    const cur = get().videoLive;
    const live: VideoLive = cur && cur.taskId === e.taskId ? { ...cur } : { taskId: e.taskId, total: e.total, psnr: new Array(e.total).fill(null), ssim: new Array(e.total).fill(null), memory: [] };
    live.psnr = live.psnr.slice();
    live.ssim = live.ssim.slice();
    e.psnr.forEach((v, i) => (live.psnr[e.from + i] = v));
    e.ssim.forEach((v, i) => (live.ssim[e.from + i] = v));
    live.memory = [...live.memory, e.memory];
    set({ videoLive: live });
  },

  async runVideo() {
    const clip = get().clip;
    if (!clip) return;
    try {
      const video = await runTask(get, set, TASK_LABELS.wholeVideo(clip.name), 'video', (t, taskId) =>
        t.api.reconstructVideo({ taskId, clipId: clip.clipId }),
      );
      if (video) set({ video, videoT: 0 });
      set({ videoLive: null });
    } catch (err) {
      set({ videoLive: null });
      get().fail('Whole-video reconstruction failed', err);
    }
  },

  setVideoT(t) {
    const v = get().video;
    if (!v) return;
    set({ videoT: Math.max(0, Math.min(v.frames - 1, Math.round(t))) });
  },
});
