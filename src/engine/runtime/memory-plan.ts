/**
 * Memory before a run: how much a whole-clip or Causal Cache run of a loaded
 * model will need for a clip of T x H x W, what this machine can give it, and
 * the chunk sizes that fit. Activation memory comes from walking the model's
 * own graphs (onnx/graph-memory.ts) at the clip's shape; the rest is the
 * process as it stands (runtime, weights), the clip and the pipeline's frame
 * buffers. Checked against measured peaks in test/unit/runtime/memory-plan.
 */
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import type { GraphDescription } from '../onnx/graph';
import { simulateMemory, type InputSpec } from '../onnx/graph-memory';
import { GRAPHS } from '../onnx/convert';
import { WeightStore } from '../onnx/weights';
import type { GraphManifest } from '../onnx/cache';
import { FLAG_FINAL, FLAG_FIRST, FLAG_STARTED, stateInput, stateOutput } from '../onnx/timeline-stream';
import type { GraphRole } from './execution';

export interface ClipShape {
  frames: number;
  height: number;
  width: number;
}

export type PlannedMode = 'whole' | 'cached';

export interface MemoryEstimate {
  mode: PlannedMode;
  /** Peak resident memory of the whole process during the run. */
  totalBytes: number;
  parts: {
    /** The process before the run: runtime, libraries, loaded weights. */
    baseBytes: number;
    /** Network activations at the run's peak (encoder or decoder, whichever is larger). */
    activationBytes: number;
    /** Frames held outside the network: the clip (whole) or the pipeline's chunk buffers (cached). */
    frameBytes: number;
    /** Causal Cache state carried between chunks (both sides). */
    stateBytes: number;
  };
  /** Chunk sizes the estimate is for (cached). */
  chunks?: { encChunk: number; decChunk: number };
}

export interface MemoryBudget {
  bytes: number;
  /** Where the figure comes from, for messages. */
  source: string;
}

const GB = 1024 ** 3;
export const formatBytes = (b: number) => (b >= GB ? `${(b / GB).toFixed(2)} GB` : `${Math.round(b / 1024 ** 2)} MB`);

/**
 * Measured against this estimator (demo, base-64 and golden models, whole and
 * cached, 17-129 frames): real peaks ran up to this much above the walk, for
 * allocator overhead and onnxruntime's node order.
 */
const ACTIVATION_MARGIN = 1.25;

const descriptions = new WeakMap<GraphManifest, Partial<Record<GraphRole, GraphDescription>>>();

/** The graph of a role, rebuilt from the config (milliseconds; no weights are read). */
function describeGraph(manifest: GraphManifest, role: GraphRole): GraphDescription {
  let cache = descriptions.get(manifest);
  if (!cache) descriptions.set(manifest, (cache = {}));
  const hit = cache[role];
  if (hit) return hit;
  const spec = GRAPHS.find((g) => g.role === role);
  if (!spec) throw new Error(`no graph role ${role}`);
  const d = spec.build(manifest.config, new WeightStore(null)).builder.describe();
  cache[role] = d;
  return d;
}

const flag = (v: number): InputSpec => ({ shape: [1], type: 'int64', values: [v] });
const f32 = (shape: number[]) => shape.reduce((a, b) => a * b, 4);

function latentShape(m: GraphManifest, c: ClipShape, frames?: number): number[] {
  const f = m.facts;
  return [1, f.latentChannels, frames ?? 1 + (c.frames - 1) / f.temporalCompression, c.height / f.spatialCompression, c.width / f.spatialCompression];
}

/** Activation peak of the whole-clip encoder and decoder for a clip. */
export function wholeActivations(m: GraphManifest, c: ClipShape): { encoder: number; decoder: number } {
  const enc = simulateMemory(describeGraph(m, 'encoder'), { video: { shape: [1, 3, c.frames, c.height, c.width] } });
  const dec = simulateMemory(describeGraph(m, 'decoder'), { latent: { shape: latentShape(m, c) } });
  return { encoder: enc.peakBytes, decoder: dec.peakBytes };
}

/** Bytes of every tap (energy-flow coefficients and block outputs) for a whole clip, encoder and decoder. */
export function tapBytes(m: GraphManifest, c: ClipShape): number {
  const enc = simulateMemory(describeGraph(m, 'encoder'), { video: { shape: [1, 3, c.frames, c.height, c.width] } });
  const dec = simulateMemory(describeGraph(m, 'decoder'), { latent: { shape: latentShape(m, c) } });
  const sum = (outs: Record<string, { bytes: number }>, names: string[]) => names.reduce((a, n) => a + (outs[n]?.bytes ?? 0), 0);
  return sum(enc.outputs, m.graphs.encoder.taps.map((t) => t.name)) + sum(dec.outputs, m.graphs.decoder.taps.map((t) => t.name));
}

