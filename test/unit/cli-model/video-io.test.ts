// encode --video and decode to mp4: the CLI's video paths give what the
// engine gives for the same clip.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, probeVideo } from '../../../src/engine/video/index';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { maxAbsDiff, readCase, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-video-io-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const model = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const clip = join(work, 'clip.mp4');
const wfvae = (args: string[]) => run(process.execPath, [WFVAE_CLI, ...args], { env });

beforeAll(async () => {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=80x48:rate=12', '-frames:v', '14', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
});

describe('encode --video / decode --out .mp4', () => {
  it('encode --video with --start/--frames/--sample-rate equals the engine on the same decoded frames', async () => {
    const out = join(work, 'enc.safetensors');
    const { stderr } = await wfvae(['encode', '--model', model, '--video', clip, '--start', '1', '--frames', '6', '--sample-rate', '2', '--out', out, '--provider', 'cpu', '--threads', '2']);
    expect(stderr).toMatch(/encoded 3x5x48x80 -> mean 1x8x2x6x10/);
    const written = await readCase(out);
    expect([...written.keys()].sort()).toEqual(['logvar', 'mean']);

    const m = await WfvaeModel.load(model, { provider: 'cpu', threads: 2, convert: { cacheDir: join(work, 'cache') } });
    try {
      const v = await decodeVideo(clip, { start: 1, frames: 6, sampleRate: 2 });
      expect(v.frameIndices).toEqual([2, 4, 6, 8, 10]);
      const e = await m.encode({ data: v.data, shape: v.shape });
      // The CLI ran the Causal Cache (its default), this the whole clip: equal within float32 rounding.
      expect(maxAbsDiff(written.get('mean')!, e.mean)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(written.get('logvar')!, e.logvar)).toBeLessThanOrEqual(1e-5);
    } finally {
      await m.dispose();
    }
  });

  it('decode to .mp4 writes the decoded frames at the asked frame rate', async () => {
    const out = join(work, 'dec.mp4');
    await wfvae(['decode', '--model', model, '--latents', `${join(work, 'enc.safetensors')}:mean`, '--out', out, '--fps', '10', '--provider', 'cpu']);
    const info = await probeVideo(out);
    expect([info.frames, info.width, info.height, info.fps]).toEqual([5, 80, 48, 10]);
  });

  it('refuses --taps with an mp4 output and a non-safetensors encode output', async () => {
    const a = await wfvae(['decode', '--model', model, '--latents', 'x.safetensors:mean', '--out', join(work, 'x.mp4'), '--taps']).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(a?.code).toBe(2);
    expect(a?.stderr).toMatch(/--taps needs a \.safetensors output/);
    const b = await wfvae(['encode', '--model', model, '--video', clip, '--out', join(work, 'x.npy')]).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(b?.code).toBe(2);
    expect(b?.stderr).toMatch(/--out must name a \.safetensors file/);
  });
});
