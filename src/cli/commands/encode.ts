import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, withInterrupt } from '../model-arg';
import { parseTensorRef, readTensorRef, writeTensors } from '../tensor-arg';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { decodeVideo } from '../../engine/video/index';
import { encodeWith } from '../../engine/runtime/stream-model';
import { recordRun } from '../calibration';
import { announcePlan, CHUNK_BOOLEAN_FLAGS, CHUNK_OPTIONS_HELP, chunkProgress, planRun, readChunkFlags } from '../chunk-options';
import type { Tensor } from '../../engine/tensor';
import { describePrecision, measureAgainstFp32, precisionReport, PRECISION_HELP, readPrecision } from '../precision';

const help = `usage: wfvae encode (--video V [video selection] | --tensor FILE:NAME) --out OUT.safetensors
                    [--taps] [--enc-chunk N [--naive]] [--model M] [--provider P] [--threads N]
                    [--precision fp32|fp16]

Encodes a clip to the latent: writes tensors "mean" and "logvar"
(1, C, t, h, w) to OUT.safetensors; with --taps also every encoder tap
(energy-flow coefficients and inflow outputs) under its name.

input (one of):
  --video V        a video file, decoded to RGB in [-1, 1]
  --tensor F:N     tensor N of safetensors file F, shape (1,3,T,H,W) or (3,T,H,W), in [-1, 1]
  --out OUT        output .safetensors file
  --taps           also write the taps

${CHUNK_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}

${PRECISION_HELP}

${VIDEO_OPTIONS_HELP}`;

export const encodeCommand: Command = {
  name: 'encode',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['taps', ...CHUNK_BOOLEAN_FLAGS])));
    const model = readModelFlags(flags);
    const videoPath = flags.string('video');
    const tensorArg = flags.string('tensor');
    const out = flags.requiredString('out', 'the .safetensors file to write mean and logvar to');
    const taps = flags.bool('taps');
    const videoOpts = readVideoOptions(flags);
    const chunking = readChunkFlags(flags);
    const precision = readPrecision(flags);
    flags.assertAllUsed();
    if (flags.positionals.length) throw new UsageError(`encode takes no positional arguments (got ${flags.positionals.join(' ')}); pass the input with --video or --tensor`);
    if ((videoPath === undefined) === (tensorArg === undefined)) throw new UsageError('pass exactly one input: --video <file> or --tensor <file.safetensors:name>');
    if (tensorArg !== undefined && Object.keys(videoOpts).length) throw new UsageError('--start, --frames, --sample-rate and --size apply to --video only');
    if (!out.endsWith('.safetensors')) throw new UsageError(`--out must name a .safetensors file (got ${out})`);
    const tensorRef = tensorArg !== undefined ? parseTensorRef(tensorArg, 'tensor') : undefined;

    await withInterrupt(async (signal) => {
      const m = await openModel(model, signal, false, precision);
      try {
        let input: Tensor;
        if (tensorRef) {
          input = await readTensorRef(tensorRef);
        } else {
          const bar = progressBar('decoding video');
          const clip = await decodeVideo(videoPath!, { ...videoOpts, temporalMultiple: m.facts.temporalCompression, signal, onProgress: bar }).finally(() => bar.finish());
          for (const n of clip.notes) process.stderr.write(`note: ${n}\n`);
          input = { data: clip.data, shape: clip.shape };
        }
        const [t, h, w] = input.shape.slice(-3);
        const plan = await planRun(chunking, m, { frames: t, height: h, width: w }, 'encode', false, signal);
        announcePlan(plan, m.facts, false);
        const t0 = performance.now();
        const progress = chunkProgress(plan.settings);
        const r = await encodeWith(m, input, plan.settings, { taps, signal, onProgress: progress }).finally(() => progress.finish());
        if (r.deviation) process.stderr.write(`measured deviation from whole-clip inference: max |d| ${r.deviation.maxAbs.toExponential(2)}, PSNR ${r.deviation.psnr.toFixed(2)} dB\n`);
        const seconds = (performance.now() - t0) / 1000;
        await recordRun(m, plan, h * w, seconds, `encode of ${t}x${h}x${w}`);
        await writeTensors(out, { mean: r.mean, logvar: r.logvar, ...(r.taps ?? {}) }, { model_sha256: m.manifest.sha256, provider: m.provider, precision: m.precision }, signal);
        process.stderr.write(`encoded ${input.shape.join('x')} -> mean ${r.mean.shape.join('x')} in ${seconds.toFixed(2)} s on ${m.provider}${m.precision === 'fp16' ? ' in fp16' : ''}; wrote ${out}\n`);
        if (precision === 'fp16') {
          const dev = await measureAgainstFp32(m, model, signal, r.mean, async (twin) => (await encodeWith(twin, input, plan.settings, { signal })).mean);
          process.stderr.write(`precision: ${describePrecision(precisionReport(m, precision, dev), 'mean')}\n`);
        }
      } finally {
        await m.dispose();
      }
    });
  },
};
