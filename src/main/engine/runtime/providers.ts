/**
 * Execution providers: which onnxruntime-node backends exist on this machine
 * and how a session is created on the one the user picked. 'auto' tries the
 * GPU providers this build lists, fastest kind first, and falls back to CPU
 * when creating the session fails (no driver, no adapter, libraries absent);
 * every failed attempt is kept so the caller can say why it ended on CPU.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

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

export interface ProviderAttempt {
  provider: ProviderName;
  error: string;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  /** Providers tried before the one used, with why each failed. */
  failed: ProviderAttempt[];
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

/** Backends this onnxruntime-node build can use on this machine. */
export function availableProviders(): ProviderName[] {
  const usable = ort.listSupportedBackends().filter((b) => b.bundled || providerLibraryPresent(b.name)).map((b) => b.name);
  return [...new Set(usable)].filter((n): n is ProviderName => (PROVIDER_CHOICES as readonly string[]).includes(n) && n !== 'auto');
}

/** Providers to try in order for a choice. */
export function providerCandidates(choice: ProviderChoice, available: readonly ProviderName[] = availableProviders()): ProviderName[] {
  if (choice !== 'auto') return [choice];
  return [...GPU_ORDER.filter((p) => available.includes(p)), 'cpu'];
}

export function sessionOptions(provider: ProviderName, threads?: number, quiet = false): ort.InferenceSession.SessionOptions {
  // Warnings (level 2) are about graph rewrites, not the user's problem; a probing attempt that may fail logs nothing.
  const o: ort.InferenceSession.SessionOptions = { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: quiet ? 4 : 3 };
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer (got ${threads}).`);
    o.intraOpNumThreads = threads;
  }
  return o;
}

// onnxruntime prefixes failures with its source location and the failed check; the reason follows.
const message = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/^\/onnxruntime_src\/.*? was false\. /, '').slice(0, 300);

/** Creates a session on the first candidate that works, or throws listing every failure. */
export async function createSession(modelPath: string, settings: SessionSettings = {}, candidates?: readonly ProviderName[]): Promise<CreatedSession> {
  const order = candidates ?? providerCandidates(settings.provider ?? 'auto');
  const failed: ProviderAttempt[] = [];
  for (const [i, provider] of order.entries()) {
    try {
      const probing = i < order.length - 1;
      const session = await ort.InferenceSession.create(modelPath, sessionOptions(provider, settings.threads, probing));
      return { session, provider, failed };
    } catch (err) {
      failed.push({ provider, error: message(err) });
    }
  }
  const lines = failed.map((f) => `${f.provider}: ${f.error}`).join('; ');
  const hint = settings.provider && settings.provider !== 'auto' && settings.provider !== 'cpu' ? ` Try --provider auto or cpu.` : '';
  throw new Error(`cannot create an onnxruntime session for ${modelPath} (${lines}).${hint}`);
}
