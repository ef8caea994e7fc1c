// `wfvae subbands`: multi-level causal Haar analysis of a clip, one labelled
// PNG grid of the 8 subbands per level for one frame, and energy.json.
import { resolve } from 'node:path';
import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { renderLevelGrid } from '../subband-grid';
import { decodeVideo, encodePngBytes } from '../../engine/video/index';
import { StagedOutput } from '../staged-output';
import { onTerminationSignal } from '../../hosting/interrupt';
import {
  fitForHaarLevels,
  maxLevelsAfterCrop,
  multiLevelHaar3d,
  ORTHONORMAL_HAAR3D_COEFFICIENT,
  TILE_NOTE,
  viewOfLevels,
} from '../../engine/wavelet/index';
import { COLORMAP_LEGEND } from '../../shared/colormap';
import { SUBBAND_3D_AXIS_ORDER, SUBBANDS_3D } from '../../shared/subbands';

const DEFAULT_LEVELS = 3;
/** Without --frames, decode at least this many frames (more if --frame needs them). */
const DEFAULT_MIN_FRAMES = 16;
const TILE_TITLE = 'TILES: LUMA (0.299 R + 0.587 G + 0.114 B) OF THE RGB SUBBANDS';

const help = `usage: wfvae subbands <video> --out DIR [--levels N] [--frame F] [--json] [video selection]

Multi-level causal 3D Haar analysis with WF-VAE's exact filters (orthonormal
coefficient 1/sqrt(8); each level transforms the previous level's LLL band).
Writes, into DIR:
  level-1.png ... level-N.png  the 8 subbands (${SUBBANDS_3D.join(' ')}) of the
                               coefficient frame covering frame F, as a 2 x 4 grid
  energy.json                  energy per level, per subband and per coefficient frame

  --out DIR     output folder (created if missing)
  --levels N    number of Haar levels (default ${DEFAULT_LEVELS}); N levels need
                1 + 2^N k frames and sides that are multiples of 2^N
  --frame F     frame of the decoded clip to show (default 0)
  --json        print a machine-readable summary on stdout

Without --frames, the first 1 + 2^N k frames covering max(${DEFAULT_MIN_FRAMES}, F) are decoded.
A clip that does not fit N levels is trimmed at the end and centre-cropped to
sides that are multiples of 2^N, with a note.

${SUBBAND_3D_AXIS_ORDER}
Colours: ${COLORMAP_LEGEND}
${TILE_NOTE}

${VIDEO_OPTIONS_HELP}`;

