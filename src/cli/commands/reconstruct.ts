import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, withInterrupt } from '../model-arg';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { decodeVideo, encodeMp4, planDecode, probeVideo } from '../../engine/video/index';
import { psnr, ssim } from '../../engine/metrics/index';
import type { Tensor } from '../../engine/tensor';
import { reconstructFile } from '../../engine/runtime/stream-reconstruct';
import { announcePlan, CHUNK_BOOLEAN_FLAGS, CHUNK_OPTIONS_HELP, chunkProgress, planJson, planRun, readChunkFlags } from '../chunk-options';
import { recordRun } from '../calibration';
import { SteadyPace } from '../../engine/plan/calibration';
import { executionJson } from '../execution-report';
import { ClipFrequency, clipFrequency, type ClipFrequencyReport } from '../../engine/eval/clip-frequency';
import { concatFrames } from '../../engine/runtime/stream-frames';
import { deviationOf, type Deviation } from '../../engine/runtime/stream-model';
import { BlockDeviation, describePrecision, fp32Twin, precisionJson, precisionReport, PRECISION_HELP, readPrecision } from '../precision';

const help = `usage: wfvae reconstruct <video> [--model M] [video selection] [--provider P]
                    [--threads N] [--whole | --enc-chunk N --dec-chunk M [--naive]]
                    [--memory-budget SIZE] [--out rec.mp4] [--json] [--precision fp32|fp16]

Encodes the clip, decodes it from the latent mean and reports how close the
reconstruction is: PSNR (dB, over the whole clip's MSE) and SSIM (mean over
frames), the seconds taken, where it ran, and the peak memory beside the
estimate stated before the run.
By default the clip streams from the file through the encoder and decoder
chunk by chunk (Causal Cache, equal to whole-clip inference) into the mp4,
in memory that does not grow with its length; --whole runs it in one pass.
The reconstruction is clipped to [-1, 1] before measuring, as any saved
video would be.

  --out F      also write the reconstruction as mp4 (the clip's frame rate)
  --json       print everything as JSON on stdout, with per-frame PSNR and SSIM
               and the frequency diagnostics: error energy per Haar level and
               subband (per coefficient frame), WL consistency of encoder vs
               decoder wavelet coefficients (whole-clip runs), the radial
               spectrum of the error and the 8x8 grid phase map
  --levels N   Haar levels of the frequency diagnostics (default 3)

${CHUNK_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}

${PRECISION_HELP}
                   (reconstruct compares the reconstructions as written, clipped to [-1, 1];
                   a chunked fp16 run holds its reconstruction in memory for that)

${VIDEO_OPTIONS_HELP}`;

function clipUnit(t: Tensor): Tensor {
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(-1, t.data[i]));
  return { data, shape: t.shape };
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

