// The store's whole-video part: reconstructing the clip's whole source (at
// its size and sample rate) with Causal Cache as a task with progress, ETA and
// Cancel, and the result the engine keeps on disk (only its summary and
// per-frame metrics are here; frames are read in blocks by the A/B viewer).
import type { StateCreator } from 'zustand';
import type { ClipInfo } from '../../../shared/contract';
import type { VideoResult } from '../../../shared/workflow-contract';
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';
import { runTask } from './run-task';

export interface VideoSlice {
  video: VideoResult | null;
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
  videoT: 0,

  async runVideo() {
    const clip = get().clip;
    if (!clip) return;
    try {
      const video = await runTask(get, set, `Reconstructing all of ${clip.name} (Causal Cache)`, 'video', (t, taskId) =>
        t.api.reconstructVideo({ taskId, clipId: clip.clipId }),
      );
      if (video) set({ video, videoT: 0 });
    } catch (err) {
      get().fail('Whole-video reconstruction failed', err);
    }
  },

  setVideoT(t) {
    const v = get().video;
    if (!v) return;
    set({ videoT: Math.max(0, Math.min(v.frames - 1, Math.round(t))) });
  },
});
