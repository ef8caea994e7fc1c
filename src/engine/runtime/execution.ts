/**
 * The sessions a model runs on, and an honest account of where they run.
 *
 * At load every graph (whole and step, encoder and decoder) is created on a
 * provider and proven with a tiny run through the real chunk scheduler; the
 * first provider on which all four work is used, and every provider passed
 * over is reported with its reason. Where each graph's nodes ran is read from
 * onnxruntime's own profile of that proof run. Under 'auto', a run that later
 * fails on a GPU provider (out of GPU memory on a large clip, a kernel that
 * fails only at some size) is rerun on the CPU, and the model stays there,
 * saying why: 'auto' never fails where the CPU would succeed.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ConvertedModel } from '../onnx/convert';
import { makeOwnedTempDir } from '../fs/owned-temp';
import type { Tensor } from '../tensor';
import { decodeChunked, encodeChunked, type GraphSession, type StreamGraphs } from './chunked';
import { concatFrames } from './stream-frames';
import { webgpuAdapter, type AdapterKind } from './gpu-adapters';
import { deviceStateOutputs, hostFeeds, webgpuDownloadSession } from './gpu-state';
import { describePlacement, mergePlacements, placementFromProfile, type GraphPlacement } from './placement';
import { fp16Candidates, type Precision } from './precision';
import { createSession, ortMessage, providerCandidates, type CandidateProbe, type ProviderAttempt, type ProviderChoice, type ProviderName, type SessionSettings } from './providers';

export const GRAPH_ROLES = ['encoder', 'decoder', 'encoder-step', 'decoder-step'] as const;
export type GraphRole = (typeof GRAPH_ROLES)[number];

export interface ExecutionReport {
  requested: ProviderChoice;
  provider: ProviderName;
  /** fp32, or fp16 graphs on a GPU provider (a run-time fallback to the CPU goes back to fp32). */
  precision: Precision;
  /** Providers passed over, in order, with why (skipped, failed to start, failed the proof run). */
  fallbacks: ProviderAttempt[];
  /** Where each graph's nodes ran in its proof run, from onnxruntime's profile. */
  placement: Partial<Record<GraphRole, GraphPlacement>>;
  /** e.g. "webgpu: 575 of 604 nodes; 29 on CPU (shape arithmetic)" over the four graphs. */
  summary: string;
  /** The adapter WebGPU runs on (or would have), when WebGPU was considered. */
  adapter?: { kind: AdapterKind; detail: string };
  /** A run that failed later on the GPU provider, after which the model moved to the CPU. */
  runtimeFallback?: { from: ProviderName; graph: GraphRole; error: string };
}

type SessionSet = Record<GraphRole, ort.InferenceSession>;

class ProviderFailure extends Error {
  constructor(
    readonly stage: 'create' | 'run',
    readonly graph: GraphRole,
    cause: unknown,
  ) {
    super(ortMessage(cause));
  }
}

const isAbort = (err: unknown) => err instanceof Error && err.name === 'AbortError';

/** Proof inputs: a fixed pseudo-random clip in [-1, 1] (no Math.random: a failure must be reproducible). */
function proofClip(frames: number, size: number): Tensor {
  const data = new Float32Array(3 * frames * size * size);
  let s = 0x2545f491;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = ((s >>> 0) / 0xffffffff) * 2 - 1;
  }
  return { data, shape: [1, 3, frames, size, size] };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.data.length !== b.data.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** A chunked run must agree with the whole clip on the same provider; this only catches broken kernels, not rounding. */
const PROOF_TOLERANCE = 1e-2;

function tagged(role: GraphRole, s: ort.InferenceSession): GraphSession {
  return {
    run: async (feeds, fetches) => {
      try {
        return await s.run(feeds, fetches);
      } catch (err) {
        throw new ProviderFailure('run', role, err);
      }
    },
  };
}

function streamGraphsOf(converted: ConvertedModel, side: 'encoder' | 'decoder', whole: GraphSession, step: GraphSession): StreamGraphs {
  const entry = converted.manifest.graphs[`${side}-step`];
  return { whole, step, states: entry.states, stepFlags: entry.flags };
}

