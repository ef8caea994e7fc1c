// The outside reference for a PSNR the UI shows: the clip serve decoded (read
// back through its API: which source frames, at what size), reconstructed by
// the training code's PyTorch module from the same frames decoded by the
// ffmpeg command line (test/helpers/torch_reconstruct.py). The clip must be
// stored losslessly in RGB so both decoders see the same pixels.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FIXTURE_FFMPEG } from '../helpers/fixture-ffmpeg';
import { TORCH_PYTHON } from '../helpers/torch-python';

const run = promisify(execFile);

interface ServedClip {
  width: number;
  height: number;
  frames: number;
  frameIndices: number[];
  source: { width: number; height: number };
}

export interface TorchReference {
  frames: number;
  psnr: number;
  ssim: number;
  perFrame: { psnr: number[]; ssim: number[] };
}

/** A testsrc2 clip stored as lossless RGB H.264. */
export async function losslessTestClip(size: string, frames: number, out: string): Promise<string> {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-frames:v', String(frames), '-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24', out]);
  return out;
}

/** A lossless RGB H.264 copy of `video` (libx264rgb, qp 0): every FFmpeg build decodes it to the same pixels. */
export async function losslessRgbCopy(video: string, out: string): Promise<string> {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-i', video, '-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24', out]);
  return out;
}

/** Which source frames serve decoded, read back through its API (the reference decodes native size only). */
export async function servedFrames(serveUrl: string): Promise<{ frames: number; start: number; step: number }> {
  const { origin, searchParams } = new URL(serveUrl);
  const res = await fetch(`${origin}/api/listClips`, { method: 'POST', headers: { 'x-wfvae-token': searchParams.get('token')!, 'content-type': 'application/json' }, body: '{}' });
  const { clips } = (await res.json()) as { clips: ServedClip[] };
  if (clips.length !== 1) throw new Error(`expected the one clip serve opened, found ${clips.length}`);
  const c = clips[0];
  if (c.width !== c.source.width || c.height !== c.source.height) throw new Error(`serve resized the clip (${c.source.width}x${c.source.height} -> ${c.width}x${c.height}): the reference decodes at native size only`);
  const start = c.frameIndices[0];
  const step = c.frameIndices.length > 1 ? c.frameIndices[1] - start : 1;
  if (c.frameIndices.some((f, i) => f !== start + i * step)) throw new Error(`serve's frames are not evenly spaced: ${c.frameIndices.join(', ')}`);
  return { frames: c.frames, start, step };
}

/** A's reconstruction against the source, and against the reconstruction by A's weights rounded to bfloat16 in torch. */
export interface TorchBf16Reference {
  frames: number;
  psnr: number;
  bf16: { psnr: number; psnrVsA: number; maxAbsVsA: number };
}

async function runReference(model: string, video: string, sel: { frames: number; start: number; step: number }, extra: string[] = []): Promise<string> {
  const { stdout } = await run(
    TORCH_PYTHON,
    ['test/helpers/torch_reconstruct.py', model, video, '--frames', String(sel.frames), '--start', String(sel.start), '--sample-rate', String(sel.step), '--ffmpeg', FIXTURE_FFMPEG, ...extra],
    { timeout: 300_000 },
  );
  return stdout;
}

export async function torchReference(model: string, video: string, sel: { frames: number; start: number; step: number }): Promise<TorchReference> {
  return JSON.parse(await runReference(model, video, sel)) as TorchReference;
}

/** For model vs model with B = A's BF16 weights (no SSIM: on a whole clip it costs more than the two models). */
export async function torchBf16Reference(model: string, video: string, sel: { frames: number; start: number; step: number }): Promise<TorchBf16Reference> {
  return JSON.parse(await runReference(model, video, sel, ['--vs-bf16', '--no-ssim'])) as TorchBf16Reference;
}

/** The number in a "12.34 dB" label (or one that starts so). */
export const shownDb = (text: string | null): number => Number(/^(\d+\.\d\d) dB/.exec(text ?? '')?.[1] ?? NaN);
