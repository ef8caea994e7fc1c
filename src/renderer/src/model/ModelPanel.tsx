// The sidebar's model card: what is loaded (class, size, latent, provider,
// chunking verdict), what the default would be, and a field to load another
// model from a path on the machine the engine runs on (in serve mode that is
// the user's own machine or their SSH-tunnelled box).
import { useState } from 'react';
import { useStore } from '../store';
import { Facts } from '../components/Facts';
import { HubModelForm } from './HubModelForm';

/**
 * The Electron preload's folder dialog, once it offers one (`chooseModelFolder`);
 * until then, and in the browser, the path field is the way to pick a model.
 */
function folderDialog(): (() => Promise<string | null>) | undefined {
  const bridge = window.wfvae as { chooseModelFolder?: () => Promise<string | null> } | undefined;
  return typeof bridge?.chooseModelFolder === 'function' ? () => bridge.chooseModelFolder!() : undefined;
}

export function ModelPanel() {
  const model = useStore((s) => s.model);
  const defaultModel = useStore((s) => s.defaultModel);
  const modelError = useStore((s) => s.modelError);
  const loadModel = useStore((s) => s.loadModel);
  const busy = useStore((s) => s.task !== null);
  const [path, setPath] = useState('');

  const hub = model?.hub;
  const rows: [string, string][] = model
    ? [
        ...(hub
          ? ([
              ['Hugging Face', `${hub.repo}${hub.subfolder ? ` : ${hub.subfolder}` : ''} @ ${hub.revision} (commit ${hub.commit.slice(0, 12)})`],
              ['From', hub.fromCache ? 'the shared Hugging Face cache' : `downloaded ${(hub.downloadedBytes / 1e6).toFixed(1)} MB into the Hugging Face cache`],
            ] as [string, string][])
          : []),
        ['Class', model.className],
        ['Parameters', model.parameterCount.toLocaleString('en-US')],
        ['Latent', `${model.latentChannels} channels · ${model.temporalCompression}× time · 8× space`],
        ['Time mixing', model.causalSafe ? 'none: causal-safe (norms and attention per position or per frame)' : model.chunking.timeMixing],
        ['Provider', model.execution.summary],
        ...(model.execution.adapter && (model.execution.provider === 'webgpu' || model.execution.fallbacks.some((f) => f.provider === 'webgpu'))
          ? ([['WebGPU adapter', `${model.execution.adapter.kind}: ${model.execution.adapter.detail}`]] as [string, string][])
          : []),
        ['Taps', model.taps.map((t) => t.name).join(', ')],
      ]
    : [];

  return (
    <section className="panel model-panel" data-testid="model-panel">
      <h3 className="panel__title">Model</h3>
      {model ? (
        <>
          <p className="model-panel__path" title={model.path} data-testid="model-path">
            {model.path}
          </p>
          <Facts rows={rows} testId="model-info" />
          {model.execution.fallbacks.length > 0 && (
            <ul className="muted model-panel__fallbacks" data-testid="provider-fallbacks">
              {model.execution.fallbacks.map((f, i) => (
                <li key={i}>
                  Passed over {f.provider} ({f.stage === 'skipped' ? 'skipped' : f.stage === 'create' ? `could not start ${f.graph}` : `failed running ${f.graph}`}): {f.error}
                </li>
              ))}
            </ul>
          )}
          <p className={model.chunking.exact ? 'verdict verdict--ok' : 'verdict verdict--warn'}>{model.chunking.headline}</p>
        </>
      ) : (
        <p className="muted" data-testid="model-none">
          No model loaded.
        </p>
      )}
      {!model && defaultModel?.error && (
        <>
          <p className="model-panel__error" data-testid="default-model-error">
            {defaultModel.error}
          </p>
          <p className="muted">Or type the path of a model folder below and press Load.</p>
        </>
      )}
      {modelError && (
        <p className="model-panel__error" data-testid="model-error" role="alert">
          {modelError}
        </p>
      )}
      <form
        className="model-panel__form"
        onSubmit={(e) => {
          e.preventDefault();
          void loadModel(path.trim() || undefined);
        }}
      >
        <input
          className="text-input"
          type="text"
          value={path}
          spellCheck={false}
          placeholder={defaultModel?.path ? `default: ${defaultModel.path}` : 'path of a model folder'}
          aria-label="Model folder"
          data-testid="model-path-input"
          onChange={(e) => setPath(e.currentTarget.value)}
        />
        {folderDialog() && (
          <button
            className="button"
            type="button"
            disabled={busy}
            data-testid="choose-model-folder"
            onClick={() => {
              void folderDialog()!().then((chosen) => {
                if (chosen) {
                  setPath(chosen);
                  void loadModel(chosen);
                }
              });
            }}
          >
            Choose…
          </button>
        )}
        <button className="button button--primary" type="submit" disabled={busy || (!path.trim() && !defaultModel?.path)} data-testid="load-model">
          {path.trim() || !defaultModel?.path ? 'Load' : model ? 'Reload' : 'Load default'}
        </button>
      </form>
      <p className="muted">
        A folder with config.json and diffusion_pytorch_model.safetensors (converted once and cached), or a folder written by <code>wfvae convert</code>.
      </p>
      <HubModelForm />
    </section>
  );
}
