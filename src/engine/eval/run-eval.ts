// `wfvae eval`: every clip of this shard through the model and the measures,
// one at a time, each finished clip journalled before the next starts; then
// the result files, built from the journal so that a resumed run writes
// exactly what an uninterrupted one would.
import { mkdir } from 'node:fs/promises';
import type { WfvaeModel } from '../runtime/model';
import type { ChunkSettings } from '../runtime/stream-model';
import { snapFrames } from '../video/index';
import { clipPath, type ClipList } from './clip-list';
import { evaluateSource, fileSource, tensorSource, type FrameSource, type ReferenceSaving } from './evaluate-clip';
import { flatProbeClip } from './grid-probe';
import { Journal } from './journal';
import type { LpipsNet } from './lpips';
import { decodeOptionsOf, type EvalProtocol } from './protocol';
import { REFERENCE_SAMPLE_FPS } from './reference/mp4v';
import { referenceFileSource } from './reference/source';
import { buildResults, failedRecord, okRecord, RESULTS_FORMAT, RESULTS_VERSION, sweepResultPartials, writeResults, type ClipRecord, type EvalHeader, type EvalResults } from './results';
import { shardIndices, type Shard } from './shard';
import { toolVersion } from './tool-version';

export interface EvalRunOptions {
  list: ClipList;
  outDir: string;
  model: WfvaeModel;
  protocol: EvalProtocol;
  chunking: ChunkSettings;
  levels: number;
  frequency: boolean;
  lpips: LpipsNet | null;
  shard: Shard | null;
  /** Also evaluate a flat-colour probe clip (shard 0 only), which exposes grid artefacts. */
  probe: boolean;
  /** --reference-io: keep each clip's mp4v copies in this folder (`<index>.origin.mp4`, `<index>.recon.mp4`). */
  keepMp4v?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: EvalProgress) => void;
  onClip?: (r: ClipRecord) => void;
}

export interface EvalProgress {
  /** Clips of this shard finished (resumed ones included), and how many it has. */
  done: number;
  total: number;
  resumed: number;
  clip: string | null;
  clipFramesDone: number;
  clipFrames: number;
  elapsedSeconds: number;
  /** From this session's pace; null until there is one. */
  etaSeconds: number | null;
}

export interface EvalRunResult {
  results: EvalResults;
  evaluated: number;
  resumed: number;
  seconds: number;
}

export function evalHeader(o: Pick<EvalRunOptions, 'list' | 'model' | 'protocol' | 'chunking' | 'levels' | 'frequency' | 'lpips' | 'shard' | 'probe'>): EvalHeader {
  const precision = o.model.precision === 'fp16' ? 'float16' : 'float32';
  // The protocol says the model's arithmetic as it ran (the reference's is bfloat16).
  const modelPrecision = o.protocol.pipeline === 'reference' ? `${precision} (the reference runs its model in bfloat16)` : precision;
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    tool: toolVersion(),
    model: { sha256: o.model.manifest.sha256, className: o.model.manifest.className },
    protocol: { ...o.protocol, modelPrecision },
    settings: {
      chunking: { ...o.chunking },
      levels: o.levels,
      frequency: o.frequency,
      lpips: o.lpips ? { file: o.lpips.info.file, sha256: o.lpips.info.sha256 } : null,
      probe: o.probe,
      precision,
    },
    dataset: { clips: o.list.clips.length, listSha256: o.list.sha256 },
    shard: o.shard ? { index: o.shard.index, count: o.shard.count } : null,
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown, signal?: AbortSignal) => signal?.aborted || (err as { name?: string })?.name === 'AbortError' || (err as { code?: string })?.code === 'cancelled';

