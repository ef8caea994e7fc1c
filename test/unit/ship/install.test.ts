// What a user of the npm package gets: `npm pack`, then `npm install -g` of the
// tarball into a temporary prefix (from a folder outside the checkout, so the
// checkout's .npmrc and node_modules play no part), then `wfvae` from another
// temporary folder: --version, info, reconstruct with a tiny model, serve.
// Packages come from the npm cache (--prefer-offline). Install scripts run as
// with any npm that runs them, with the flags the README gives.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, probeVideo } from '../../../src/engine/video/index';
import { psnr } from '../../../src/engine/metrics/index';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { goldenModels, REPO_ROOT, SUBSET_GOLDENS } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { INSTALL_ENV, NPM } from './helpers';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const prefix = join(work, 'prefix');
const cwd = join(work, 'elsewhere');
const wfvae = join(prefix, 'bin', 'wfvae');
const env = { ...INSTALL_ENV, WFVAE_CACHE_DIR: join(work, 'cache') };
const [model] = goldenModels(SUBSET_GOLDENS);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

beforeAll(async () => {
  mkdirSync(cwd, { recursive: true });
  // The build is fresh (test/build-cli.ts); --ignore-scripts skips prepack's rebuild of it.
  await run(NPM, ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: REPO_ROOT, env: INSTALL_ENV });
  const tarball = join(work, readdirSync(work).find((n) => n.endsWith('.tgz'))!);
  await run(NPM, ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--onnxruntime-node-install=skip', tarball], { cwd, env: INSTALL_ENV });
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=24', '-frames:v', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(cwd, 'clip.mp4')]);
}, 600_000);

describe('the npm package, installed globally into a temporary prefix', () => {
  it('holds the built CLI and what it needs, no TypeScript and no dev dependency', () => {
    const root = join(prefix, 'lib', 'node_modules', pkg.name);
    expect(readdirSync(join(root, 'out', 'node'))).toEqual(expect.arrayContaining(['cli.js', 'serve.js', 'worker.js', 'av-tool.mjs']));
    expect(readdirSync(join(root, 'resources', 'models', 'wfvae-demo')).sort()).toEqual(['MODEL_CARD.md', 'config.json', 'diffusion_pytorch_model.safetensors']);
    const modules = readdirSync(join(root, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['onnxruntime-node', 'node-av']));
    for (const dev of ['tsx', 'electron', 'vite', 'zod', 'typescript']) expect(modules).not.toContain(dev);
    expect(readdirSync(root).filter((n) => n === 'src' || n === 'test')).toEqual([]);
  });

  it('--version answers from the package', async () => {
    expect((await run(wfvae, ['--version'], { cwd, env })).stdout).toBe(`${pkg.name} ${pkg.version}\n`);
  });

  it('info, from another folder, says what ffprobe-style probing says', async () => {
    const { stdout } = await run(wfvae, ['info', 'clip.mp4', '--json'], { cwd, env });
    const info = JSON.parse(stdout) as { width: number; height: number; frames: number; fps: number; codec: string };
    const here = await probeVideo(join(cwd, 'clip.mp4'));
    expect([info.width, info.height, info.frames, info.fps, info.codec]).toEqual([96, 64, 12, 24, 'h264']);
    expect(info).toMatchObject({ width: here.width, height: here.height, frames: here.frames, codec: here.codec });
  });

  it('reconstruct with a tiny model gives the PSNR the engine computes from source', async () => {
    const { stdout } = await run(wfvae, ['reconstruct', 'clip.mp4', '--model', model.dir, '--frames', '5', '--provider', 'cpu', '--threads', '2', '--json', '--out', 'rec.mp4'], { cwd, env });
    const r = JSON.parse(stdout) as { provider: string; frames: number; psnr: number };
    expect([r.provider, r.frames]).toEqual(['cpu', 5]);
    expect((await probeVideo(join(cwd, 'rec.mp4'))).frames).toBe(5);
    const m = await WfvaeModel.load(model.dir, { provider: 'cpu', threads: 2, convert: { cacheDir: join(work, 'cache') } });
    try {
      const v = await decodeVideo(join(cwd, 'clip.mp4'), { frames: 5 });
      const rec = await m.reconstruct({ data: v.data, shape: v.shape });
      const clipped = { data: rec.video.data.map((x) => Math.min(1, Math.max(-1, x))), shape: v.shape };
      expect(r.psnr).toBeCloseTo(psnr({ data: v.data, shape: v.shape }, clipped).clip, 2);
    } finally {
      await m.dispose();
    }
  });

  it('serve answers the token page with the built web UI and stops on Ctrl-C', async () => {
    const child = spawn(wfvae, ['serve', '--no-open', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
        if (m) resolve(m[0]);
      });
      void exited.then((code) => reject(new Error(`wfvae serve exited with ${code}: ${err}`)));
    });
    try {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<script type="module"[^>]* src="\.\/assets\/index-[\w-]+\.js"/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
  });
});

describe('bin/wfvae.mjs without a build', () => {
  it('says to run npm run build', async () => {
    const bare = join(work, 'bare-checkout');
    cpSync(join(REPO_ROOT, 'bin'), join(bare, 'bin'), { recursive: true });
    cpSync(join(REPO_ROOT, 'package.json'), join(bare, 'package.json'));
    const r = await run(process.execPath, [join(bare, 'bin', 'wfvae.mjs'), 'info', 'clip.mp4'], { cwd, env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the CLI is not built');
    expect(r.stderr).toContain('run `npm run build`');
  });
});