/** Runs every graph once on tiny inputs: whole clip, then the same clip in Causal Cache chunks, which must agree. */
async function prove(converted: ConvertedModel, set: SessionSet): Promise<void> {
  const f = converted.manifest.facts;
  const tc = f.temporalCompression;
  const clip = proofClip(1 + tc, 2 * f.spatialCompression);
  const s = Object.fromEntries(GRAPH_ROLES.map((r) => [r, tagged(r, set[r])])) as Record<GraphRole, GraphSession>;
  const enc = await s.encoder.run({ video: new ort.Tensor('float32', clip.data, [...clip.shape]) }, ['mean']);
  const mean: Tensor = { data: enc.mean.data as Float32Array, shape: enc.mean.dims.map(Number) };
  const dec = await s.decoder.run({ latent: enc.mean }, ['video']);
  const video: Tensor = { data: dec.video.data as Float32Array, shape: dec.video.dims.map(Number) };

  const encGraphs = streamGraphsOf(converted, 'encoder', s.encoder, s['encoder-step']);
  const means: Tensor[] = [];
  for await (const c of encodeChunked(encGraphs, [clip], clip.shape[2], tc, tc, { mode: 'cached', outputs: ['mean'] })) means.push(c.outputs.mean);
  const decGraphs = streamGraphsOf(converted, 'decoder', s.decoder, s['decoder-step']);
  const frames: Tensor[] = [];
  for await (const c of decodeChunked(decGraphs, [mean], mean.shape[2], 1, { mode: 'cached', outputs: ['video'] })) frames.push(c.outputs.video);

  // A model that mixes frames (GroupNorm over time, AttnBlock3D) cannot chunk exactly: there only finiteness is checked.
  const exact = f.causalSafe;
  const checks: [GraphRole, Tensor, Tensor][] = [
    ['encoder', mean, mean],
    ['decoder', video, video],
    ['encoder-step', concatFrames(means), exact ? mean : concatFrames(means)],
    ['decoder-step', concatFrames(frames), exact ? video : concatFrames(frames)],
  ];
  for (const [role, got, want] of checks) {
    const d = maxAbsDiff(got, want);
    if (!(d <= PROOF_TOLERANCE)) {
      const what = Number.isFinite(d) ? `its chunked output differs from the whole clip by ${d.toExponential(2)}` : 'it gives NaN or Inf';
      throw new ProviderFailure('run', role, new Error(`${what} on a test clip (more than ${PROOF_TOLERANCE})`));
    }
  }
}

async function releaseAll(sessions: Iterable<ort.InferenceSession>): Promise<void> {
  await Promise.allSettled([...sessions].map((s) => s.release()));
}

