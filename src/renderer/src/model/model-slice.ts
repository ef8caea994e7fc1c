// The store's model part: the loaded model, the default the engine would
// load, which view is showing, and the per-clip results (reconstruction,
// chunking comparison) that the views read frames from. Long runs go through
// the store's one task (progress bar, Cancel).
import type { StateCreator } from 'zustand';
import { ApiError, ERROR_CODES, type ChunkComparison, type ModelInfo, type Reconstruction } from '../../../shared/contract';
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';
import { TASK_LABELS } from '../workflow/cancel-notice';

export type ViewName = 'subbands' | 'reconstruct' | 'chunking' | 'energy' | 'latent' | 'frequency' | 'latent-stats' | 'models';

export interface ModelSlice {
  view: ViewName;
  model: ModelInfo | null;
  /** What a load without a path would use, or why nothing (shown in the Model panel). */
  defaultModel: { path: string | null; error: string | null } | null;
  /** The last load's failure, shown in the Model panel. */
  modelError: string | null;
  /** Whether the Model panel shows "Open model from Hugging Face…" open (the Electron menu opens it too). */
  hubFormOpen: boolean;
  recon: Reconstruction | null;
  chunking: ChunkComparison | null;
  encChunk: number;
  decChunk: number;

  setView(view: ViewName): void;
  refreshModel(): Promise<void>;
  /** A folder (or a Hub id that is no folder on the engine's machine), `hub` for a Hugging Face id, or neither for the default. */
  loadModel(path?: string, opts?: { hub?: string }): Promise<void>;
  setHubFormOpen(open: boolean): void;
  runReconstruct(): Promise<void>;
  runChunking(): Promise<void>;
  setChunks(encChunk: number, decChunk: number): void;
}

/** What the slice needs of the rest of the store. */
interface Host {
  transport: Transport | null;
  clip: { clipId: string; frames: number } | null;
  task: TaskState | null;
  fail(title: string, err: unknown): void;
}

let counter = 0;
const newTaskId = (what: string) => `${what}-${Date.now().toString(36)}-m${++counter}`;

export const createModelSlice: StateCreator<ModelSlice & Host, [], [], ModelSlice> = (set, get) => {
  /** Runs one engine task with the progress bar; resolves with undefined when it was cancelled or replaced. */
  async function asTask<T>(label: string, work: (transport: Transport, taskId: string) => Promise<T>): Promise<T | undefined> {
    const transport = get().transport;
    if (!transport) return undefined;
    const running = get().task;
    if (running) await transport.api.cancel({ taskId: running.taskId }).catch(() => undefined);
    const taskId = newTaskId(label.split(' ')[0].toLowerCase());
    set({ task: { taskId, label, phase: 'starting', done: 0, total: 0 } });
    try {
      const out = await work(transport, taskId);
      return get().task?.taskId === taskId ? out : undefined;
    } finally {
      if (get().task?.taskId === taskId) set({ task: null });
    }
  }

  return {
    view: 'subbands',
    model: null,
    defaultModel: null,
    modelError: null,
    hubFormOpen: false,
    recon: null,
    chunking: null,
    encChunk: 8,
    decChunk: 2,

    setView(view) {
      set({ view });
    },

    async refreshModel() {
      const transport = get().transport;
      if (!transport) return;
      try {
        const { model, defaultModel } = await transport.api.getModel({});
        set({ model, defaultModel });
      } catch (err) {
        get().fail('Could not ask the engine for its model', err);
      }
    },

    setHubFormOpen(open) {
      set({ hubFormOpen: open });
    },

    async loadModel(path, opts = {}) {
      set({ modelError: null });
      try {
        const what = opts.hub ? `${opts.hub} from Hugging Face` : path ? path.split(/[\\/]/).filter(Boolean).pop() : '(default)';
        const model = await asTask(TASK_LABELS.loadModel(what), (t, taskId) => t.api.loadModel(opts.hub ? { taskId, hub: opts.hub } : path ? { taskId, path } : { taskId }));
        // A new model invalidates every result of the old one (the engine dropped them too).
        if (model) set({ model, recon: null, chunking: null });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === ERROR_CODES.cancelled)) set({ modelError: err instanceof Error ? err.message : String(err) });
      }
      await get().refreshModel();
    },

    async runReconstruct() {
      const clip = get().clip;
      if (!clip) return;
      try {
        const recon = await asTask(TASK_LABELS.reconstruct, (t, taskId) => t.api.reconstruct({ taskId, clipId: clip.clipId }));
        if (recon && get().clip?.clipId === recon.clipId) set({ recon });
      } catch (err) {
        get().fail('Reconstruction failed', err);
      }
    },

    async runChunking() {
      const clip = get().clip;
      if (!clip) return;
      const { encChunk, decChunk } = get();
      try {
        const chunking = await asTask(TASK_LABELS.compareChunking, (t, taskId) => t.api.compareChunking({ taskId, clipId: clip.clipId, encChunk, decChunk }));
        if (chunking && get().clip?.clipId === chunking.clipId) set({ chunking });
      } catch (err) {
        get().fail('Chunking comparison failed', err);
      }
    },

    setChunks(encChunk, decChunk) {
      set({ encChunk, decChunk });
    },
  };
};
