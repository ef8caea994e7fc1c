/**
 * The fp16 variants of a converted model's four graphs, built the first time
 * fp16 execution is asked for and kept beside the float32 graphs in the same
 * folder: `<role>.fp16.onnx` and `weights.fp16.bin`, recorded under `fp16` in
 * the manifest (nothing else in the manifest changes).
 *
 * They are built from the folder itself, not from the checkpoint (which may
 * be gone): the graphs are rebuilt from the manifest's config exactly as the
 * conversion built them (checked against the manifest), rewritten by fp16.ts,
 * and the weights are read from weights.bin and rounded to half. Files are
 * written under a temporary name and renamed into place; the manifest is
 * rewritten last, the same way, so an interrupted build leaves the float32
 * model as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepStalePartials } from '../fs/stale-partials';
import { MANIFEST_FILE, type Float16Graphs, type GraphManifest } from './cache';
import { converted, GRAPHS, type ConvertedModel } from './convert';
import { toFloat16 } from './fp16';
import { encodeParts, type GraphParts } from './graph';
import { WeightStore } from './weights';

export const FP16_WEIGHTS_BIN = 'weights.fp16.bin';
export const fp16FileOf = (file: string) => file.replace(/\.onnx$/, '') + '.fp16.onnx';

const PARTIAL = /^\.fp16\.partial-(\d+)-[0-9a-f]{8}$/;

export interface Float16Graph {
  role: string;
  file: string;
  graphName: string;
  parts: GraphParts;
  /** Nodes kept in float32 (GraphBuilder.float32), by name (node names are the float32 graph's). */
  float32Nodes: ReadonlySet<string>;
}

/**
 * The fp16 graphs of a manifest's model (in memory) and the weight store that
 * lays out both weights files. Throws when the rebuilt float32 graphs do not
 * match the manifest (a folder converted by another build).
 */
export function float16Graphs(manifest: GraphManifest): { store: WeightStore; graphs: Float16Graph[] } {
  const store = new WeightStore(null);
  const built = GRAPHS.map((spec) => ({ spec, g: spec.build(manifest.config, store) }));
  const stale = (what: string) => new Error(`the converted graphs do not match this version's (${what}); convert the checkpoint again (wfvae convert --force) to run it in fp16`);
  if (store.totalBytes !== manifest.weightsBytes) throw stale(`weights ${manifest.weightsBytes} bytes, expected ${store.totalBytes}`);
  for (const { spec, g } of built) {
    const entry = manifest.graphs[spec.role];
    if (!entry || entry.nodes !== g.builder.nodeCount) throw stale(`${spec.role}: ${entry?.nodes ?? 'no'} nodes, expected ${g.builder.nodeCount}`);
  }
  const layout = store.float16Layout();
  const graphs = built.map(({ spec, g }) => {
    const parts = toFloat16(g.builder.parts(manifest.weightsFile), {
      keepFloat32: g.builder.float32Nodes,
      relocate: (ext) => {
        const at = layout.at.get(ext.offset);
        if (!at || at.length * 2 !== ext.length) throw new Error(`internal: no fp16 slot for the weight at ${ext.offset}`);
        return { location: FP16_WEIGHTS_BIN, offset: at.offset, length: at.length };
      },
    });
    return { role: spec.role, file: fp16FileOf(spec.file), graphName: `${g.builder.graphName}_fp16`, parts, float32Nodes: g.builder.float32Nodes };
  });
  return { store, graphs };
}

export interface Float16BuildOptions {
  signal?: AbortSignal;
  /** Bytes of weights.fp16.bin written so far. */
  onProgress?: (done: number, total: number) => void;
}

const building = new Map<string, Promise<ConvertedModel>>();

/** The model with its fp16 graphs, building them first if the folder has none. */
export function withFloat16Graphs(model: ConvertedModel, opts: Float16BuildOptions = {}): Promise<ConvertedModel> {
  if (model.manifest.fp16) return Promise.resolve(model);
  let p = building.get(model.dir);
  if (!p) {
    p = build(model, opts).finally(() => building.delete(model.dir));
    building.set(model.dir, p);
  }
  return p;
}

async function build(model: ConvertedModel, opts: Float16BuildOptions): Promise<ConvertedModel> {
  const { dir, manifest } = model;
  await sweepStalePartials(dir, { ownerOf: (name) => (PARTIAL.exec(name) ? Number(PARTIAL.exec(name)![1]) : null) });
  const { store, graphs } = float16Graphs(manifest);
  const tmp = join(dir, `.fp16.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
      throw new Error(`cannot write the fp16 graphs beside ${dir} (${code}: the folder is read-only); copy it somewhere writable, or open the checkpoint itself (its conversion is cached), to run in fp16`, { cause: err });
    }
    throw err;
  }
  try {
    await store.writeFloat16(join(dir, manifest.weightsFile), join(tmp, FP16_WEIGHTS_BIN), opts.onProgress, opts.signal);
    const entry: Float16Graphs = { weightsFile: FP16_WEIGHTS_BIN, weightsBytes: store.float16Layout().bytes, graphs: {}, createdAt: new Date().toISOString() };
    for (const g of graphs) {
      opts.signal?.throwIfAborted();
      await writeFile(join(tmp, g.file), encodeParts(g.graphName, g.parts, `WF-VAE ${g.role} (${manifest.className}), fp16 variant, by WF-VAE Inspector`, { sha256: manifest.sha256, precision: 'fp16' }));
      entry.graphs[g.role] = { file: g.file, nodes: g.parts.nodes.length };
    }
    opts.signal?.throwIfAborted();
    // Weights first, then the graphs that point into them, then the manifest that names them.
    for (const f of [FP16_WEIGHTS_BIN, ...graphs.map((g) => g.file)]) await rename(join(tmp, f), join(dir, f));
    // The manifest as it is on disk now (another process may have rewritten it), plus the fp16 entry.
    const current = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as GraphManifest;
    if (current.sha256 !== manifest.sha256) throw new Error(`${dir} changed while its fp16 graphs were built; load the model again`);
    const next: GraphManifest = { ...current, fp16: entry };
    await writeFile(join(tmp, MANIFEST_FILE), JSON.stringify(next, null, 2));
    await rename(join(tmp, MANIFEST_FILE), join(dir, MANIFEST_FILE));
    return converted(dir, next, model.cached);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