export const reconstructCommand: Command = {
  name: 'reconstruct',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json', ...CHUNK_BOOLEAN_FLAGS])));
    const model = readModelFlags(flags);
    const out = flags.string('out');
    const json = flags.bool('json');
    const levels = flags.int('levels', { min: 1, max: 8 }) ?? 3;
    const videoOpts = readVideoOptions(flags);
    const chunking = readChunkFlags(flags);
    const precision = readPrecision(flags);
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError(`reconstruct takes one video path (got ${flags.positionals.length}); usage: wfvae reconstruct <video> [--model M]`);
    if (out !== undefined && !out.endsWith('.mp4')) throw new UsageError(`--out must end in .mp4 (got ${out})`);
    const videoPath = flags.positionals[0];

    await withInterrupt(async (signal) => {
      const tStart = performance.now();
      const m = await openModel(model, signal, json, precision);
      try {
        const tc = m.facts.temporalCompression;
        const decodePlan = planDecode(await probeVideo(videoPath, { signal }), { ...videoOpts, temporalMultiple: tc, maxVoxels: Infinity });
        const plan = await planRun(chunking, m, { frames: decodePlan.frames, height: decodePlan.height, width: decodePlan.width }, 'reconstruct', json, signal);
        announcePlan(plan, m.facts, json);
        const tRun = performance.now();
        const pace = new SteadyPace();
        const settings = plan.settings;
        let rec: { psnr: { clip: number; perFrame: number[] }; ssim: { clip: number; perFrame: number[] }; frames: number; height: number; width: number; notes: string[]; frameIndices: number[] };
        let latent: number[];
        let encodeSeconds: number | null = null;
        let decodeSeconds: number | null = null;
        let deviation: { maxAbs: number; psnr: number } | undefined;
        let frequency: ClipFrequencyReport | null = null;
        let fromFp32: Deviation | null = null;
        // The run itself, before an fp16 run's fp32 twin (which only measures fp16's deviation).
        let ranSeconds = 0;
        if (settings.mode === 'whole') {
          const bar = progressBar('decoding video');
          // The plan above already checked the clip against the memory budget.
          const clip = await decodeVideo(videoPath, { ...videoOpts, temporalMultiple: tc, maxVoxels: Infinity, signal, onProgress: bar }).finally(() => bar.finish());
          if (!json) for (const n of clip.notes) process.stderr.write(`note: ${n}\n`);
          const input: Tensor = { data: clip.data, shape: clip.shape };
          if (!json) process.stderr.write(`reconstructing ${clip.shape.slice(1).join('x')} (TxHxW) on ${m.provider}...\n`);
          const r = await m.reconstruct(input, { signal, taps: json });
          const [, c, t, h, w] = r.video.shape;
          const video = clipUnit({ data: r.video.data, shape: [c, t, h, w] });
          const p = psnr(input, video);
          const s = ssim(input, video);
          if (json) frequency = await clipFrequency(input, video, levels, r.taps, signal);
          if (out) await encodeMp4(video, out, { fps: clip.fps, signal });
          ranSeconds = (performance.now() - tRun) / 1000;
          const twin = await fp32Twin(m, model, signal);
          if (twin) {
            if (!json) process.stderr.write(`reconstructing again in fp32 on ${twin.provider} to measure fp16...\n`);
            try {
              const r32 = await twin.reconstruct(input, { signal });
              fromFp32 = deviationOf(video, clipUnit({ data: r32.video.data, shape: [c, t, h, w] }));
            } finally {
              await twin.dispose();
            }
          }
          rec = { psnr: p, ssim: s, frames: t, height: h, width: w, notes: clip.notes, frameIndices: clip.frameIndices };
          latent = [...r.mean.shape];
          encodeSeconds = r.encodeSeconds;
          decodeSeconds = r.decodeSeconds;
        } else {
          const progress = chunkProgress(settings);
          // Frames of the chunked run stream past the frequency measures; taps are not fetched in this mode.
          const f = json ? new ClipFrequency(decodePlan.frames, decodePlan.height, decodePlan.width, levels, [], signal) : null;
          // fp16: the reconstruction is kept to measure it against fp32 afterwards.
          const kept: Tensor[] | null = m.precision === 'fp16' ? [] : null;
          const onChunk = (o: Tensor, r: Tensor, first: number) => {
            f?.push(o, r);
            kept?.push({ data: r.data, shape: [1, ...r.shape] });
            pace.mark((first + r.shape[1]) * r.shape[2] * r.shape[3]);
          };
          const r = await reconstructFile(m, videoPath, videoOpts, settings, { outPath: out, signal, onProgress: progress, onChunk }).finally(() => progress.finish());
          frequency = f ? f.report() : null;
          ranSeconds = (performance.now() - tRun) / 1000;
          const twin = kept ? await fp32Twin(m, model, signal) : null;
          if (twin && kept) {
            const dev = new BlockDeviation(concatFrames(kept));
            kept.length = 0;
            const bar = chunkProgress(settings);
            try {
              await reconstructFile(twin, videoPath, videoOpts, settings, { signal, onProgress: bar, measureDeviation: false, onChunk: (_o, r32, first) => dev.add(r32, first) }).finally(() => bar.finish());
            } finally {
              await twin.dispose();
            }
            fromFp32 = dev.result();
          }
          if (!json) for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
          rec = r;
          deviation = r.deviation;
          latent = [1, m.facts.latentChannels, 1 + (r.frames - 1) / tc, r.height / m.facts.spatialCompression, r.width / m.facts.spatialCompression];
        }
        const { psnr: p, ssim: s, frames: t, height: h, width: w } = rec;
        const totalSeconds = (performance.now() - tStart) / 1000;
        // Recorded under the model's precision (calibration keys carry it); the fp32 twin's time is left out.
        await recordRun(m, plan, h * w, ranSeconds, `reconstruct of ${t}x${h}x${w}${out ? ' to mp4' : ''}${m.precision === 'fp16' ? ' in fp16' : ''}`, pace.result());
        // getrusage's maxrss (KiB on Linux): the peak of this process, ffmpeg children excluded.
        const peakRssMB = process.resourceUsage().maxRSS / 1024;
        const prec = precisionReport(m, precision, fromFp32);
        const report = {
          video: videoPath,
          model: m.dir,
          className: m.manifest.className,
          provider: m.provider,
          execution: executionJson(m),
          precision: precisionJson(prec),
          chunking: settings.mode === 'whole' ? { mode: 'whole' } : settings,
          memory: { ...planJson(plan), peakRssBytes: Math.round(peakRssMB * 1024 * 1024) },
          frames: t,
          height: h,
          width: w,
          latent,
          psnr: round(p.clip),
          ssim: round(s.clip, 5),
          encodeSeconds: encodeSeconds === null ? null : round(encodeSeconds, 3),
          decodeSeconds: decodeSeconds === null ? null : round(decodeSeconds, 3),
          totalSeconds: round(totalSeconds, 3),
          peakRssMB: round(peakRssMB, 1),
          deviationFromWhole: deviation ? { maxAbs: deviation.maxAbs, psnr: round(deviation.psnr) } : null,
          output: out ?? null,
          notes: rec.notes,
          perFrame: { psnr: p.perFrame.map((v) => round(v)), ssim: s.perFrame.map((v) => round(v, 5)), frameIndices: rec.frameIndices },
          frequency,
        };
        if (json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const rows: [string, string][] = [
          ['video', `${videoPath} (${t} frames, ${w}x${h})`],
          ['model', `${m.manifest.className} ${m.dir}`],
          ['provider', m.execution.summary],
          ...(precision === 'fp16' ? ([['precision', describePrecision(prec, 'reconstruction')]] as [string, string][]) : []),
          ['latent', latent.join('x')],
          ['chunking', settings.mode === 'whole' ? 'whole clip' : `${settings.mode}: encoder ${settings.encChunk} frames, decoder ${settings.decChunk} latent frames`],
          ['PSNR', `${p.clip.toFixed(2)} dB`],
          ['SSIM', s.clip.toFixed(4)],
          ['seconds', encodeSeconds !== null && decodeSeconds !== null ? `encode ${encodeSeconds.toFixed(2)}, decode ${decodeSeconds.toFixed(2)}, total ${totalSeconds.toFixed(2)} (with loading)` : `total ${totalSeconds.toFixed(2)} (with loading)`],
          ['memory', `peak RSS ${peakRssMB.toFixed(0)} MB (estimated ${(plan.estimate.totalBytes / 2 ** 20).toFixed(0)} MB before the run)`],
          ['time', `${((performance.now() - tRun) / 1000).toFixed(1)} s for the run (estimated ${plan.time ? `${plan.time.seconds.toFixed(1)} s` : 'nothing'} before it)`],
          ...(deviation ? ([['deviation', `from whole-clip inference: max |d| ${deviation.maxAbs.toExponential(2)}, PSNR ${deviation.psnr.toFixed(2)} dB`]] as [string, string][]) : []),
        ];
        if (out) rows.push(['output', out]);
        process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n')}\n`);
      } finally {
        await m.dispose();
      }
    });
  },
};
