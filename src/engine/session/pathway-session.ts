// The pathway view's answers, from what the session keeps of a clip's runs:
// the clip, its reconstruction (taps, latent, pooled backbone stages) and the
// chunking comparison (what its Causal Cache run carried between chunks).
import { ApiError, ERROR_CODES, type ApiRequest, type ApiResponse } from '../../shared/contract';
import type { PathwayNodeSpec } from '../../shared/pathway-contract';
import type { Tensor } from '../tensor';
import type { CacheFlowSide } from '../runtime/cache-state';
import { nodeOfState } from '../onnx/pathway-spec';
import type { ChunkEntry, ReconEntry } from './model-workbench';
import { DEFAULT_THUMB_SIDE, FullSource, PooledSource, pathwayFrame, pathwayNode, type NodeSource, type PathwayInputs } from './pathway-values';

/** The node sources of a reconstruction, built once per run. */
const inputsOf = new WeakMap<ReconEntry, PathwayInputs>();

function pathwayInputs(clipVideo: Tensor, r: ReconEntry): PathwayInputs {
  const hit = inputsOf.get(r);
  if (hit) return hit;
  const sources = new Map<string, NodeSource>();
  sources.set('video.in', new FullSource(clipVideo));
  sources.set('video.out', new FullSource(r.video));
  sources.set('mean', new FullSource(r.mean));
  sources.set('logvar', new FullSource(r.logvar));
  for (const [name, t] of Object.entries(r.taps)) sources.set(name, new FullSource(t));
  for (const [name, p] of Object.entries(r.stages)) sources.set(name, new PooledSource(p));
  const whole = r.summary.plan.mode === 'whole';
  const inputs: PathwayInputs = {
    spec: r.spec,
    sources,
    videoFrames: r.summary.frames,
    missing: (node: PathwayNodeSpec) =>
      whole
        ? 'no values: this run was whole-clip (a model that mixes frames cannot chunk exactly), and the backbone stages are read from Causal Cache steps only'
        : `no values: the graph gave no ${node.id} in this run`,
  };
  inputsOf.set(r, inputs);
  return inputs;
}

function asBadRequest<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof RangeError) throw new ApiError(ERROR_CODES.badRequest, err.message);
    throw err;
  }
}

export function getPathway(clipVideo: Tensor, r: ReconEntry, req: ApiRequest<'getPathway'>): ApiResponse<'getPathway'> {
  const frames = r.summary.frames;
  if (req.t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${req.t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
  const values = asBadRequest(() => pathwayFrame(pathwayInputs(clipVideo, r), req.t, req.select ?? {}, req.thumbSide ?? DEFAULT_THUMB_SIDE));
  const plan = r.summary.plan;
  return {
    clipId: req.clipId,
    modelId: r.summary.modelId,
    frame: req.t,
    frames,
    run: { mode: plan.mode, encChunk: plan.encChunk, decChunk: plan.decChunk },
    ...values,
  };
}

export function getPathwayNode(clipVideo: Tensor, r: ReconEntry, req: ApiRequest<'getPathwayNode'>): ApiResponse<'getPathwayNode'> {
  const frames = r.summary.frames;
  if (req.t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${req.t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
  return { clipId: req.clipId, ...asBadRequest(() => pathwayNode(pathwayInputs(clipVideo, r), req.node, req.t, req.select)) };
}

/** The Causal Cache of a run across its chunk boundaries; `run` names the chunking comparison's or the reconstruction's. */
export function getCacheFlow(req: ApiRequest<'getCacheFlow'>, entry: ChunkEntry | ReconEntry, temporalCompression: number): ApiResponse<'getCacheFlow'> {
  const cache = entry.cache;
  const chunks = 'videos' in entry ? { encChunk: entry.summary.encChunk, decChunk: entry.summary.decChunk } : { encChunk: entry.summary.plan.encChunk, decChunk: entry.summary.plan.decChunk };
  if (!cache || chunks.encChunk === null || chunks.decChunk === null) {
    throw new ApiError(ERROR_CODES.noResult, 'this reconstruction ran whole-clip, in one pass: it crossed no chunk boundary and carried no Causal Cache. Run the Chunking view\'s comparison to see one.');
  }
  const states = (side: CacheFlowSide | null) => (side?.states ?? []).map((s) => ({ ...s, node: nodeOfState(entry.spec, s.name) }));
  const boundaries = (side: 'encoder' | 'decoder', flow: CacheFlowSide | null) =>
    (flow?.boundaries ?? []).map((b) => ({
      side,
      chunk: b.chunk,
      input: b.input,
      // The next chunk starts at input frame input[1]: a video frame, or a latent frame of tc video frames.
      videoFrame: side === 'encoder' ? b.input[1] : 1 + (b.input[1] - 1) * temporalCompression,
      energy: b.energy,
    }));
  return {
    clipId: req.clipId,
    modelId: entry.summary.modelId,
    run: req.run,
    encChunk: chunks.encChunk,
    decChunk: chunks.decChunk,
    states: { encoder: states(cache.encoder), decoder: states(cache.decoder) },
    boundaries: [...boundaries('encoder', cache.encoder), ...boundaries('decoder', cache.decoder)].sort((a, b) => a.videoFrame - b.videoFrame || (a.side === b.side ? 0 : a.side === 'encoder' ? -1 : 1)),
  };
}
