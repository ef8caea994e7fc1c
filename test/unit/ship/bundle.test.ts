// The portable bundle (`npm run bundle`, scripts/bundle.mjs): made, unpacked
// in a temporary folder outside the checkout and run there with this `node`,
// with a PATH that holds nothing but node (no npm, no npx, no ffmpeg) and a
// working folder elsewhere: info, a tiny reconstruct, the demo model's archive.
// It packs at xz level 0: the level changes only size and time (README
// "Install" gives the sizes at the default level).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../../src/engine/video/index';
import { bundle } from '../../../scripts/bundle.mjs';
import { goldenModels, REPO_ROOT, SUBSET_GOLDENS } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { pathWithOnlyNode } from './helpers';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const unpacked = join(work, 'opt');
const cwd = join(work, 'elsewhere');
const [model] = goldenModels(SUBSET_GOLDENS);
let made: ReturnType<typeof bundle>;
let cli: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  made = bundle({ out: join(work, 'dist'), xzLevel: 0, log: () => {} });
  mkdirSync(unpacked);
  execFileSync('tar', ['-xJf', made.archive, '-C', unpacked]);
  cli = join(unpacked, made.name, 'bin', 'wfvae.mjs');
  mkdirSync(cwd);
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=24', '-frames:v', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(cwd, 'clip.mp4')]);
  env = { HOME: work, PATH: pathWithOnlyNode(join(work, 'path')), WFVAE_CACHE_DIR: join(work, 'cache') };
}, 600_000);

describe('the portable bundle', () => {
  it('is one folder outside the checkout: the built CLI and only this platform\'s run-time modules', () => {
    expect(readdirSync(unpacked)).toEqual([made.name]);
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(made.name).toBe(`wfvae-inspector-${version}-${process.platform}-${process.arch}`);
    const root = join(unpacked, made.name);
    expect(readdirSync(join(root, 'out', 'node'))).toEqual(expect.arrayContaining(['cli.js', 'serve.js', 'worker.js', 'av-tool.mjs']));
    expect(existsSync(join(root, 'out', 'renderer-web', 'index.html'))).toBe(true);
    const modules = readdirSync(join(root, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['onnxruntime-node', 'node-av', '@seydx']));
    for (const absent of ['tsx', 'electron', 'zod', 'vite', 'werift']) expect(modules).not.toContain(absent);
    expect(readdirSync(join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6'))).toEqual([process.platform]);
    expect(readdirSync(join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform))).toEqual([process.arch]);
    expect(existsSync(join(root, 'resources'))).toBe(false);
  });

  it('runs info with node alone on the PATH', async () => {
    const { stdout } = await run(process.execPath, [cli, 'info', 'clip.mp4', '--json'], { cwd, env });
    const info = JSON.parse(stdout) as { width: number; height: number; frames: number; codec: string };
    expect([info.width, info.height, info.frames, info.codec]).toEqual([96, 64, 12, 'h264']);
  });

  it('reconstructs with a tiny model, and without the demo model says how to pass one', async () => {
    const { stdout } = await run(process.execPath, [cli, 'reconstruct', 'clip.mp4', '--model', model.dir, '--frames', '5', '--provider', 'cpu', '--threads', '2', '--json', '--out', 'rec.mp4'], { cwd, env });
    const r = JSON.parse(stdout) as { provider: string; frames: number; width: number; height: number; psnr: number };
    expect([r.provider, r.frames, r.width, r.height]).toEqual(['cpu', 5, 96, 64]);
    expect(Number.isFinite(r.psnr)).toBe(true);
    expect((await probeVideo(join(cwd, 'rec.mp4'))).frames).toBe(5);
    const err = await run(process.execPath, [cli, 'reconstruct', 'clip.mp4'], { cwd, env }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain(`the bundled demo model is not installed (looked for ${join(unpacked, made.name, 'resources', 'models', 'wfvae-demo')})`);
  });

  it('the demo model\'s archive unpacks into the same folder', () => {
    execFileSync('tar', ['-xJf', made.demoArchive, '-C', unpacked]);
    expect(readdirSync(join(unpacked, made.name, 'resources', 'models', 'wfvae-demo')).sort()).toEqual(['MODEL_CARD.md', 'config.json', 'diffusion_pytorch_model.safetensors']);
  });
});
