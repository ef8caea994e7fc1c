// The largest clip the app opens (433 frames at 320x240, just under the
// decoder's voxel guard) through the app's own session (worker threads, the
// compute worker), in a fresh process: open it, load the model, plan, run
// Reconstruct (Causal Cache) to the end, and report the plan's estimate
// against the process's measured peak. `npm run bench -- largest-clip`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FFMPEG = process.env.WFVAE_TEST_FFMPEG || 'ffmpeg';

const CHILD = `
import { createSourceSession } from ${JSON.stringify(join(ROOT, 'src/engine/session/source-worker.ts'))};
const [clipPath, model] = process.argv.slice(2);
const session = createSourceSession();
const clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path: clipPath }, options: { frames: 433 } });
await session.loadModel({ taskId: 'load', path: model });
const plans = await session.planRuns({ clipId: clip.clipId });
const t0 = performance.now();
const r = await session.reconstruct({ taskId: 'rec', clipId: clip.clipId });
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ clip: [clip.frames, clip.height, clip.width], plans, seconds, psnr: r.psnr.clip, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
await session.dispose();
`;

export function largestClipTable(model = join(ROOT, 'resources', 'models', 'wfvae-demo')): string {
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-largest-'));
  try {
    const clip = join(dir, 'long.mp4');
    execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '433', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
    const child = join(dir, 'child.mts');
    execFileSync('bash', ['-c', `cat > ${child}`], { input: CHILD });
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, clip, model], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, WFVAE_CACHE_DIR: join(dir, 'cache') }, maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`largest-clip run failed:\n${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { clip: number[]; plans: { reconstruct: { text: string; estimateBytes: number; encChunk: number; decChunk: number }; compare: { fits: boolean; text: string } }; seconds: number; psnr: number; peakRssMB: number };
    const est = j.plans.reconstruct.estimateBytes / 2 ** 20;
    return [
      `clip ${j.clip.join('x')} (TxHxW), model ${model}`,
      `Reconstruct (Causal Cache ${j.plans.reconstruct.encChunk}/${j.plans.reconstruct.decChunk}): ${j.seconds.toFixed(1)} s, PSNR ${j.psnr.toFixed(2)} dB`,
      `estimate before the run: ${est.toFixed(0)} MB; measured peak RSS of the process (session, compute worker, clip, result, taps): ${j.peakRssMB.toFixed(0)} MB (${(j.peakRssMB / est).toFixed(2)}x the estimate)`,
      `compare (whole-clip ground truth): ${j.plans.compare.fits ? 'fits' : 'refused before running'}: ${j.plans.compare.text}`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
