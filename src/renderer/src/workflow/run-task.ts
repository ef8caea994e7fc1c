// The store's one task (progress bar, Cancel) for the workflow slices: a new
// task cancels the running one; a task that was cancelled or replaced while
// its answer was on the way resolves with undefined.
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';

export interface TaskHost {
  transport: Transport | null;
  task: TaskState | null;
}

let counter = 0;
export const newTaskId = (what: string) => `${what}-${Date.now().toString(36)}-w${++counter}`;

export async function runTask<T>(
  get: () => TaskHost,
  set: (partial: { task: TaskState | null }) => void,
  label: string,
  phase: string,
  work: (transport: Transport, taskId: string) => Promise<T>,
): Promise<T | undefined> {
  const transport = get().transport;
  if (!transport) return undefined;
  const running = get().task;
  if (running) await transport.api.cancel({ taskId: running.taskId }).catch(() => undefined);
  const taskId = newTaskId(phase);
  set({ task: { taskId, label, phase, done: 0, total: 0 } });
  try {
    const out = await work(transport, taskId);
    return get().task?.taskId === taskId ? out : undefined;
  } finally {
    if (get().task?.taskId === taskId) set({ task: null });
  }
}
