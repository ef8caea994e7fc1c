/**
 * Checkpoint -> ONNX conversion: one shared weights.bin plus one .onnx file
 * per graph, and a manifest that tells the runtime what each graph emits.
 * Results are cached by checkpoint SHA-256 (see cache.ts); a cancelled or
 * failed conversion leaves nothing behind because everything is written into
 * a temporary folder that is renamed into place only when complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CheckpointError, CONFIG_FILE, openCheckpoint, validateWeights, WEIGHTS_FILE, type ModelConfig, type OpenCheckpoint } from '../checkpoint/index';
import { buildDecoderGraph, buildEncoderGraph, type BuiltGraph } from './build';
import {
  cacheEntryDir,
  fileIdentity,
  graphCacheRoot,
  type FileIdentity,
  isCompleteEntry,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  readManifest,
  rememberedSha,
  rememberSha,
  WEIGHTS_BIN,
  type GraphEntry,
  type GraphManifest,
} from './cache';
import { WeightStore, type WeightSource } from './weights';
import { sweepConversionPartials } from './partial-sweep';

/** One graph file of a converted model. More graphs (chunked step graphs) are one entry each. */
export interface GraphSpec {
  role: string;
  file: string;
  build(config: ModelConfig, store: WeightStore): BuiltGraph;
}

export const GRAPHS: GraphSpec[] = [
  { role: 'encoder', file: 'encoder.onnx', build: (cfg, store) => buildEncoderGraph(cfg, store, 'whole') },
  { role: 'decoder', file: 'decoder.onnx', build: (cfg, store) => buildDecoderGraph(cfg, store, 'whole') },
  // Causal Cache continuation steps; they share weights.bin with the graphs above.
  { role: 'encoder-step', file: 'encoder-step.onnx', build: (cfg, store) => buildEncoderGraph(cfg, store, 'step') },
  { role: 'decoder-step', file: 'decoder-step.onnx', build: (cfg, store) => buildDecoderGraph(cfg, store, 'step') },
];

export type ConvertPhase = 'hash' | 'build' | 'write';

export interface ConvertProgress {
  phase: ConvertPhase;
  /** Bytes (hash, write) or graphs (build) done so far, out of total. */
  done: number;
  total: number;
}

export interface ConvertOptions {
  /** Write the converted folder here instead of the cache. */
  outDir?: string;
  /** Cache root; default graphCacheRoot(). */
  cacheDir?: string;
  /** Convert even when a complete converted folder for this checkpoint exists. */
  force?: boolean;
  /** Rehash the checkpoint even when its files are unchanged since the last hash. */
  verify?: boolean;
  onProgress?: (p: ConvertProgress) => void;
  signal?: AbortSignal;
}

export interface ConvertedModel {
  /** Folder holding manifest.json, weights.bin and the .onnx files. */
  dir: string;
  manifest: GraphManifest;
  /** True when nothing was converted (cache hit, or a converted folder was given). */
  cached: boolean;
  /** Absolute path of a graph file by role ('encoder', 'decoder', ...), float32 or its fp16 variant (once built: fp16-graphs.ts). */
  graphPath(role: string, precision?: 'fp32' | 'fp16'): string;
}

export class ConvertCancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('conversion cancelled; nothing was written.');
  }
}

export function converted(dir: string, manifest: GraphManifest, cached: boolean): ConvertedModel {
  return {
    dir,
    manifest,
    cached,
    graphPath(role, precision = 'fp32') {
      const g = manifest.graphs[role];
      if (!g) throw new Error(`${dir} has no "${role}" graph (it has: ${Object.keys(manifest.graphs).join(', ')}); convert the checkpoint again with this version.`);
      if (precision === 'fp32') return join(dir, g.file);
      const h = manifest.fp16?.graphs[role];
      if (!h) throw new Error(`internal: the fp16 graphs of ${dir} were not built (see fp16-graphs.ts)`);
      return join(dir, h.file);
    },
  };
}

/** Best-effort checkpoint file locations for the no-rehash fast path; openCheckpoint does the real checks. */
async function checkpointFiles(path: string): Promise<{ config: string; weights: string } | null> {
  try {
    const s = await stat(path);
    if (s.isFile()) return { config: join(dirname(path), CONFIG_FILE), weights: path };
    return { config: join(path, CONFIG_FILE), weights: join(path, WEIGHTS_FILE) };
  } catch {
    return null;
  }
}