export const subbandsCommand: Command = {
  name: 'subbands',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json'])));
    const levels = flags.int('levels', { min: 1, max: 12 }) ?? DEFAULT_LEVELS;
    const frame = flags.int('frame', { min: 0 }) ?? 0;
    const outDir = flags.requiredString('out', 'the folder to write level-N.png and energy.json into');
    const json = flags.bool('json');
    const videoOpts = readVideoOptions(flags);
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) {
      throw new UsageError(`subbands takes exactly one video (got ${flags.positionals.length}); run wfvae subbands --help`);
    }
    const videoPath = flags.positionals[0];

    const step = 2 ** levels;
    const notes: string[] = [];
    if (videoOpts.frames === undefined) {
      const m = Math.max(4, step); // decodeVideo snaps to 1 + 4k
      videoOpts.frames = 1 + m * Math.ceil(Math.max(DEFAULT_MIN_FRAMES, frame) / m);
      notes.push(`no --frames given: decoding up to ${videoOpts.frames} frames`);
    }

    const abort = new AbortController();
    const stopListening = onTerminationSignal(() => abort.abort());
    let out: StagedOutput | undefined;
    try {
      const bar = progressBar('decoding');
      const clip = await decodeVideo(videoPath, { ...videoOpts, signal: abort.signal, onProgress: (d, t) => bar(d, t) });
      bar.finish();
      notes.push(...clip.notes);

      const [, decodedT, decodedH, decodedW] = clip.shape;
      const maxLevels = maxLevelsAfterCrop(decodedH, decodedW);
      if (levels > maxLevels) {
        throw new UsageError(
          `--levels ${levels} is too many for ${decodedW}x${decodedH} frames: at most ${maxLevels} (every level halves the sides); ` +
            `use --levels ${maxLevels} or less, or a larger --size`,
        );
      }
      const fitted = fitForHaarLevels({ data: clip.data, shape: clip.shape }, levels);
      notes.push(...fitted.notes);
      const video = fitted.video;
      const [, T, H, W] = video.shape;
      if (frame >= T) {
        throw new UsageError(
          `--frame ${frame} is out of range: the analysed clip has ${T} frames (0..${T - 1}); pick a smaller --frame or decode more with --frames`,
        );
      }
      if (frame === 0) {
        notes.push('frame 0 forms its coefficient frame with its own causal replica, so the temporal high-pass bands (H..) are exactly 0 there; use --frame 1 or later to see motion');
      }
      const work = progressBar('subbands');
      const total = levels + 2;
      work(0, total, 'analysis');
      const haar = multiLevelHaar3d(video, levels, { signal: abort.signal });
      work(1, total, 'tiles');
      const view = viewOfLevels(haar, T, frame);

      const dir = resolve(outDir);
      // Written all or nothing: the PNGs and energy.json appear together, or none of them.
      out = await StagedOutput.create(dir);
      for (const lv of view.levels) {
        abort.signal.throwIfAborted();
        const img = renderLevelGrid(lv, { levels, frame, tileNote: TILE_TITLE });
        await out.write(`level-${lv.level}.png`, await encodePngBytes(img.rgb, img.width, img.height));
        work(1 + lv.level, total, `level-${lv.level}.png`);
      }
      const report = {
        video: resolve(videoPath),
        decoded: { frames: decodedT, width: decodedW, height: decodedH, fps: clip.fps, frameIndices: clip.frameIndices },
        analysed: { frames: T, width: W, height: H, frameIndices: clip.frameIndices.slice(0, T) },
        transform: {
          levels,
          coefficient: ORTHONORMAL_HAAR3D_COEFFICIENT,
          subbands: [...SUBBANDS_3D],
          axisOrder: SUBBAND_3D_AXIS_ORDER,
          shapes: haar.map((l) => ({ level: l.level, subband: l.shape })),
        },
        frame,
        coefficientFrames: view.levels.map((l) => ({ level: l.level, coefficientFrame: l.coefficientFrame })),
        tiles: TILE_NOTE,
        colormap: COLORMAP_LEGEND,
        notes,
        energy: view.energy,
      };
      abort.signal.throwIfAborted();
      await out.write('energy.json', JSON.stringify(report, null, 2) + '\n');
      const files = await out.publish();
      work(total, total, 'energy.json');
      work.finish();

      const shares = view.energy.levels.map((l) => ({
        level: l.level,
        frames: l.frames,
        shares: Object.fromEntries(l.subbands.map((s) => [s.name, s.share])),
      }));
      if (json) {
        process.stdout.write(JSON.stringify({ files, frames: T, width: W, height: H, levels, frame, notes, energy: shares }, null, 2) + '\n');
      } else {
        for (const n of notes) process.stderr.write(`note: ${n}\n`);
        process.stdout.write(`${T} frames ${W}x${H}, ${levels} Haar levels, frame ${frame}\n`);
        process.stdout.write(`energy share per level (of that level's 8 subbands):\n`);
        process.stdout.write(`  level ${SUBBANDS_3D.map((s) => s.padStart(7)).join('')}\n`);
        for (const s of shares) {
          process.stdout.write(`  ${String(s.level).padStart(5)} ${SUBBANDS_3D.map((n) => `${(100 * s.shares[n]).toFixed(2)}%`.padStart(7)).join('')}\n`);
        }
        process.stdout.write(`wrote ${files.join(', ')}\n`);
      }
      return 0;
    } finally {
      await out?.discard();
      stopListening();
    }
  },
};
