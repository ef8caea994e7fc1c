import { useStore } from '../store';

export function TaskBar() {
  const task = useStore((s) => s.task);
  const cancelTask = useStore((s) => s.cancelTask);
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
              ? ` — ${task.phase} ${task.done}/${task.total} frames`
              : ` — ${task.phase}…`}
        </span>
      </div>
      <div className="task-bar__track" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} role="progressbar">
        <div className={task.total > 0 ? 'task-bar__fill' : 'task-bar__fill task-bar__fill--busy'} style={{ width: task.total > 0 ? `${frac * 100}%` : undefined }} />
      </div>
      <button className="button" data-testid="cancel-button" onClick={() => void cancelTask()}>
        Cancel
      </button>
    </div>
  );
}
