// "Open model from Hugging Face…": a repo id, an optional revision and
// subfolder. The engine looks in the shared Hugging Face cache first and
// downloads what it lacks (progress and Cancel in the task bar); what is typed
// is checked with the same grammar the engine uses before it is sent.
import { useState } from 'react';
import { formatHubModelId, parseHubModelId } from '../../../shared/hub-id';
import { useStore } from '../store';

/** The id as the engine takes it, or why the fields do not make one. */
function composeId(repo: string, revision: string, subfolder: string): { id: string } | { error: string } {
  const text = `${repo.trim()}${revision.trim() ? `@${revision.trim()}` : ''}${subfolder.trim() ? `:${subfolder.trim()}` : ''}`;
  const parsed = parseHubModelId(text);
  return parsed.ok ? { id: formatHubModelId(parsed.id) } : { error: parsed.error };
}

export function HubModelForm() {
  const open = useStore((s) => s.hubFormOpen);
  const setOpen = useStore((s) => s.setHubFormOpen);
  const loadModel = useStore((s) => s.loadModel);
  const busy = useStore((s) => s.task !== null);
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('');
  const [subfolder, setSubfolder] = useState('');
  const [error, setError] = useState<string | null>(null);

  if (!open) {
    return (
      <button className="button model-panel__hub-open" type="button" disabled={busy} data-testid="open-hub-model" onClick={() => setOpen(true)}>
        Open model from Hugging Face…
      </button>
    );
  }
  return (
    <form
      className="hub-form"
      data-testid="hub-form"
      onSubmit={(e) => {
        e.preventDefault();
        const r = composeId(repo, revision, subfolder);
        if ('error' in r) {
          setError(r.error);
          return;
        }
        setError(null);
        setOpen(false);
        void loadModel(undefined, { hub: r.id });
      }}
    >
      <label className="hub-form__field">
        <span>Repo</span>
        <input className="text-input" type="text" value={repo} spellCheck={false} autoFocus placeholder="org/name" aria-label="Hugging Face repo" data-testid="hub-repo" onChange={(e) => setRepo(e.currentTarget.value)} />
      </label>
      <label className="hub-form__field">
        <span>Revision</span>
        <input className="text-input" type="text" value={revision} spellCheck={false} placeholder="main (a branch, tag or commit)" aria-label="Revision" data-testid="hub-revision" onChange={(e) => setRevision(e.currentTarget.value)} />
      </label>
      <label className="hub-form__field">
        <span>Subfolder</span>
        <input className="text-input" type="text" value={subfolder} spellCheck={false} placeholder="none (e.g. vae for a diffusers pipeline)" aria-label="Subfolder" data-testid="hub-subfolder" onChange={(e) => setSubfolder(e.currentTarget.value)} />
      </label>
      {error && (
        <p className="model-panel__error" role="alert" data-testid="hub-form-error">
          {error}
        </p>
      )}
      <div className="hub-form__buttons">
        <button className="button" type="button" onClick={() => setOpen(false)}>
          Close
        </button>
        <button className="button button--primary" type="submit" disabled={busy || !repo.trim()} data-testid="hub-load">
          Open
        </button>
      </div>
      <p className="muted">
        From the shared Hugging Face cache when it is there (HF_HUB_CACHE, HF_HOME), else downloaded into it on the machine the engine runs on, with HF_TOKEN for gated or private repos.
      </p>
    </form>
  );
}
