// The model flags shared by encode, decode and reconstruct (--model,
// --provider, --threads), and loading with progress bars and Ctrl-C.
import type { Flags } from '../hosting/args';
import { UsageError } from '../hosting/errors';
import { progressBar } from '../hosting/progress';
import { parseProvider, resolveModelSource, WfvaeModel, type ModelSource, type Precision, type ProviderChoice } from '../engine/runtime/index';
import type { HubProgress } from '../engine/checkpoint/hub/index';
import type { ConvertProgress } from '../engine/onnx/convert';
import { executionLines } from './execution-report';

export const MODEL_OPTIONS_HELP = `model:
  --model M        checkpoint folder (config.json + diffusion_pytorch_model.safetensors,
                   converted once and cached), a folder from \`wfvae convert\`, or a
                   Hugging Face id org/name[@revision][:subfolder] (e.g. org/pipeline:vae):
                   read from the shared Hugging Face cache, else downloaded into it
                   (HF_HUB_CACHE, HF_HOME, HF_HUB_OFFLINE, HF_ENDPOINT, HF_TOKEN)
                   (default: the bundled demo model, resources/models/wfvae-demo)
  --provider P     auto (default: GPU if one works, else CPU), cpu, webgpu, cuda, dml, coreml
  --threads N      CPU threads for onnxruntime (default: all cores)`;

export interface ModelFlags {
  model?: string;
  provider: ProviderChoice;
  threads?: number;
}

/** `--provider` (default auto) and `--threads`, for commands that run a model they name otherwise. */
export function readProviderFlags(flags: Flags): Omit<ModelFlags, 'model'> {
  const p = flags.string('provider');
  let provider: ProviderChoice = 'auto';
  if (p !== undefined) {
    try {
      provider = parseProvider(p);
    } catch (err) {
      throw new UsageError(`--provider: ${(err as Error).message}`);
    }
  }
  return { provider, threads: flags.int('threads', { min: 1, max: 1024 }) };
}

export function readModelFlags(flags: Flags): ModelFlags {
  return { model: flags.string('model'), ...readProviderFlags(flags) };
}

/** Progress bars for the conversion phases, one line each. */
export function conversionProgress(): { onProgress: (p: ConvertProgress) => void; finish(): void } {
  const labels = { hash: 'hashing checkpoint', build: 'building graphs  ', write: 'writing weights  ' } as const;
  let phase: ConvertProgress['phase'] | undefined;
  let bar = progressBar(labels.hash);
  return {
    onProgress(p) {
      if (p.phase !== phase) {
        bar.finish();
        bar = progressBar(labels[p.phase]);
        phase = p.phase;
      }
      // Bytes read as megabytes; graph building counts graphs.
      if (p.phase === 'build') bar(p.done, p.total, 'graphs');
      else bar(Math.round(p.done / 1e6), Math.round(p.total / 1e6), 'MB');
    },
    finish: () => bar.finish(),
  };
}

/** Progress bars for getting a model from the Hub: one per file downloaded (megabytes), a line while waiting for another process. */
export function hubProgress(): { onProgress: (p: HubProgress) => void; finish(): void } {
  let key = '';
  let bar: ReturnType<typeof progressBar> | undefined;
  let waitingSaid = false;
  return {
    onProgress(p) {
      if (p.phase === 'lookup') return;
      if (p.phase === 'wait') {
        if (!waitingSaid) process.stderr.write(`waiting for another process to finish downloading ${p.file} (${p.holder ?? 'it holds the lock'})\n`);
        waitingSaid = true;
        return;
      }
      const k = `${p.phase} ${p.file}`;
      if (k !== key) {
        bar?.finish();
        bar = progressBar(p.phase === 'download' ? `downloading ${p.file}` : `checking ${p.file}`);
        key = k;
      }
      bar!(Math.round(p.done / 1e6), Math.round(p.total / 1e6), 'MB');
    },
    finish: () => bar?.finish(),
  };
}

/** One line saying where a Hub model came from (nothing for a folder). */
export function describeSource(source: ModelSource): string | null {
  const h = source.hub;
  if (!h) return null;
  const how = h.fromCache ? 'from the Hugging Face cache' : `downloaded ${(h.downloadedBytes / 1e6).toFixed(1)} MB into the Hugging Face cache`;
  return `model: ${source.label} at commit ${h.commit.slice(0, 12)}, ${how} (${h.dir})`;
}

/**
 * A model argument as a folder: itself, the Hub model it names (from the cache or downloaded,
 * with progress bars), or the demo model when none was given. Says where a Hub model came from unless `quiet`.
 */
export async function resolveModelArg(model: string | undefined, signal: AbortSignal, quiet = false): Promise<string> {
  const progress = hubProgress();
  let source: ModelSource;
  try {
    source = await resolveModelSource(model, { signal, onHubProgress: progress.onProgress });
  } finally {
    progress.finish();
  }
  const line = describeSource(source);
  if (line && !quiet) process.stderr.write(`${line}\n`);
  return source.path;
}

/** Loads (converting on first use) and proves the model on its provider, then says where it runs (unless `quiet`). */
export async function openModel(o: ModelFlags, signal: AbortSignal, quiet = false, precision: Precision = 'fp32'): Promise<WfvaeModel> {
  const path = await resolveModelArg(o.model, signal, quiet);
  const progress = conversionProgress();
  let m: WfvaeModel;
  try {
    m = await WfvaeModel.load(path, { provider: o.provider, threads: o.threads, precision, convert: { onProgress: progress.onProgress, signal }, signal });
  } finally {
    progress.finish();
  }
  if (!quiet) for (const line of executionLines(m)) process.stderr.write(`${line}\n`);
  return m;
}

export { withInterrupt } from '../hosting/interrupt';
