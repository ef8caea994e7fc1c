/**
 * Where converted graphs live and how a cache entry is recognised.
 *
 * An entry is a folder named by the checkpoint's SHA-256 holding weights.bin,
 * one .onnx file per graph and manifest.json (written last, so a folder with a
 * readable manifest whose files are all present is complete). Folders appear
 * by atomic rename, so a cancelled or crashed conversion leaves no entry.
 *
 * Hashing a 1.3 GB checkpoint takes over a second; to make a repeated open
 * instant, the cache remembers the file identity (device, inode, size, mtime
 * and ctime in nanoseconds) of config.json and the weights under which a
 * checkpoint path hashed to a given SHA. Any write to either file changes its
 * ctime (which user code cannot set back), so a stale match needs the file
 * system itself to lie; `verify: true` always rehashes.
 */
import type { StateInfo } from './timeline-stream';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ModelConfig, ModelFacts } from '../checkpoint/index';
import type { TapInfo } from './build';
import { readSmallRegularFile } from '../checkpoint/regular-file';

/** Manifests are tens of kB. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_BIN = 'weights.bin';
export const MANIFEST_FORMAT = 'wfvae-inspector-graphs';
// 2: step graphs and stream state for Causal Cache chunking.
// 3: stateless whole-clip graphs (the step graph starts a chunked run itself),
//    Haar transforms without grouped convolutions (WebGPU, CoreML and DirectML
//    reject them), LayerNormalization and 4D nearest upsampling.
// 4: step graphs choose between carried state and start padding by slice
//    length instead of Where (no copy of both on every chunk).
// 5: step graphs expose the pathway's backbone stages as taps (pw.*).
export const MANIFEST_VERSION = 5;

export interface GraphEntry {
  file: string;
  kind: 'encoder' | 'decoder';
  /** `whole`: one pass over a clip (exports the chunked run's starting state); `step`: one Causal Cache chunk. */
  mode: 'whole' | 'step';
  input: string;
  outputs: string[];
  taps: TapInfo[];
  /** Stream state carried between chunks (timeline-stream.ts). */
  states: StateInfo[];
  /** Flag inputs of a step graph. */
  flags: string[];
  nodes: number;
}

/** The fp16 variants of a model's graphs (built on first use for GPU providers; fp16-graphs.ts). */
export interface Float16Graphs {
  weightsFile: string;
  weightsBytes: number;
  /** Graph files by role, as in GraphManifest.graphs (same I/O, states and taps). */
  graphs: Record<string, { file: string; nodes: number }>;
  createdAt: string;
}

export interface GraphManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  sha256: string;
  className: ModelConfig['className'];
  config: ModelConfig;
  facts: ModelFacts;
  /** Graphs by role ('encoder', 'decoder', later 'encoder-step', ...). */
  graphs: Record<string, GraphEntry>;
  weightsFile: string;
  weightsBytes: number;
  parameterCount: number;
  source: { path: string; checkpointDir: string };
  createdAt: string;
  timings: { hashSeconds: number; buildSeconds: number; writeSeconds: number; totalSeconds: number };
  /** Present once fp16 execution was asked for on this model. */
  fp16?: Float16Graphs;
}

/** `$WFVAE_CACHE_DIR`, else `$XDG_CACHE_HOME/wfvae-inspector/graphs`, else `~/.cache/wfvae-inspector/graphs`. */
export function graphCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WFVAE_CACHE_DIR) return resolve(env.WFVAE_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(xdg, 'wfvae-inspector', 'graphs');
}