const seconds = (from: number) => (performance.now() - from) / 1000;

async function openCached(dir: string, sha: string): Promise<ConvertedModel | null> {
  const roles = GRAPHS.map((g) => g.role);
  if (!(await isCompleteEntry(dir, sha, roles))) return null;
  const m = await readManifest(dir);
  return m ? converted(dir, m, true) : null;
}

/** Refuses to replace a folder that is not ours (a user's data passed as --out by mistake). */
async function assertReplaceable(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  if (names.length === 0 || names.includes(MANIFEST_FILE)) return;
  throw new Error(`${dir} already exists and is not a converted-graph folder (no ${MANIFEST_FILE}); pass a new or empty folder as the output.`);
}

/** Moves a finished temporary folder into place; if another process got there first with the same result, keeps theirs. */
async function publish(tmp: string, dir: string, sha: string): Promise<void> {
  const old = `${dir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  let moved = false;
  try {
    await rename(dir, old);
    moved = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isCompleteEntry(dir, sha, GRAPHS.map((g) => g.role)))) {
      await rm(tmp, { recursive: true, force: true });
    } else {
      throw err;
    }
  }
  if (moved) await rm(old, { recursive: true, force: true });
}

async function build(ckpt: OpenCheckpoint, tmp: string, opts: ConvertOptions, hashSeconds: number, sourcePath: string): Promise<GraphManifest> {
  const t0 = performance.now();
  const { weights } = ckpt;
  const source: WeightSource = {
    shapeOf: (name) => weights.entries.get(name)?.shape,
    readF32: (name) => weights.readF32(name),
  };
  const store = new WeightStore(source);
  const built = GRAPHS.map((spec, i) => {
    const g = spec.build(ckpt.config, store);
    opts.onProgress?.({ phase: 'build', done: i + 1, total: GRAPHS.length });
    return { spec, g };
  });
  validateWeights(store.inventory(), weights);
  const buildSeconds = seconds(t0);

  const t1 = performance.now();
  opts.signal?.throwIfAborted();
  await store.writeTo(join(tmp, WEIGHTS_BIN), (done, total) => opts.onProgress?.({ phase: 'write', done, total }), opts.signal);
  const graphs: Record<string, GraphEntry> = {};
  for (const { spec, g } of built) {
    opts.signal?.throwIfAborted();
    const bytes = g.builder.encode(WEIGHTS_BIN, `WF-VAE ${g.kind} (${ckpt.config.className}) converted by WF-VAE Inspector`, { sha256: ckpt.sha256 });
    await writeFile(join(tmp, spec.file), bytes);
    graphs[spec.role] = {
      file: spec.file,
      kind: g.kind,
      mode: g.mode,
      input: g.input,
      outputs: g.outputs,
      taps: g.taps,
      states: g.states,
      flags: g.flags,
      nodes: g.builder.nodeCount,
    };
  }
  const writeSeconds = seconds(t1);
  const manifest: GraphManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    sha256: ckpt.sha256,
    className: ckpt.config.className,
    config: ckpt.config,
    facts: ckpt.facts,
    graphs,
    weightsFile: WEIGHTS_BIN,
    weightsBytes: store.totalBytes,
    parameterCount: store.parameterCount,
    source: { path: resolve(sourcePath), checkpointDir: resolve(ckpt.dir) },
    createdAt: new Date().toISOString(),
    timings: { hashSeconds, buildSeconds, writeSeconds, totalSeconds: hashSeconds + buildSeconds + writeSeconds },
  };
  // The manifest goes last: its presence marks the folder complete.
  await writeFile(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  return manifest;
}

/**
 * Converts a checkpoint (folder, or .safetensors path with config.json beside
 * it) into ONNX graphs, or returns the cached conversion of the same bytes.
 * Throws CheckpointError for anything wrong with the checkpoint (naming every
 * missing, unexpected or misshaped weight), ConvertCancelledError when the
 * signal fires.
 */
export async function convertCheckpoint(path: string, opts: ConvertOptions = {}): Promise<ConvertedModel> {
  const root = resolve(opts.cacheDir ?? graphCacheRoot());
  const files = await checkpointFiles(path);
  const outDir = opts.outDir ? resolve(opts.outDir) : undefined;
  // What killed conversions left behind (once per process, so a cache hit stays instant).
  await sweepConversionPartials(outDir ? dirname(outDir) : root, outDir ? basename(outDir) : undefined);

  if (files && !opts.force && !opts.verify) {
    const sha = await rememberedSha(root, files.config, files.weights);
    const hit = sha ? await openCached(outDir ?? cacheEntryDir(root, sha), sha) : null;
    if (hit) return hit;
  }

  const ids = files ? await Promise.all([fileIdentity(files.config), fileIdentity(files.weights)]) : [null, null];
  const t0 = performance.now();
  let ckpt: OpenCheckpoint;
  try {
    ckpt = await openCheckpoint(path, { signal: opts.signal, onProgress: (done, total) => opts.onProgress?.({ phase: 'hash', done, total }) });
  } catch (err) {
    if (opts.signal?.aborted) throw new ConvertCancelledError();
    throw withConvertedFolderHint(err);
  }
  const hashSeconds = seconds(t0);
  let tmp: string | undefined;
  try {
    const [c, w] = ids;
    if (c && w) await rememberSha(root, files!.weights, c, w, ckpt.sha256);
    const dir = outDir ?? cacheEntryDir(root, ckpt.sha256);
    if (!opts.force) {
      const hit = await openCached(dir, ckpt.sha256);
      if (hit) return hit;
    }
    await assertReplaceable(dir);
    await mkdir(dirname(dir), { recursive: true });
    tmp = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp);
    const manifest = await build(ckpt, tmp, opts, hashSeconds, path);
    opts.signal?.throwIfAborted();
    if (files) await assertUnchanged(files, ids);
    await publish(tmp, dir, ckpt.sha256);
    tmp = undefined;
    return converted(dir, manifest, false);
  } catch (err) {
    if (opts.signal?.aborted) throw new ConvertCancelledError();
    throw err;
  } finally {
    await ckpt.weights.close();
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The checkpoint's files must be the ones hashed: a file rewritten while it was hashed and read
 * (a training job saving over it, a copy still in progress) gives a graph of both states under
 * the hash of neither. Same device, inode, size and change times before and after, or refuse.
 */
async function assertUnchanged(files: { config: string; weights: string }, before: (FileIdentity | null)[]): Promise<void> {
  const after = await Promise.all([fileIdentity(files.config), fileIdentity(files.weights)]);
  for (const [i, path] of [files.config, files.weights].entries()) {
    const a = before[i];
    const b = after[i];
    if (!a && !b) continue;
    const changed = !a || !b ? ['it appeared or disappeared'] : describeChange(a, b);
    if (changed.length) {
      throw new CheckpointError(
        'changed',
        `${path} changed while it was being converted (${changed.join(', ')}): the graphs would hold a mix of its old and new contents, so nothing was written. Convert again once whatever writes it has finished.`,
      );
    }
  }
}

function describeChange(a: FileIdentity, b: FileIdentity): string[] {
  const out: string[] = [];
  if (a.dev !== b.dev || a.ino !== b.ino) out.push('replaced by another file');
  if (a.size !== b.size) out.push(`size ${a.size} -> ${b.size} bytes`);
  if (a.mtimeNs !== b.mtimeNs || a.ctimeNs !== b.ctimeNs) out.push('rewritten (modification time moved)');
  return out;
}

function withConvertedFolderHint(err: unknown): unknown {
  if (err instanceof CheckpointError && err.code === 'not_found' && err.details?.some((d) => d === CONFIG_FILE || d === WEIGHTS_FILE)) {
    return new CheckpointError('not_found', `${err.message} (A folder written by \`wfvae convert\`, with ${MANIFEST_FILE}, works too.)`, err.details, { cause: err });
  }
  return err;
}

/**
 * A model ready for the runtime: a converted graph folder (has manifest.json)
 * is used as it is; a checkpoint is converted (or found in the cache).
 */
export async function loadModel(path: string, opts: ConvertOptions = {}): Promise<ConvertedModel> {
  const s = await stat(path).catch(() => null);
  if (s?.isDirectory()) {
    const m = await readManifest(path);
    if (m) return converted(resolve(path), m, true);
  }
  return convertCheckpoint(path, opts);
}
