// wfvae compare: whole-clip vs Causal Cache vs naive chunking, per output frame.
import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { onTerminationSignal } from '../../hosting/interrupt';
import { progressBar } from '../../hosting/progress';
import { announcePlan, planComparison, planJson } from '../chunk-options';
import { recordRun } from '../calibration';
import { executionJson } from '../execution-report';
import { parseBytes } from '../../engine/runtime/memory-plan';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags } from '../model-arg';
import { parseTensorRef, readTensorRef } from '../tensor-arg';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { decodeVideo } from '../../engine/video/index';
import { compareChunking, CACHED_TOLERANCE, type CompareResult } from '../../engine/runtime/stream-compare';
import type { Tensor } from '../../engine/tensor';
import { describePrecision, measureAgainstFp32, precisionJson, precisionReport, PRECISION_HELP, readPrecision, type PrecisionReport } from '../precision';
import { decodeWith, encodeWith } from '../../engine/runtime/stream-model';

const HELP = `usage: wfvae compare <video | --tensor FILE:NAME> [--model M] --enc-chunk N --dec-chunk M [--json]
                     [--precision fp32|fp16]

Runs the clip three ways — whole clip, Causal Cache chunks, naive chunks — and
prints, for every output frame, the max abs difference and PSNR of cached and
naive against whole-clip inference, with chunk boundaries marked (E: an encoder
run starts, D: a decoder chunk starts). --tensor takes a video tensor
(1,3,T,H,W) in [-1,1], or latents (1,L,t,h,w) for a decoder-only comparison.
Exits 1 when cached chunking deviates beyond ${CACHED_TOLERANCE} on a model whose
layers are all causal.

  --enc-chunk N    encoder chunk in video frames (default 8)
  --dec-chunk M    decoder chunk in latent frames (default 2)
  --json           machine-readable result on stdout
  --memory-budget SIZE  peak memory the comparison may plan for, e.g. 4G; it holds the
                   whole-clip run and two more reconstructions, and is refused with its
                   estimate when they would not fit (default: 75% of the memory available)

${VIDEO_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}

${PRECISION_HELP}
                   (compare runs all three ways in fp16 and measures the whole clip against fp32)`;

const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(2));
const db = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'inf');

function table(r: CompareResult, precision: PrecisionReport | null): string {
  const enc = new Set(r.boundaries.encoder);
  const dec = new Set(r.boundaries.decoder);
  const lines = [`frame  seam  cached max|d|  cached PSNR  naive max|d|  naive PSNR`];
  for (let t = 0; t < r.frames; t++) {
    const mark = `${enc.has(t) ? 'E' : ' '}${dec.has(t) ? 'D' : ' '}`;
    const c = r.cached.perFrame[t];
    const n = r.naive.perFrame[t];
    lines.push(`${String(t).padStart(5)}  ${mark.padEnd(4)}  ${fmt(c.maxAbs).padStart(13)}  ${db(c.psnr).padStart(11)}  ${fmt(n.maxAbs).padStart(12)}  ${db(n.psnr).padStart(10)}`);
  }
  lines.push(
    '',
    `cached vs whole: max |d| ${fmt(r.cached.maxAbs)}, PSNR ${db(r.cached.psnr)} dB — ${r.cachedExact ? 'equal within ' + CACHED_TOLERANCE : 'NOT equal'}`,
    `naive  vs whole: max |d| ${fmt(r.naive.maxAbs)}, PSNR ${db(r.naive.psnr)} dB`,
    `model: ${r.verdict.message}`,
    `seconds: whole ${r.seconds.whole.toFixed(2)}, cached ${r.seconds.cached.toFixed(2)}, naive ${r.seconds.naive.toFixed(2)}`,
  );
  if (precision) lines.push(`precision: ${describePrecision(precision, 'whole-clip video')}`);
  return lines.join('\n');
}

