// --enc-chunk / --dec-chunk / --naive, shared by encode, decode, reconstruct and compare.
import type { Flags } from './args';
import { progressBar } from './progress';
import { UsageError } from './errors';
import { chunkingVerdict, type ChunkSettings } from '../main/engine/runtime/stream-model';
import type { ModelFacts } from '../main/engine/checkpoint/index';

export const CHUNK_OPTIONS_HELP = `chunking (default: whole clip in one pass):
  --enc-chunk N    encode N video frames at a time with the Causal Cache (any N >= 1;
                   frames short of a latent frame wait for the next chunk)
  --dec-chunk M    decode M latent frames at a time with the Causal Cache (any M >= 1)
  --naive          chunk naively instead: every chunk a fresh clip (shows the flicker)`;

/** Defaults when only one side is chunked: the other runs in chunks too, of these sizes. */
const DEFAULT_ENC_CHUNK = 8;
const DEFAULT_DEC_CHUNK = 2;

export function readChunkFlags(flags: Flags): ChunkSettings {
  const encChunk = flags.int('enc-chunk', { min: 1, max: 100_000 });
  const decChunk = flags.int('dec-chunk', { min: 1, max: 100_000 });
  const naive = flags.bool('naive');
  const chunked = encChunk !== undefined || decChunk !== undefined || naive;
  return {
    mode: !chunked ? 'whole' : naive ? 'naive' : 'cached',
    encChunk: encChunk ?? DEFAULT_ENC_CHUNK,
    decChunk: decChunk ?? DEFAULT_DEC_CHUNK,
  };
}

/** Says, before a chunked run, whether it can be exact for this model. */
export function announceChunking(s: ChunkSettings, facts: ModelFacts, quiet: boolean): void {
  if (s.mode === 'whole' || quiet) return;
  const v = chunkingVerdict(facts, s.mode);
  process.stderr.write(`chunking: encoder ${s.encChunk} frames, decoder ${s.decChunk} latent frames; ${v.message}\n`);
}

export function requireChunked(s: ChunkSettings, command: string): void {
  if (s.mode === 'whole') throw new UsageError(`${command} needs --enc-chunk and/or --dec-chunk`);
}

/** A progress bar per stage (encode, decode) of a chunked run; silent for whole-clip runs. */
export function chunkProgress(s: ChunkSettings): ((p: { stage: string; done: number; total: number }) => void) & { finish(): void } {
  let stage = '';
  let bar: ReturnType<typeof progressBar> | null = null;
  const sink = ((p: { stage: string; done: number; total: number }) => {
    if (s.mode === 'whole') return;
    if (p.stage !== stage) {
      bar?.finish();
      stage = p.stage;
      bar = progressBar(`${p.stage === 'encode' ? 'encoding' : 'decoding'} (${s.mode} chunks)`);
    }
    bar?.(p.done, p.total);
  }) as ((p: { stage: string; done: number; total: number }) => void) & { finish(): void };
  sink.finish = () => bar?.finish();
  return sink;
}
