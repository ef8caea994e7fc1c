// What a model view shows before it has something to show: load a model, or
// run the reconstruction that the energy-flow and latent views read.
import { useEffect, type ReactNode } from 'react';
import { useStore } from '../store';

/**
 * A model view needs a model. With none loaded, the bundled demo model (or
 * serve's --model) loads by itself the first time a model view is opened;
 * a failed load is not retried, its error stays in the Model panel.
 */
export function NeedsModel({ children }: { children: ReactNode }) {
  const model = useStore((s) => s.model);
  const defaultModel = useStore((s) => s.defaultModel);
  const modelError = useStore((s) => s.modelError);
  const loadModel = useStore((s) => s.loadModel);
  const busy = useStore((s) => s.task !== null);
  const canAutoload = !model && !busy && !modelError && !!defaultModel?.path && !defaultModel.error;
  useEffect(() => {
    if (canAutoload) void loadModel();
  }, [canAutoload, loadModel]);
  if (model) return <>{children}</>;
  if (defaultModel?.path && !defaultModel.error && !modelError) {
    return (
      <p className="view-empty" data-testid="needs-model">
        Loading the default model ({defaultModel.path})…
      </p>
    );
  }
  return (
    <p className="view-empty" data-testid="needs-model">
      Load a model in the Model panel (left) first: a WF-VAE checkpoint folder or a converted folder.
    </p>
  );
}

export function NeedsReconstruction({ what, children }: { what: string; children: ReactNode }) {
  const recon = useStore((s) => s.recon);
  const runReconstruct = useStore((s) => s.runReconstruct);
  const busy = useStore((s) => s.task !== null);
  const running = useStore((s) => s.task?.label === 'Reconstructing the clip');
  if (recon) return <>{children}</>;
  return (
    <div className="view-empty" data-testid="needs-reconstruction">
      <p>{running ? 'Reconstructing the clip: progress and Cancel are in the bar above.' : `${what} come from the model's reconstruction of this clip.`}</p>
      <button className="button button--primary" disabled={busy} onClick={() => void runReconstruct()} data-testid="run-reconstruct-here">
        Reconstruct the clip
      </button>
    </div>
  );
}
