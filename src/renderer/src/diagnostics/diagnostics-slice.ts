// The store's model-vs-model part: the last comparison on the open clip and
// the run that makes it (through the store's one task: progress, Cancel).
// The frequency and latent-statistics views read from the engine directly.
import type { StateCreator } from 'zustand';
import { ApiError, ERROR_CODES } from '../../../shared/contract';
import type { ModelB, ModelComparisonView } from '../../../shared/diagnostics-contract';
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';
import { TASK_LABELS } from '../workflow/cancel-notice';

export interface DiagnosticsSlice {
  comparison: ModelComparisonView | null;
  /** The last comparison's failure (e.g. fp16 execution not available), shown in the view. */
  comparisonError: string | null;
  runModelCompare(b: ModelB): Promise<void>;
}

interface Host {
  transport: Transport | null;
  clip: { clipId: string } | null;
  task: TaskState | null;
}

let counter = 0;

export const createDiagnosticsSlice: StateCreator<DiagnosticsSlice & Host, [], [], DiagnosticsSlice> = (set, get) => ({
  comparison: null,
  comparisonError: null,

  async runModelCompare(b) {
    const { transport, clip } = get();
    if (!transport || !clip) return;
    const running = get().task;
    if (running) await transport.api.cancel({ taskId: running.taskId }).catch(() => undefined);
    const taskId = `compare-models-${Date.now().toString(36)}-${++counter}`;
    set({ task: { taskId, label: TASK_LABELS.compareModels, phase: 'starting', done: 0, total: 0 }, comparisonError: null });
    try {
      const comparison = await transport.api.compareModels({ taskId, clipId: clip.clipId, b });
      if (get().task?.taskId === taskId && get().clip?.clipId === comparison.clipId) set({ comparison });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === ERROR_CODES.cancelled)) set({ comparisonError: err instanceof Error ? err.message : String(err) });
    } finally {
      if (get().task?.taskId === taskId) set({ task: null });
    }
  },
});
