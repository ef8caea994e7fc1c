// Files the user takes away: the reconstruction as mp4, original | reconstruction
// side by side, the difference heatmap as mp4, the latent as safetensors and the
// metrics as CSV / JSON. Each is written into the session's private folder and
// handed out by id: Electron's main process copies it where the Save dialog
// says, serve mode streams it as a download.
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, ERROR_CODES } from '../../shared/contract';
import { diffHeatmap } from '../../shared/diff-heatmap';
import type { DiffSettings, ExportFile, ExportKind } from '../../shared/workflow-contract';
import { writeSafetensors } from '../checkpoint/index';
import type { Tensor } from '../tensor';
import { createMp4Writer } from '../video/index';
import { rgb24IntoPlanar } from '../video/rgb';
import type { FramePair } from './frame-pairs';
import { metricsCsv, metricsJson, type MetricsReport } from './metrics-report';

/** What can be exported from one result (a clip's reconstruction or a whole video's). */
export interface ExportSubject {
  /** File name stem, e.g. "clip-f100-196". */
  stem: string;
  pair: FramePair;
  latent(): Promise<Tensor>;
  metrics: MetricsReport;
  /** An mp4 of the reconstruction that already exists (whole-video runs write one as they go). */
  reconstructionMp4?: string;
}

interface Prepared extends ExportFile {
  path: string;
}

const MIME: Record<ExportKind, string> = {
  'reconstruction-mp4': 'video/mp4',
  'side-by-side-mp4': 'video/mp4',
  'diff-mp4': 'video/mp4',
  latents: 'application/octet-stream',
  'metrics-csv': 'text/csv',
  'metrics-json': 'application/json',
};

const SUFFIX: Record<ExportKind, string> = {
  'reconstruction-mp4': 'reconstruction.mp4',
  'side-by-side-mp4': 'side-by-side.mp4',
  'diff-mp4': 'diff.mp4',
  latents: 'latent.safetensors',
  'metrics-csv': 'metrics.csv',
  'metrics-json': 'metrics.json',
};

/** Frames per block read while writing a video export. */
const BLOCK = 8;

export class ExportStore {
  private readonly files = new Map<string, Prepared>();
  private next = 1;
  private dir: string | undefined;

  constructor(private readonly root: () => Promise<string>) {}

  async prepare(
    subject: ExportSubject,
    what: ExportKind,
    diff: DiffSettings | undefined,
    signal: AbortSignal,
    onProgress: (done: number, total: number) => void,
  ): Promise<ExportFile> {
    this.dir ??= await mkdtemp(join(await this.root(), 'exports-'));
    const exportId = `export-${this.next++}`;
    const fileName = `${subject.stem}-${what === 'diff-mp4' && diff ? `diff-${diff.mode}-x${diff.gain}.mp4` : SUFFIX[what]}`;
    const path = join(this.dir, `${exportId}-${fileName}`);
    const m = subject.metrics;
    switch (what) {
      case 'reconstruction-mp4':
        if (subject.reconstructionMp4) await copyFile(subject.reconstructionMp4, path);
        else await writeVideo(path, subject.pair, 'reconstruction', diff, signal, onProgress);
        break;
      case 'side-by-side-mp4':
      case 'diff-mp4':
        await writeVideo(path, subject.pair, what === 'diff-mp4' ? 'diff' : 'side-by-side', diff, signal, onProgress);
        break;
      case 'latents': {
        const latent = await subject.latent();
        await writeSafetensors(path, [{ name: 'latent.mean', data: latent.data, shape: latent.shape }], {
          model: `${m.model.className} ${m.model.path}`,
          source: m.source.name,
          selection: JSON.stringify(m.selection),
          inference: m.protocol.inference,
          layout: '(batch, latent channels, latent frames, height / 8, width / 8); the encoder mean, decoded from as is',
        }, { signal });
        break;
      }
      case 'metrics-csv':
        await writeFile(path, metricsCsv(m));
        break;
      case 'metrics-json':
        await writeFile(path, metricsJson(m));
        break;
    }
    const { size } = await stat(path);
    const file: Prepared = { exportId, fileName, mime: MIME[what], bytes: size, path };
    this.files.set(exportId, file);
    return { exportId, fileName, mime: file.mime, bytes: size };
  }

  info(exportId: string): Prepared {
    const f = this.files.get(exportId);
    if (!f) throw new ApiError(ERROR_CODES.noResult, `no prepared export "${exportId}": export it again`);
    return f;
  }

  async dispose(): Promise<void> {
    this.files.clear();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

type VideoKind = 'reconstruction' | 'side-by-side' | 'diff';

/** Streams frames block by block into an mp4: the reconstruction, original | reconstruction, or the diff heatmap. */
async function writeVideo(path: string, pair: FramePair, kind: VideoKind, diff: DiffSettings | undefined, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<void> {
  const { frames, height, width } = pair;
  const outW = kind === 'side-by-side' ? 2 * width : width;
  const writer = createMp4Writer(path, { width: outW, height, fps: pair.fps, signal });
  const settings = diff ?? { mode: 'abs', gain: 8 };
  try {
    for (let at = 0; at < frames; ) {
      signal.throwIfAborted();
      const want = Math.min(BLOCK, frames - at);
      const rec = await pair.read('reconstruction', at, want);
      const n = rec.count;
      const rgb = kind === 'reconstruction' ? rec.rgb : compose(kind, (await pair.read('original', at, n)).rgb, rec.rgb, n, height, width, settings);
      const planar = new Float32Array(3 * n * height * outW);
      for (let t = 0; t < n; t++) rgb24IntoPlanar(rgb.subarray(t * height * outW * 3, (t + 1) * height * outW * 3), planar, t, n, height * outW);
      await writer.write({ data: planar, shape: [3, n, height, outW] });
      at += n;
      onProgress(at, frames);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function compose(kind: 'side-by-side' | 'diff', a: Uint8Array, b: Uint8Array, n: number, height: number, width: number, diff: DiffSettings): Uint8Array {
  const frameBytes = height * width * 3;
  if (kind === 'diff') {
    const out = new Uint8Array(n * frameBytes);
    diffHeatmap(a, b, out, 3, diff.mode, diff.gain);
    return out;
  }
  const row = width * 3;
  const out = new Uint8Array(n * frameBytes * 2);
  for (let t = 0; t < n; t++) {
    for (let y = 0; y < height; y++) {
      const src = t * frameBytes + y * row;
      const dst = t * frameBytes * 2 + y * row * 2;
      out.set(a.subarray(src, src + row), dst);
      out.set(b.subarray(src, src + row), dst + row);
    }
  }
  return out;
}