/** Activation peak of one continuation step of `input` frames, and the bytes of the state it carries. */
function stepActivations(m: GraphManifest, side: 'encoder' | 'decoder', inputShape: (frames: number) => number[], frames: number): { peak: number; state: number } {
  const role: GraphRole = `${side}-step`;
  const g = describeGraph(m, role);
  const entry = m.graphs[role];
  const inputName = side === 'encoder' ? 'video' : 'latent';
  const flags = (first: number, started: number): Record<string, InputSpec> => ({
    ...(entry.flags.includes(FLAG_FIRST) ? { [FLAG_FIRST]: flag(first) } : {}),
    ...(entry.flags.includes(FLAG_STARTED) ? { [FLAG_STARTED]: flag(started) } : {}),
    ...(entry.flags.includes(FLAG_FINAL) ? { [FLAG_FINAL]: flag(0) } : {}),
  });
  // The first chunk (frame 0) tells the state shapes; a continuation of `frames` gives the peak.
  const firstInputs: Record<string, InputSpec> = { [inputName]: { shape: inputShape(1) }, ...flags(1, 0) };
  for (const s of entry.states) firstInputs[stateInput(s.name)] = { shape: [1, 1, s.frames, 1, 1] };
  const first = simulateMemory(g, firstInputs);
  const next: Record<string, InputSpec> = { [inputName]: { shape: inputShape(frames) }, ...flags(0, 1) };
  let state = 0;
  for (const s of entry.states) {
    const out = first.outputs[stateOutput(s.name)];
    next[stateInput(s.name)] = { shape: out.shape };
    state += out.bytes;
  }
  return { peak: simulateMemory(g, next).peakBytes, state };
}

/** The process's resident memory now (the base every run adds to). */
export function currentRss(): number {
  return process.memoryUsage.rss();
}

export interface EstimateOptions {
  /** Resident memory the run starts from (default: this process now). */
  baseBytes?: number;
  /**
   * Cached runs: whole copies of the clip held in memory besides the pipeline
   * (encode and decode hold the input and the output; the app also copies
   * the clip to its compute thread). 0: streamed from file to file.
   */
  heldClips?: number;
  /** Other bytes held for the whole run (the app keeps every tap of the clip). */
  extraBytes?: number;
}

/**
 * Whole-clip run (encode, then decode from the mean): the clip and its
 * reconstruction are held in full, the network's activations at their peak.
 */
export function estimateWhole(m: GraphManifest, c: ClipShape, o: EstimateOptions = {}): MemoryEstimate {
  const act = wholeActivations(m, c);
  const clip = f32([3, c.frames, c.height, c.width]);
  const latent = 2 * f32(latentShape(m, c));
  // Encoding: clip + encoder; decoding: clip + latent + decoder (its output included); then the clipped copy of the output.
  const during = Math.max(act.encoder * ACTIVATION_MARGIN, latent + act.decoder * ACTIVATION_MARGIN, 2 * clip);
  const base = o.baseBytes ?? currentRss();
  return {
    mode: 'whole',
    totalBytes: base + clip + during,
    parts: { baseBytes: base, activationBytes: Math.max(act.encoder, act.decoder), frameBytes: clip, stateBytes: 0 },
  };
}

/** Frames a Causal Cache encoder run takes at once for a given chunk (whole latent groups). */
const encoderRun = (chunk: number, tc: number) => Math.max(tc, Math.ceil(chunk / tc) * tc);

/**
 * Causal Cache run streaming from a file: the encoder and decoder steps take
 * turns, their states persist, and the pipeline holds the frames between the
 * source and the reconstruction (originals kept for the metrics, the mp4
 * writer's frame).
 */
