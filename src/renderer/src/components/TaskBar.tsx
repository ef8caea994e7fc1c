import { useEffect, useRef } from 'react';
import { useStore, type TaskState } from '../store';
import { clock } from '../../../shared/duration';

/** Seconds left at the rate of this phase so far (from its first counted step); null until there is a rate. */
function useEta(task: TaskState | null): number | null {
  const start = useRef<{ key: string; at: number; done: number } | null>(null);
  if (!task || task.total <= 0) return null;
  const key = `${task.taskId}/${task.phase}`;
  const now = performance.now();
  if (start.current?.key !== key) start.current = { key, at: now, done: task.done };
  const s = start.current;
  const rate = (task.done - s.done) / (now - s.at);
  return rate > 0 ? (task.total - task.done) / rate / 1000 : null;
}

/** A download or its check counts bytes (shown in MB); every other phase counts frames. */
function counts(task: TaskState): string {
  if (/^(downloading|checking) /.test(task.phase)) return `${(task.done / 1e6).toFixed(1)}/${(task.total / 1e6).toFixed(1)} MB`;
  return `${task.done}/${task.total} frames`;
}

/** How long the note of what a Cancel kept stays up. */
const NOTICE_MS = 15_000;

export function TaskBar() {
  const task = useStore((s) => s.task);
  const cancelTask = useStore((s) => s.cancelTask);
  const notice = useStore((s) => s.notice);
  const dismiss = useStore((s) => s.dismissNotice);
  const eta = useEta(task);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(dismiss, NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice, dismiss]);
  if (!task && notice) {
    return (
      <div className="task-bar task-bar--notice" data-testid="cancel-notice" role="status">
        <span>{notice}</span>
        <button className="button button--ghost" aria-label="Dismiss" onClick={dismiss}>
          ×
        </button>
      </div>
    );
  }
  if (!task) return null;
  const frac = task.total > 0 ? Math.min(1, task.done / task.total) : 0;
  return (
    <div className="task-bar" data-testid="progress" role="status">
      <div className="task-bar__label">
        {task.label}
        <span className="muted">
          {task.queuePosition !== undefined
            ? ` — queued, position ${task.queuePosition}`
            : task.total > 0
              ? ` — ${task.phase} ${counts(task)}`
              : ` — ${task.phase}…`}
          {eta !== null && <span data-testid="task-eta"> · ETA {clock(eta)}</span>}
        </span>
      </div>
      <div className="task-bar__track" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label={task.label} role="progressbar">
        <div className={task.total > 0 ? 'task-bar__fill' : 'task-bar__fill task-bar__fill--busy'} style={{ width: task.total > 0 ? `${frac * 100}%` : undefined }} />
      </div>
      <button className="button" data-testid="cancel-button" onClick={() => void cancelTask()}>
        Cancel
      </button>
    </div>
  );
}
