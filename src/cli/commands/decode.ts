import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, withInterrupt } from '../model-arg';
import { decodeWith } from '../../engine/runtime/stream-model';
import { recordRun } from '../calibration';
import { announcePlan, CHUNK_BOOLEAN_FLAGS, CHUNK_OPTIONS_HELP, chunkProgress, planRun, readChunkFlags } from '../chunk-options';
import { parseTensorRef, readTensorRef, writeTensors } from '../tensor-arg';
import { encodeMp4 } from '../../engine/video/index';
import { describePrecision, measureAgainstFp32, precisionReport, PRECISION_HELP, readPrecision } from '../precision';

const help = `usage: wfvae decode --latents FILE:NAME --out OUT(.safetensors|.mp4)
                    [--taps] [--fps N] [--model M] [--provider P] [--threads N]
                    [--precision fp32|fp16]

Decodes a latent (1, C, t, h, w) or (C, t, h, w) to video. To .safetensors it
writes tensor "video" (1, 3, T, H, W), raw model output (about [-1, 1]), and
with --taps every decoder tap under its name; to .mp4 an H.264 video
(values clipped to [-1, 1]).

  --latents F:N    tensor N of safetensors file F (e.g. enc.safetensors:mean)
  --out OUT        .safetensors or .mp4
  --taps           also write the taps (.safetensors only)
  --fps N          frame rate of the mp4 (default 24)

${CHUNK_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}

${PRECISION_HELP}`;

export const decodeCommand: Command = {
  name: 'decode',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['taps', ...CHUNK_BOOLEAN_FLAGS])));
    const model = readModelFlags(flags);
    const latents = parseTensorRef(flags.requiredString('latents', 'the latent to decode, as FILE:NAME (e.g. enc.safetensors:mean)'), 'latents');
    const out = flags.requiredString('out', 'the .safetensors or .mp4 file to write');
    const taps = flags.bool('taps');
    const fps = flags.int('fps', { min: 1, max: 240 });
    const chunking = readChunkFlags(flags);
    const precision = readPrecision(flags);
    flags.assertAllUsed();
    if (flags.positionals.length) throw new UsageError(`decode takes no positional arguments (got ${flags.positionals.join(' ')})`);
    const mp4 = out.endsWith('.mp4');
    if (!mp4 && !out.endsWith('.safetensors')) throw new UsageError(`--out must end in .safetensors or .mp4 (got ${out})`);
    if (mp4 && taps) throw new UsageError('--taps needs a .safetensors output; an mp4 holds only the video');
    if (!mp4 && fps !== undefined) throw new UsageError('--fps applies to .mp4 output only');

    await withInterrupt(async (signal) => {
      const latent = await readTensorRef(latents);
      const m = await openModel(model, signal, false, precision);
      try {
        const [lt, lh, lw] = latent.shape.slice(-3);
        const f = m.facts;
        const clip = { frames: 1 + (lt - 1) * f.temporalCompression, height: lh * f.spatialCompression, width: lw * f.spatialCompression };
        const plan = await planRun(chunking, m, clip, 'decode', false, signal);
        announcePlan(plan, m.facts, false);
        const t0 = performance.now();
        const progress = chunkProgress(plan.settings);
        const r = await decodeWith(m, latent, plan.settings, { taps, signal, onProgress: progress }).finally(() => progress.finish());
        if (r.deviation) process.stderr.write(`measured deviation from whole-clip inference: max |d| ${r.deviation.maxAbs.toExponential(2)}, PSNR ${r.deviation.psnr.toFixed(2)} dB\n`);
        const seconds = (performance.now() - t0) / 1000;
        await recordRun(m, plan, clip.height * clip.width, seconds, `decode of ${clip.frames}x${clip.height}x${clip.width}`);
        if (mp4) {
          const [, c, t, h, w] = r.video.shape;
          await encodeMp4({ data: r.video.data, shape: [c, t, h, w] }, out, { fps: fps ?? 24, signal });
        } else {
          await writeTensors(out, { video: r.video, ...(r.taps ?? {}) }, { model_sha256: m.manifest.sha256, provider: m.provider, precision: m.precision }, signal);
        }
        process.stderr.write(`decoded ${latent.shape.join('x')} -> video ${r.video.shape.join('x')} in ${seconds.toFixed(2)} s on ${m.provider}${m.precision === 'fp16' ? ' in fp16' : ''}; wrote ${out}\n`);
        if (precision === 'fp16') {
          const dev = await measureAgainstFp32(m, model, signal, r.video, async (twin) => (await decodeWith(twin, latent, plan.settings, { signal })).video);
          process.stderr.write(`precision: ${describePrecision(precisionReport(m, precision, dev), 'video')}\n`);
        }
      } finally {
        await m.dispose();
      }
    });
  },
};