export function estimateCached(m: GraphManifest, c: ClipShape, chunks: { encChunk: number; decChunk: number }, o: EstimateOptions = {}): MemoryEstimate {
  const tc = m.facts.temporalCompression;
  const run = encoderRun(chunks.encChunk, tc);
  const enc = stepActivations(m, 'encoder', (n) => [1, 3, n, c.height, c.width], run);
  const dec = stepActivations(m, 'decoder', (n) => latentShape(m, c, n), chunks.decChunk);
  const frame = f32([3, 1, c.height, c.width]);
  // Source blocks and pending frames (< 2 runs), originals awaiting their reconstruction
  // (the encoder's run plus the decoder chunk's frames), the decoder's output chunk, its clipped copy.
  const held = (o.heldClips ?? 0) * frame * c.frames + (o.extraBytes ?? 0);
  const frames = frame * (2 * run + 3 * chunks.decChunk * tc + tc) + held;
  const act = Math.max(enc.peak, dec.peak);
  const base = o.baseBytes ?? currentRss();
  // A step reads the previous state while it writes the next (inside the walk's peak), onnxruntime-node
  // copies the outputs into JavaScript buffers before freeing its own, and the state replaced a chunk
  // ago is garbage the collector has not always taken yet: measured peaks hold about three states.
  const state = enc.state + dec.state;
  return {
    mode: 'cached',
    totalBytes: base + frames + 3 * state + act * ACTIVATION_MARGIN,
    parts: { baseBytes: base, activationBytes: act, frameBytes: frames, stateBytes: state },
    chunks: { ...chunks },
  };
}

/** Memory this machine can give a run: available memory (cgroup limit included) plus what the process already holds. */
export function memoryBudget(env: NodeJS.ProcessEnv = process.env): MemoryBudget {
  const override = env.WFVAE_MEMORY_BUDGET;
  if (override) return { bytes: parseBytes(override, 'WFVAE_MEMORY_BUDGET'), source: 'WFVAE_MEMORY_BUDGET' };
  const rss = currentRss();
  const available = availableMemory();
  // Leave a quarter of what is free to the rest of the system.
  return { bytes: rss + 0.75 * available.bytes, source: `75% of the ${formatBytes(available.bytes)} ${available.source} plus the ${formatBytes(rss)} this process holds` };
}

function availableMemory(): { bytes: number; source: string } {
  let bytes = freemem();
  let source = 'free';
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) {
      bytes = Number(m[1]) * 1024;
      source = 'available';
    }
  } catch {
    // not Linux: os.freemem() it is
  }
  // A container's memory limit (cgroup v2) can be far below the host's.
  try {
    const max = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (max !== 'max') {
      const used = Number(readFileSync('/sys/fs/cgroup/memory.current', 'utf8').trim());
      const left = Number(max) - used;
      if (Number.isFinite(left) && left < bytes) {
        bytes = Math.max(0, left);
        source = 'left under the container limit';
      }
    }
  } catch {
    // no cgroup v2 limit
  }
  return { bytes: Math.min(bytes, totalmem()), source };
}

/** "4G", "1500M", "2.5GB", or a number of bytes. */
export function parseBytes(text: string, what: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) throw new Error(`${what}: "${text}" is not a size; write e.g. 4G, 1500M or 2.5GB.`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const v = Number(m[1]) * mult;
  if (!(v > 0)) throw new Error(`${what}: must be more than 0.`);
  return v;
}

/** Causal Cache chunk sizes tried, largest first: more frames per run is a little faster, fewer is smaller. */
function chunkLadder(tc: number): { encChunk: number; decChunk: number }[] {
  return [
    { encChunk: 2 * tc, decChunk: 2 },
    { encChunk: tc, decChunk: 1 },
  ];
}

export interface ChunkPlan {
  chunks: { encChunk: number; decChunk: number };
  estimate: MemoryEstimate;
  fits: boolean;
}

/** The default Causal Cache chunks for a clip: the largest on the ladder whose estimate fits the budget. */
export function planChunks(m: GraphManifest, c: ClipShape, budget: MemoryBudget, o: EstimateOptions = {}): ChunkPlan {
  let last: ChunkPlan | null = null;
  for (const chunks of chunkLadder(m.facts.temporalCompression)) {
    const estimate = estimateCached(m, c, chunks, o);
    last = { chunks, estimate, fits: estimate.totalBytes <= budget.bytes };
    if (last.fits) return last;
  }
  return last as ChunkPlan;
}

/** One line: "about 0.95 GB peak (activations 0.41 GB, frames 0.05 GB, …); budget 17.3 GB". */
export function describeEstimate(e: MemoryEstimate, budget?: MemoryBudget): string {
  const p = e.parts;
  const bits = [`process ${formatBytes(p.baseBytes)}`, `activations ${formatBytes(p.activationBytes)}`, `frames ${formatBytes(p.frameBytes)}`];
  if (p.stateBytes) bits.push(`chunk state ${formatBytes(p.stateBytes)}`);
  const b = budget ? `; budget ${formatBytes(budget.bytes)}` : '';
  return `about ${formatBytes(e.totalBytes)} peak (${bits.join(', ')})${b}`;
}
