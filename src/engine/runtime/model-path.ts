/**
 * What a model argument names: nothing (the bundled demo model), a folder on
 * this machine, or a model on the Hugging Face Hub (`org/name[@revision][:subfolder]`,
 * resolved through the shared Hugging Face cache). A folder of that name wins
 * over a Hub id. `WFVAE_DEMO_MODEL` overrides the demo model's location
 * (packaged builds put resources elsewhere).
 */
import { stat } from 'node:fs/promises';
import { formatHubModelId, parseHubModelId } from '../../shared/hub-id';
import { HUB_ERROR_CODES, HubError, resolveHubModel, type HubProgress, type ResolvedHubModel } from '../checkpoint/hub/index';
import { packageFile } from '../package-files';

/** The demo model's folder: WFVAE_DEMO_MODEL, else where the package ships it (found when asked, not at import). */
export function demoModelDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WFVAE_DEMO_MODEL || packageFile('resources', 'models', 'wfvae-demo');
}

export interface ModelSourceOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onHubProgress?: (p: HubProgress) => void;
  /** Treat the text as a Hub id even where a folder of that name exists (the UI's "from Hugging Face"). */
  hub?: boolean;
}

export interface ModelSource {
  /** The folder to load. */
  path: string;
  /** Set when it came from the Hub (through the cache). */
  hub: ResolvedHubModel | null;
  /** What the user gave, for display (the id as written, the folder, or the demo model's folder). */
  label: string;
}

/** No model was named and the demo model is not there; said with the CLI's --model (the app says it with its Model panel). */
export class NoModelError extends Error {
  constructor(readonly demo: string) {
    super(
      `no model given and the bundled demo model is not installed (looked for ${demo}). Pass one with --model <checkpoint folder, converted folder or Hugging Face id>, e.g. --model path/to/wfvae-checkpoint (with config.json and diffusion_pytorch_model.safetensors) or --model org/name.`,
    );
    this.name = 'NoModelError';
  }
}

/** The model to use: the folder given, the Hub model named (from the cache or downloaded), else the demo model if it is there. */
export async function resolveModelSource(given: string | undefined, opts: ModelSourceOptions = {}): Promise<ModelSource> {
  const env = opts.env ?? process.env;
  if (!given) {
    const demo = demoModelDir(env);
    const there = await stat(demo).then((s) => s.isDirectory(), () => false);
    if (!there) throw new NoModelError(demo);
    return { path: demo, hub: null, label: demo };
  }
  const onDisk = !opts.hub && (await stat(given).then(() => true, () => false));
  const parsed = onDisk ? null : parseHubModelId(given);
  if (parsed && !parsed.ok && opts.hub) throw new Error(parsed.error);
  if (!parsed?.ok) return { path: given, hub: null, label: given };
  const hub = await resolveHubModel(parsed.id, { env, signal: opts.signal, onProgress: opts.onHubProgress }).catch((err: unknown) => {
    // `models/wfvae` may have meant a folder: say that none is there either.
    if (!opts.hub && err instanceof HubError && (err.code === HUB_ERROR_CODES.repoNotFound || err.code === HUB_ERROR_CODES.offlineMissing)) {
      throw new HubError(err.code, `${err.message} (Read as a Hugging Face id because there is no folder ${given} here.)`, { cause: err });
    }
    throw err;
  });
  return { path: hub.dir, hub, label: formatHubModelId(parsed.id) };
}

/** The model folder to use (see resolveModelSource). */
export async function resolveModelPath(given: string | undefined, env: NodeJS.ProcessEnv = process.env, opts: Omit<ModelSourceOptions, 'env'> = {}): Promise<string> {
  return (await resolveModelSource(given, { ...opts, env })).path;
}
