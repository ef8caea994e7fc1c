// What a model view shows before it has something to show: load a model, or
// run the reconstruction that the energy-flow and latent views read.
import type { ReactNode } from 'react';
import { useStore } from '../store';

export function NeedsModel({ children }: { children: ReactNode }) {
  const model = useStore((s) => s.model);
  if (model) return <>{children}</>;
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
  if (recon) return <>{children}</>;
  return (
    <div className="view-empty" data-testid="needs-reconstruction">
      <p>{what} come from the model's whole-clip reconstruction of this clip.</p>
      <button className="button button--primary" disabled={busy} onClick={() => void runReconstruct()} data-testid="run-reconstruct-here">
        Reconstruct the clip
      </button>
    </div>
  );
}
