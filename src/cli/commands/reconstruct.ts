import type { Command } from '../command';
import { Flags, parseArgs } from '../args';
import { UsageError } from '../errors';
import { progressBar } from '../progress';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, withInterrupt } from '../model-arg';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { decodeVideo, encodeMp4 } from '../../main/engine/video/index';
import { psnr, ssim } from '../../main/engine/metrics/index';
import type { Tensor } from '../../main/engine/tensor';

const help = `usage: wfvae reconstruct <video> [--model M] [video selection] [--provider P]
                    [--threads N] [--out rec.mp4] [--json]

Encodes the clip, decodes it from the latent mean (whole clip at once) and
reports how close the reconstruction is: PSNR (dB, over the whole clip's MSE)
and SSIM (mean over frames), the seconds taken and the execution provider.
The reconstruction is clipped to [-1, 1] before measuring, as any saved
video would be.

  --out F      also write the reconstruction as mp4 (the clip's frame rate)
  --json       print everything as JSON on stdout, with per-frame PSNR and SSIM

${MODEL_OPTIONS_HELP}

${VIDEO_OPTIONS_HELP}`;

function clipUnit(t: Tensor): Tensor {
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(-1, t.data[i]));
  return { data, shape: t.shape };
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

export const reconstructCommand: Command = {
  name: 'reconstruct',
  summary: 'encode + decode a video; print PSNR, SSIM, time and provider',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json'])));
    const model = readModelFlags(flags);
    const out = flags.string('out');
    const json = flags.bool('json');
    const videoOpts = readVideoOptions(flags);
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError(`reconstruct takes one video path (got ${flags.positionals.length}); usage: wfvae reconstruct <video> [--model M]`);
    if (out !== undefined && !out.endsWith('.mp4')) throw new UsageError(`--out must end in .mp4 (got ${out})`);
    const videoPath = flags.positionals[0];

    await withInterrupt(async (signal) => {
      const tStart = performance.now();
      const m = await openModel(model, signal);
      try {
        const bar = progressBar('decoding video');
        const clip = await decodeVideo(videoPath, { ...videoOpts, temporalMultiple: m.facts.temporalCompression, signal, onProgress: bar }).finally(() => bar.finish());
        if (!json) for (const n of clip.notes) process.stderr.write(`note: ${n}\n`);
        const input: Tensor = { data: clip.data, shape: clip.shape };
        process.stderr.write(`reconstructing ${clip.shape.slice(1).join('x')} (TxHxW) on ${m.provider}...\n`);
        const r = await m.reconstruct(input, { signal });
        const [, c, t, h, w] = r.video.shape;
        const rec = clipUnit({ data: r.video.data, shape: [c, t, h, w] });
        const p = psnr(input, rec);
        const s = ssim(input, rec);
        if (out) await encodeMp4(rec, out, { fps: clip.fps, signal });
        const totalSeconds = (performance.now() - tStart) / 1000;
        const report = {
          video: videoPath,
          model: m.dir,
          className: m.manifest.className,
          provider: m.provider,
          frames: t,
          height: h,
          width: w,
          latent: r.mean.shape,
          psnr: round(p.clip),
          ssim: round(s.clip, 5),
          encodeSeconds: round(r.encodeSeconds, 3),
          decodeSeconds: round(r.decodeSeconds, 3),
          totalSeconds: round(totalSeconds, 3),
          output: out ?? null,
          notes: clip.notes,
          perFrame: { psnr: p.perFrame.map((v) => round(v)), ssim: s.perFrame.map((v) => round(v, 5)), frameIndices: clip.frameIndices },
        };
        if (json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const rows: [string, string][] = [
          ['video', `${videoPath} (${t} frames, ${w}x${h})`],
          ['model', `${m.manifest.className} ${m.dir}`],
          ['provider', m.provider],
          ['latent', r.mean.shape.join('x')],
          ['PSNR', `${p.clip.toFixed(2)} dB`],
          ['SSIM', s.clip.toFixed(4)],
          ['seconds', `encode ${r.encodeSeconds.toFixed(2)}, decode ${r.decodeSeconds.toFixed(2)}, total ${totalSeconds.toFixed(2)} (with loading)`],
        ];
        if (out) rows.push(['output', out]);
        process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n')}\n`);
      } finally {
        await m.dispose();
      }
    });
  },
};