export async function runEval(o: EvalRunOptions): Promise<EvalRunResult> {
  const t0 = performance.now();
  await mkdir(o.outDir, { recursive: true });
  await sweepResultPartials(o.outDir);
  const header = evalHeader(o);
  const journal = await Journal.open(o.outDir, header);
  try {
    const mine = shardIndices(o.list.clips.length, o.shard);
    const todo = mine.filter((i) => !journal.done.has(i));
    const resumed = mine.length - todo.length;
    const wantProbe = o.probe && (o.shard === null || o.shard.index === 0) && journal.probe === null;
    const total = mine.length + (o.probe && (o.shard === null || o.shard.index === 0) ? 1 : 0);
    let done = total - todo.length - (wantProbe ? 1 : 0);
    let finishedHere = 0;
    const tc = o.model.facts.temporalCompression;
    const progress = (clip: string | null, framesDone: number, frames: number) => {
      const elapsed = (performance.now() - t0) / 1000;
      const fraction = finishedHere + (frames > 0 ? framesDone / frames : 0);
      const remaining = total - done - (frames > 0 ? framesDone / frames : 0);
      o.onProgress?.({
        done,
        total,
        resumed,
        clip,
        clipFramesDone: framesDone,
        clipFrames: frames,
        elapsedSeconds: elapsed,
        etaSeconds: fraction > 0 ? (elapsed / fraction) * remaining : null,
      });
    };
    const evaluate = { protocol: o.protocol, chunking: o.chunking, levels: o.levels, frequency: o.frequency, lpips: o.lpips, signal: o.signal };

    if (wantProbe) {
      const T = snapFrames(o.protocol.frames ?? 33, tc);
      const side = o.protocol.size ?? 256;
      const { width, height } = o.protocol.crop ?? { width: side, height: side };
      const name = `probe:flat-colour ${width}x${height}x${T}`;
      progress(name, 0, T);
      const e = await evaluateSource(o.model, tensorSource(flatProbeClip(T, height, width), Math.max(1, o.chunking.encChunk)), {
        ...evaluate,
        onProgress: (d, n) => progress(name, d, n),
      });
      const rec = okRecord(-1, name, o.model.provider, e);
      await journal.appendProbe(rec);
      o.onClip?.(rec);
      done++;
      finishedHere++;
    }

    for (const index of todo) {
      o.signal?.throwIfAborted();
      const clip = o.list.clips[index];
      progress(clip, 0, 0);
      let rec: ClipRecord;
      try {
        const source = await clipSource(o, clip, tc);
        const want = o.protocol.frames === null ? null : snapFrames(o.protocol.frames, tc);
        if (o.protocol.exactFrames && want !== null && source.frames < want) {
          rec = failedRecord(index, clip, 'skipped', `only ${source.frames} of the ${want} frames the protocol takes (from frame ${o.protocol.start}, sample rate ${o.protocol.sampleRate}); ${o.protocol.preset === 'wfvae-paper' ? 'the reference refuses such clips ("video too short")' : 'the protocol takes exactly that many (--frames all takes every clip whole)'}`);
        } else {
          const saving = referenceSaving(o.protocol);
          if (saving && o.keepMp4v) saving.mp4vKeep = { dir: o.keepMp4v, stem: String(index) };
          const e = await evaluateSource(o.model, source, { ...evaluate, reference: saving, onProgress: (d, n) => progress(clip, d, n) });
          rec = okRecord(index, clip, o.model.provider, e);
        }
      } catch (err) {
        if (isAbort(err, o.signal)) throw err;
        rec = failedRecord(index, clip, 'failed', errorText(err));
      }
      await journal.append(rec);
      o.onClip?.(rec);
      done++;
      finishedHere++;
      progress(null, 0, 0);
    }

    const back = await journal.readBack();
    const ours = new Set(mine);
    const results = buildResults(header, back.records.filter((r) => ours.has(r.index)), back.probe);
    await writeResults(o.outDir, results);
    return { results, evaluated: todo.length, resumed, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await journal.close();
  }
}

/** A clip's frames as the protocol's pipeline reads them. */
async function clipSource(o: EvalRunOptions, clip: string, tc: 4 | 8): Promise<FrameSource> {
  const p = o.protocol;
  const chunkFrames = Math.max(1, o.chunking.mode === 'whole' ? 16 : o.chunking.encChunk);
  const path = clipPath(o.list, clip);
  if (p.pipeline === 'reference') {
    return referenceFileSource(path, {
      first: p.start * p.sampleRate,
      frames: p.frames === null ? null : snapFrames(p.frames, tc),
      temporalMultiple: tc,
      sampleRate: p.sampleRate,
      stageA: { size: p.size, crop: p.referenceCrop === 'eval' ? null : p.crop },
      chunkFrames,
      signal: o.signal,
    });
  }
  return fileSource(path, { ...decodeOptionsOf(p), temporalMultiple: tc, chunkFrames, signal: o.signal });
}

export function referenceSaving(p: EvalProtocol): ReferenceSaving | null {
  if (p.pipeline !== 'reference') return null;
  return { stageB: { size: p.size, crop: p.crop }, mp4vFps: p.referenceIo ? REFERENCE_SAMPLE_FPS / p.sampleRate : null };
}
