/**
 * Execution providers: which onnxruntime-node backends exist on this machine,
 * which of them 'auto' may try (and why it skips the others), and the session
 * options every graph is created with. Choosing among them, proving the
 * choice and falling back happen in execution.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { disableOrtTelemetry } from './ort-telemetry';
import { webgpuAdapter, type AdapterReport } from './gpu-adapters';

export const PROVIDER_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];
export type ProviderName = Exclude<ProviderChoice, 'auto'>;

/** Preference order of GPU providers under 'auto'. */
const GPU_ORDER: ProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu'];

export interface SessionSettings {
  provider?: ProviderChoice;
  /** intraOpNumThreads; onnxruntime's default (all cores) when omitted. */
  threads?: number;
}

/** A provider that was not used, and why: skipped before trying, failed to start, or failed its proof run. */
export interface ProviderAttempt {
  provider: ProviderName;
  stage: 'skipped' | 'create' | 'run';
  /** The graph that failed (create / run). */
  graph?: string;
  error: string;
}

export function parseProvider(value: string): ProviderChoice {
  const v = value.toLowerCase();
  if ((PROVIDER_CHOICES as readonly string[]).includes(v)) return v as ProviderChoice;
  throw new Error(`unknown execution provider "${value}"; choose one of ${PROVIDER_CHOICES.join(', ')} (this machine's onnxruntime lists: ${availableProviders().join(', ')}).`);
}

/**
 * Whether an unbundled provider's library was installed beside the binding
 * (onnxruntime-node lists CUDA on Linux but ships its library only when
 * installed with --onnxruntime-node-install=cuda). Unknown layouts count as present.
 */
function providerLibraryPresent(name: string): boolean {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    if (!existsSync(dir)) return true;
    const file = process.platform === 'win32' ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`;
    return existsSync(join(dir, file));
  } catch {
    return true;
  }
}

/** Backends this onnxruntime-node build lists for this machine. */
export function listedProviders(): ProviderName[] {
  const names = ort.listSupportedBackends().map((b) => b.name);
  return [...new Set(names)].filter((n): n is ProviderName => (PROVIDER_CHOICES as readonly string[]).includes(n) && n !== 'auto');
}

/** Backends this onnxruntime-node build can use on this machine (their libraries present). */
export function availableProviders(): ProviderName[] {
  const bundled = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  return listedProviders().filter((n) => bundled.get(n) || providerLibraryPresent(n));
}

export interface Candidates {
  /** Providers to try, in order (CPU last under 'auto'). */
  order: ProviderName[];
  /** Providers 'auto' passed over without trying, with the reason. */
  skipped: ProviderAttempt[];
  /** What WebGPU would run on, when it was considered. */
  webgpuAdapter?: AdapterReport;
}

export interface CandidateProbe {
  listed?: readonly ProviderName[];
  available?: readonly ProviderName[];
  adapter?: () => AdapterReport;
}

/**
 * Providers to try for a choice. An explicit choice is tried alone (a software
 * WebGPU adapter included: the user asked for it). 'auto' tries the GPU
 * providers that can start here, fastest kind first, then the CPU, and passes
 * over a WebGPU whose only adapter is a software rasteriser.
 */
export function providerCandidates(choice: ProviderChoice, probe: CandidateProbe = {}): Candidates {
  if (choice !== 'auto') return { order: [choice], skipped: [] };
  const listed = probe.listed ?? listedProviders();
  const available = probe.available ?? availableProviders();
  const order: ProviderName[] = [];
  const skipped: ProviderAttempt[] = [];
  let adapter: AdapterReport | undefined;
  for (const p of GPU_ORDER) {
    if (!listed.includes(p)) continue;
    if (!available.includes(p)) {
      skipped.push({ provider: p, stage: 'skipped', error: `its libraries are not installed (see README, GPU)` });
      continue;
    }
    if (p === 'webgpu') {
      adapter = (probe.adapter ?? webgpuAdapter)();
      if (adapter.kind === 'software' || adapter.kind === 'none') {
        const why = adapter.kind === 'software' ? `${adapter.detail}, far slower than the CPU provider; --provider webgpu uses it anyway` : adapter.detail;
        skipped.push({ provider: p, stage: 'skipped', error: why });
        continue;
      }
    }
    order.push(p);
  }
  order.push('cpu');
  return { order, skipped, webgpuAdapter: adapter };
}

export interface SessionOptionsExtra {
  /** Suppress onnxruntime's own error log lines (its errors reach the caller as exceptions anyway). */
  quiet?: boolean;
  /** Profile this session's runs into files with this prefix (read to learn where nodes ran). */
  profilePrefix?: string;
  /** Outputs to leave on the device (Causal Cache state between chunks; see gpu-state.ts). */
  deviceOutputs?: Record<string, 'gpu-buffer'>;
}

export function sessionOptions(provider: ProviderName, threads?: number, extra: SessionOptionsExtra = {}): ort.InferenceSession.SessionOptions {
  // Before the runtime's environment exists (the first session creates it): see ort-telemetry.ts.
  disableOrtTelemetry();
  const o: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // Warnings (level 2) are about graph rewrites, not the user's problem.
    logSeverityLevel: extra.quiet ? 4 : 3,
    // No CPU arena and no memory pattern: with them a run's freed blocks stay
    // reserved (peak 1.74 GB vs 1.11 GB for the demo decoder at 65x256x448,
    // growing to 2.8 GB over three runs), and with dynamic shapes the pattern
    // is planned anew for every size anyway.
    enableCpuMemArena: false,
    enableMemPattern: false,
  };
  if (extra.deviceOutputs) o.preferredOutputLocation = extra.deviceOutputs;
  if (extra.profilePrefix) {
    o.enableProfiling = true;
    o.profileFilePrefix = extra.profilePrefix;
  }
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer (got ${threads}).`);
    o.intraOpNumThreads = threads;
  }
  return o;
}

// onnxruntime prefixes failures with its source location and the failed check; the reason follows.
export const ortMessage = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/^\/onnxruntime_src\/.*? was false\. /, '').slice(0, 300);

/** Creates one session on one provider. */
export async function createSession(modelPath: string, provider: ProviderName, threads?: number, extra: SessionOptionsExtra = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, sessionOptions(provider, threads, extra));
}

/**
 * A session for a small auxiliary graph (an LPIPS network, say) on the first
 * provider of a choice that starts; every provider passed over is returned
 * with its reason. WF-VAE graphs go through execution.ts, which also proves
 * them with a run.
 */
export async function createFirstSession(
  modelPath: string,
  settings: SessionSettings = {},
): Promise<{ session: ort.InferenceSession; provider: ProviderName; failed: ProviderAttempt[] }> {
  const cand = providerCandidates(settings.provider ?? 'auto');
  const failed: ProviderAttempt[] = [...cand.skipped];
  for (const provider of cand.order) {
    try {
      return { session: await createSession(modelPath, provider, settings.threads, { quiet: true }), provider, failed };
    } catch (err) {
      failed.push({ provider, stage: 'create', error: ortMessage(err) });
    }
  }
  throw new Error(`cannot create an onnxruntime session for ${modelPath} (${failed.map((f) => `${f.provider}: ${f.error}`).join('; ')})`);
}