/** Creates the four sessions on one provider, proves them and reads their placement; releases everything on failure. */
async function openOn(
  converted: ConvertedModel,
  provider: ProviderName,
  precision: Precision,
  threads: number | undefined,
  signal?: AbortSignal,
): Promise<{ set: SessionSet; placement: Record<GraphRole, GraphPlacement> }> {
  const profileDir = await makeOwnedTempDir('wfvae-profile-');
  const made: Partial<SessionSet> = {};
  try {
    for (const role of GRAPH_ROLES) {
      signal?.throwIfAborted();
      try {
        // Step graphs keep their Causal Cache state on the device between chunks where the provider can.
        const deviceOutputs = deviceStateOutputs(provider, converted.manifest.graphs[role].states);
        if (deviceOutputs) await webgpuDownloadSession();
        made[role] = await createSession(converted.graphPath(role, precision), provider, threads, { quiet: true, profilePrefix: join(profileDir, role), deviceOutputs });
      } catch (err) {
        throw new ProviderFailure('create', role, err);
      }
    }
    const set = made as SessionSet;
    signal?.throwIfAborted();
    await prove(converted, set);
    const placement = {} as Record<GraphRole, GraphPlacement>;
    for (const role of GRAPH_ROLES) set[role].endProfiling();
    const files = await readdir(profileDir);
    for (const role of GRAPH_ROLES) {
      const file = files.find((f) => f.startsWith(`${role}_`));
      placement[role] = file ? placementFromProfile(JSON.parse(await readFile(join(profileDir, file), 'utf8'))) : { nodes: {}, total: 0, cpuFloatOps: {} };
    }
    return { set, placement };
  } catch (err) {
    await releaseAll(Object.values(made));
    throw err;
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
}

export interface OpenOptions extends SessionSettings {
  /** fp16 needs the model's fp16 graphs (fp16-graphs.ts) and a GPU provider. */
  precision?: Precision;
  signal?: AbortSignal;
  /** For tests: what the machine offers. */
  probe?: CandidateProbe;
}

export class Execution {
  private readonly wrappers = new Map<GraphRole, GraphSession>();
  private moving: Promise<void> | null = null;

  private constructor(
    private readonly converted: ConvertedModel,
    /** Intra-op threads asked for (undefined: onnxruntime's default). */
    readonly threads: number | undefined,
    private current: SessionSet,
    private readonly report_: ExecutionReport,
  ) {}

  /** Chooses, proves and opens a provider for a converted model. */
  static async open(converted: ConvertedModel, opts: OpenOptions = {}): Promise<Execution> {
    const requested = opts.provider ?? 'auto';
    const precision = opts.precision ?? 'fp32';
    const cand = providerCandidates(requested, opts.probe);
    const { order, skipped } = precision === 'fp16' ? fp16Candidates(requested, cand) : cand;
    const fallbacks: ProviderAttempt[] = [...skipped];
    for (const provider of order) {
      try {
        const { set, placement } = await openOn(converted, provider, precision, opts.threads, opts.signal);
        const summary = describePlacement(provider, mergePlacements(Object.values(placement)));
        const a = cand.webgpuAdapter ?? (provider === 'webgpu' ? webgpuAdapter() : undefined);
        const adapter = a && { kind: a.kind, detail: a.detail };
        return new Execution(converted, opts.threads, set, { requested, provider, precision, fallbacks, placement, summary, adapter });
      } catch (err) {
        if (isAbort(err) || opts.signal?.aborted) throw err;
        if (!(err instanceof ProviderFailure)) throw err;
        fallbacks.push({ provider, stage: err.stage, graph: err.graph, error: err.message });
      }
    }
    const lines = fallbacks.map(describeAttempt).join('; ');
    const hint = requested !== 'auto' && requested !== 'cpu' ? ' Try --provider auto or cpu.' : '';
    const where = requested === 'auto' ? (precision === 'fp16' ? 'any GPU provider' : 'any provider') : requested;
    throw new Error(`cannot run this model${precision === 'fp16' ? ' in fp16' : ''} on ${where} (${lines}).${hint}`);
  }

  get provider(): ProviderName {
    return this.report_.provider;
  }

  get precision(): Precision {
    return this.report_.precision;
  }

  get report(): ExecutionReport {
    return this.report_;
  }

  /** A graph's session; it follows the model if it moves to the CPU. */
  session(role: GraphRole): GraphSession {
    let w = this.wrappers.get(role);
    if (!w) {
      w = { run: (feeds, fetches) => this.run(role, feeds, fetches) };
      this.wrappers.set(role, w);
    }
    return w;
  }

  private async run(role: GraphRole, feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Promise<Record<string, ort.Tensor>> {
    if (this.moving) await this.moving;
    const set = this.current;
    try {
      return await set[role].run(feeds, fetches);
    } catch (err) {
      if (this.report_.requested !== 'auto' || this.report_.provider === 'cpu' || isAbort(err)) throw err;
      // State this run was given may be on the GPU: bring it to the host for the CPU rerun.
      let host: Record<string, ort.Tensor> | undefined;
      let lost: unknown;
      try {
        host = await hostFeeds(feeds);
      } catch (e) {
        lost = e;
      }
      await this.moveToCpu(role, err);
      if (!host) throw lost;
      return this.current[role].run(host, fetches);
    }
  }

  private async moveToCpu(role: GraphRole, cause: unknown): Promise<void> {
    if (this.report_.provider === 'cpu') return;
    this.moving ??= (async () => {
      const from = this.report_.provider;
      // The CPU runs the float32 graphs: their state and outputs are float32 as the fp16 graphs' are, so a chunked run goes on.
      const { set, placement } = await openOn(this.converted, 'cpu', 'fp32', this.threads);
      const old = this.current;
      this.current = set;
      const was16 = this.report_.precision === 'fp16' ? ' (in fp16; the CPU runs fp32)' : '';
      this.report_.runtimeFallback = { from, graph: role, error: `${ortMessage(cause)}${was16}` };
      this.report_.fallbacks.push({ provider: from, stage: 'run', graph: role, error: `failed at run time${was16}: ${ortMessage(cause)}` });
      this.report_.provider = 'cpu';
      this.report_.precision = 'fp32';
      this.report_.placement = placement;
      this.report_.summary = describePlacement('cpu', mergePlacements(Object.values(placement)));
      await releaseAll(Object.values(old));
    })();
    try {
      await this.moving;
    } finally {
      this.moving = null;
    }
  }

  async release(): Promise<void> {
    if (this.moving) await this.moving.catch(() => undefined);
    await releaseAll(Object.values(this.current));
  }
}

export function describeAttempt(a: ProviderAttempt): string {
  const where = a.stage === 'skipped' ? 'skipped' : a.stage === 'create' ? `could not start ${a.graph}` : `failed running ${a.graph}`;
  return `${a.provider} ${where}: ${a.error}`;
}