export const compareCommand: Command = {
  name: 'compare',
  help: HELP,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json'])));
    const json = flags.bool('json');
    const tensorArg = flags.string('tensor');
    const video = readVideoOptions(flags);
    const modelFlags = readModelFlags(flags);
    const encChunk = flags.int('enc-chunk', { min: 1, max: 100_000 }) ?? 8;
    const decChunk = flags.int('dec-chunk', { min: 1, max: 100_000 }) ?? 2;
    const budgetText = flags.string('memory-budget');
    const precision = readPrecision(flags);
    let budgetBytes: number | undefined;
    try {
      budgetBytes = budgetText === undefined ? undefined : parseBytes(budgetText, '--memory-budget');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    flags.assertAllUsed();
    const [path, ...extra] = flags.positionals;
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    if (!path === !tensorArg) throw new UsageError('give a video path or --tensor FILE:NAME (one of the two)');

    const ac = new AbortController();
    const stopListening = onTerminationSignal(() => ac.abort());
    const model = await openModel(modelFlags, ac.signal, json, precision).catch((e: unknown) => {
      stopListening();
      throw e;
    });
    try {
      let input: Tensor;
      if (tensorArg) {
        input = await readTensorRef(parseTensorRef(tensorArg, 'tensor'));
      } else {
        const bar = progressBar('decoding video');
        const clip = await decodeVideo(path as string, { ...video, temporalMultiple: model.facts.temporalCompression, signal: ac.signal, onProgress: bar });
        bar.finish();
        for (const n of clip.notes) process.stderr.write(`note: ${n}\n`);
        input = { data: clip.data, shape: [1, ...clip.shape] };
      }
      const [t, h, w] = input.shape.slice(-3);
      const f = model.facts;
      // A latent (decoder-only comparison) stands for the clip it decodes to.
      const clip = input.shape[1] === 3 ? { frames: t, height: h, width: w } : { frames: 1 + (t - 1) * f.temporalCompression, height: h * f.spatialCompression, width: w * f.spatialCompression };
      const plan = await planComparison(model, clip, budgetBytes, 2, json, ac.signal);
      announcePlan(plan, model.facts, json);
      const t0 = performance.now();
      const bar = progressBar('running whole / cached / naive');
      let step = 0;
      const r = await compareChunking(model, input, { encChunk, decChunk }, { signal: ac.signal, onProgress: () => bar(++step, step + 1), keepVideos: precision === 'fp16' });
      bar.finish();
      await recordRun(model, plan, clip.height * clip.width, (performance.now() - t0) / 1000, `comparison of ${clip.frames}x${clip.height}x${clip.width}`);
      let prec: PrecisionReport | null = null;
      if (precision === 'fp16') {
        if (!json) process.stderr.write(`running the whole clip again in fp32 on ${model.provider} to measure fp16...\n`);
        const whole = r.videos!.whole;
        delete r.videos;
        const x: Tensor = input.shape.length === 4 ? { data: input.data, shape: [1, ...input.shape] } : input;
        const dev = await measureAgainstFp32(model, modelFlags, ac.signal, whole, async (twin) => {
          const s = { mode: 'whole' as const, encChunk, decChunk };
          const latent = r.input === 'latent' ? x : (await encodeWith(twin, x, s, { signal: ac.signal })).mean;
          return (await decodeWith(twin, latent, s, { signal: ac.signal })).video;
        });
        prec = precisionReport(model, precision, dev);
      }
      if (json) {
        process.stdout.write(JSON.stringify({ ...r, provider: model.provider, execution: executionJson(model), ...(prec ? { precision: precisionJson(prec) } : {}), memory: planJson(plan), tolerance: CACHED_TOLERANCE }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n');
      } else {
        process.stdout.write(table(r, prec) + '\n');
      }
      return model.facts.causalSafe && !r.cachedExact ? 1 : 0;
    } finally {
      await model.dispose();
      stopListening();
    }
  },
};
