// The Electron build without an Electron binary: electron-vite bundles main,
// the session worker (its own file) and a sandbox-safe preload; the bundled
// worker must run and answer like the source one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSession } from '../../../src/engine/session/worker-session';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

// Inside the repository, so the bundles resolve zod and the ffmpeg packages from node_modules.
const OUT = resolve('out/.unit-electron-build');
let clipDir: string;

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--outDir', OUT, '--logLevel', 'error'], { stdio: 'pipe' });
  clipDir = mkdtempSync(join(tmpdir(), 'wfvae-bundle-test-'));
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=10', '-frames:v', '12', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', join(clipDir, 'c.mp4')]);
});

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(clipDir, { recursive: true, force: true });
});

describe('electron-vite build', () => {
  it('emits main, the worker as its own chunk, a CommonJS preload and the renderer', () => {
    expect(existsSync(join(OUT, 'main/index.js'))).toBe(true);
    expect(readdirSync(join(OUT, 'main/chunks')).filter((f) => /^worker-.*\.js$/.test(f))).toHaveLength(1);
    expect(existsSync(join(OUT, 'renderer/index.html'))).toBe(true);
    const preload = readFileSync(join(OUT, 'preload/index.cjs'), 'utf8');
    // A sandboxed preload can require only electron: nothing else may be left to load.
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    const main = readFileSync(join(OUT, 'main/index.js'), 'utf8');
    expect(main).toMatch(/join(\$\d+)?\(import\.meta\.dirname, "\.\/chunks\/worker-[\w-]+\.js"\)/);
  });

  it('the bundled session worker decodes a clip, computes subbands, and runs a model in its compute worker', async () => {
    const file = readdirSync(join(OUT, 'main/chunks')).find((f) => f.startsWith('worker-'))!;
    const session = new WorkerSession(() => new Worker(join(OUT, 'main/chunks', file), { env: { ...process.env, WFVAE_CACHE_DIR: join(clipDir, 'cache') } }));
    try {
      const info = await session.openVideo({ taskId: 'b1', source: { kind: 'path', path: join(clipDir, 'c.mp4') } });
      expect(info).toMatchObject({ frames: 9, width: 48, height: 32, maxLevels: 3 });
      const sub = await session.getSubbands({ clipId: info.clipId, t: 4, levels: 3 });
      expect(sub.levels.map((l) => [l.tiles.length, l.tiles[0].width, l.tiles[0].height])).toEqual([[8, 24, 16], [8, 12, 8], [8, 6, 4]]);
      // The model runs in the compute worker, which the bundled session worker starts from its own file.
      await session.loadModel({ taskId: 'b2', path: resolve('test/fixtures/goldens-subset/wfvae2-tiny') });
      const recon = await session.reconstruct({ taskId: 'b3', clipId: info.clipId });
      expect(recon).toMatchObject({ frames: 9, width: 48, height: 32, latentShape: [8, 3, 4, 6] });
    } finally {
      await session.dispose();
    }
  });
});