export function cacheEntryDir(root: string, sha256: string): string {
  return join(root, sha256);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * The manifest of a complete converted folder, or null when the folder has no
 * manifest. Throws when a manifest is there but unusable (other format, newer
 * version, a graph file missing), with what to do about it.
 */
export async function readManifest(dir: string): Promise<GraphManifest | null> {
  let text: string;
  try {
    // Not readFile: a FIFO or device named manifest.json must not hang or flood the process.
    text = (await readSmallRegularFile(join(dir, MANIFEST_FILE), MAX_MANIFEST_BYTES, MANIFEST_FILE, 'it is not a graph manifest; delete the folder and convert the checkpoint again.')).toString('utf8');
  } catch (err) {
    const code = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
  let m: GraphManifest;
  try {
    m = JSON.parse(text) as GraphManifest;
  } catch {
    throw new Error(`${join(dir, MANIFEST_FILE)} is not valid JSON; delete ${dir} and convert the checkpoint again.`);
  }
  if (m?.format !== MANIFEST_FORMAT) throw new Error(`${join(dir, MANIFEST_FILE)} is not a WF-VAE Inspector graph manifest (format "${String(m?.format)}").`);
  if (m.version !== MANIFEST_VERSION) {
    throw new Error(`${dir} was converted by another version of WF-VAE Inspector (manifest version ${m.version}, this one reads ${MANIFEST_VERSION}); convert the checkpoint again.`);
  }
  const files = [m.weightsFile, ...Object.values(m.graphs).map((g) => g.file)];
  const missing: string[] = [];
  for (const f of files) if (!(await exists(join(dir, f)))) missing.push(f);
  if (missing.length) throw new Error(`${dir} is incomplete: ${missing.join(', ')} missing; delete the folder and convert the checkpoint again.`);
  // fp16 variants whose files went missing are simply built again when asked for.
  if (m.fp16) {
    const f16 = m.fp16;
    for (const f of [f16.weightsFile, ...Object.values(f16.graphs).map((g) => g.file)]) {
      if (!(await exists(join(dir, f)))) {
        delete m.fp16;
        break;
      }
    }
  }
  return m;
}

/** True when `dir` holds a complete entry for this SHA and every graph role asked for. */
export async function isCompleteEntry(dir: string, sha256: string, roles: readonly string[]): Promise<boolean> {
  try {
    const m = await readManifest(dir);
    return m !== null && m.sha256 === sha256 && roles.every((r) => r in m.graphs);
  } catch {
    return false;
  }
}

// ---- file identity memo (skips rehashing on repeated opens) ----

export interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

export async function fileIdentity(path: string): Promise<FileIdentity | null> {
  try {
    const s = await stat(path, { bigint: true });
    return { dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) };
  } catch {
    return null;
  }
}

interface IdentityMemo {
  config: FileIdentity;
  weights: FileIdentity;
  sha256: string;
}

function memoPath(root: string, weightsPath: string): string {
  const key = createHash('sha256').update(resolve(weightsPath)).digest('hex').slice(0, 32);
  return join(root, 'sources', `${key}.json`);
}

const sameIdentity = (a: FileIdentity, b: FileIdentity) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** The SHA this checkpoint had when its files were last hashed, if neither file changed since. */
export async function rememberedSha(root: string, configPath: string, weightsPath: string): Promise<string | null> {
  let memo: IdentityMemo;
  try {
    memo = JSON.parse(await readFile(memoPath(root, weightsPath), 'utf8')) as IdentityMemo;
  } catch {
    return null;
  }
  const [c, w] = await Promise.all([fileIdentity(configPath), fileIdentity(weightsPath)]);
  if (!c || !w || !memo.config || !memo.weights || !/^[0-9a-f]{64}$/.test(memo.sha256)) return null;
  return sameIdentity(c, memo.config) && sameIdentity(w, memo.weights) ? memo.sha256 : null;
}

/** Records the identities the files had before hashing (a write during hashing then invalidates the memo). */
export async function rememberSha(root: string, weightsPath: string, config: FileIdentity, weights: FileIdentity, sha256: string): Promise<void> {
  const path = memoPath(root, weightsPath);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(join(root, 'sources'), { recursive: true });
    await writeFile(tmp, JSON.stringify({ config, weights, sha256 } satisfies IdentityMemo));
    await rename(tmp, path);
  } catch {
    // The memo only saves time; a read-only cache still works, it just rehashes.
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}
