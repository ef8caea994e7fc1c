// The Electron build and the packaged app without an Electron binary:
// electron-vite bundles main, the session worker (its own file) and a
// sandbox-safe preload; the bundled worker must run and answer like the source
// one, with its video tool started through the main process's utilityProcess
// launcher (a stand-in utilityProcess on a real Node child). Then the app as
// electron-builder would pack it (its own file matchers and dependency
// collector over electron-builder.yml): everything the bundles load at run
// time is in the app, their native code is outside app.asar, the video tool
// runs from the unpacked files alone, asarUnpack lists exactly what must be
// unpacked, nothing needs ELECTRON_RUN_AS_NODE, and the fuses agree with that.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuseV1Options } from '@electron/fuses';
import { setProcessLauncher } from '../../../src/engine/process/launcher';
import { decodeVideo, encodeMp4, probeVideo } from '../../../src/engine/video/index';
import { createEngineSession } from '../../../src/main/engine-session';
import { utilityLauncher } from '../../../src/main/utility-launcher';
import { FUSES } from '../../../scripts/electron-fuses.mjs';
import { builderFileSet, type AppFile, type BuilderFileSet } from '../../helpers/electron/builder-file-set';
import { moduleRequests, packageOf } from '../../helpers/electron/bundle-imports';
import { fakeUtilityProcess } from '../../helpers/electron/fake-utility-process';
import { FIXTURE_FFMPEG, FIXTURE_FFPROBE } from '../../helpers/fixture-ffmpeg';

// Inside the repository, so the bundles resolve the native packages from node_modules.
const OUT = resolve('out/.unit-electron-build');
const TINY_MODEL = resolve('test/fixtures/goldens-subset/wfvae2-tiny');
let clipDir: string;
let clip: string;

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--outDir', OUT, '--logLevel', 'error'], { stdio: 'pipe' });
  clipDir = mkdtempSync(join(tmpdir(), 'wfvae-bundle-test-'));
  clip = join(clipDir, 'c.mp4');
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=10', '-frames:v', '12', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
});

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(clipDir, { recursive: true, force: true });
});

const bundledWorker = () => join(OUT, 'main/chunks', readdirSync(join(OUT, 'main/chunks')).find((f) => /^worker-.*\.js$/.test(f))!);

function ffprobeFrames(path: string): number {
  const out = execFileSync(FIXTURE_FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  return Number(out.trim());
}

describe('electron-vite build', () => {
  it('emits main, the worker as its own chunk, the video tool beside it, a CommonJS preload and the renderer', () => {
    expect(existsSync(join(OUT, 'main/index.js'))).toBe(true);
    expect(readdirSync(join(OUT, 'main/chunks')).filter((f) => /^worker-.*\.js$/.test(f))).toHaveLength(1);
    expect(readFileSync(join(OUT, 'main/chunks/av-tool.mjs'), 'utf8')).toBe(readFileSync('src/engine/video/av-tool.mjs', 'utf8'));
    expect(existsSync(join(OUT, 'renderer/index.html'))).toBe(true);
    const preload = readFileSync(join(OUT, 'preload/index.cjs'), 'utf8');
    // A sandboxed preload can require only electron: nothing else may be left to load.
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    const main = readFileSync(join(OUT, 'main/index.js'), 'utf8');
    expect(main).toMatch(/join(\$\d+)?\(import\.meta\.dirname, "\.\/chunks\/worker-[\w-]+\.js"\)/);
  });

  it('the bundled session worker decodes, reconstructs and exports an mp4, every video tool started through utilityProcess', async () => {
    const utility = fakeUtilityProcess();
    const app = { isPackaged: false, getAppPath: () => process.cwd() };
    const engine = createEngineSession(
      { app, utilityProcess: utility.api },
      {
        startWorker: (workerData, transferList, env) => new Worker(bundledWorker(), { env: { ...env, WFVAE_CACHE_DIR: join(clipDir, 'cache') }, workerData, transferList }),
        scripts: [join(OUT, 'main/chunks/av-tool.mjs'), join(OUT, 'main/av-tool.mjs')],
      },
    );
    const { session } = engine;
    try {
      const info = await session.openVideo({ taskId: 'b1', source: { kind: 'path', path: clip } });
      expect(info).toMatchObject({ frames: 9, width: 48, height: 32, maxLevels: 3 });
      const sub = await session.getSubbands({ clipId: info.clipId, t: 4, levels: 3 });
      expect(sub.levels.map((l) => [l.tiles.length, l.tiles[0].width, l.tiles[0].height])).toEqual([[8, 24, 16], [8, 12, 8], [8, 6, 4]]);
      // The model runs in the compute worker, which the bundled session worker starts from its own file.
      await session.loadModel({ taskId: 'b2', path: TINY_MODEL });
      const recon = await session.reconstruct({ taskId: 'b3', clipId: info.clipId });
      expect(recon).toMatchObject({ frames: 9, width: 48, height: 32, latentShape: [8, 3, 4, 6] });
      // The whole video streams from the file in the compute worker (its own channel to the launcher), then an mp4 is written.
      const video = await session.reconstructVideo({ taskId: 'b4', clipId: info.clipId });
      const file = await session.prepareExport({ taskId: 'b5', source: { kind: 'video', videoId: video.videoId }, what: 'reconstruction-mp4' });
      const { path } = await session.exportInfo({ exportId: file.exportId });
      expect(ffprobeFrames(path)).toBe(video.frames);
      const jobs = utility.forks.map((f) => f.args[0]);
      expect(jobs).toEqual(expect.arrayContaining(['probe', 'decode', 'encode']));
      expect(jobs.filter((j) => j === 'decode').length).toBeGreaterThanOrEqual(2);
      for (const f of utility.forks) {
        expect(f.modulePath).toBe(join(OUT, 'main/chunks/av-tool.mjs'));
        // The fuses refuse --inspect and NODE_OPTIONS: nothing is passed that would need them.
        expect(f.execArgv).toEqual(['--no-warnings']);
        expect(f.env && 'NODE_OPTIONS' in f.env).toBe(false);
      }
    } finally {
      await engine.dispose();
    }
    expect(utility.alive.size).toBe(0);
  });
});

/** First bytes of a file that is machine code: ELF, Mach-O (thin or fat), PE. */
function isNativeCode(abs: string): boolean {
  if (/\.(node|so(\.\d+)*|dylib|dll|exe)$/.test(abs)) return true;
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(abs, 'r');
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
  } catch {
    return false;
  }
  const magic = head.readUInt32BE(0);
  return magic === 0x7f454c46 || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic) || head.subarray(0, 2).toString() === 'MZ';
}
/** The files of a package, without the packages nested in it (those are dependencies of their own). */
function walkFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The package folder `name` resolves to from `fromDir`, by Node's node_modules lookup. */
function packageDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** A package and everything it depends on at run time (dependencies and installed optionalDependencies). */
function runtimeClosure(dir: string, seen = new Set<string>()): Set<string> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    const d = packageDir(dep, dir);
    if (d) runtimeClosure(d, seen);
  }
  return seen;
}

/**
 * Run-time loads of the bundles whose specifier is computed, and the package each one names on
 * this platform. A new one fails the test until it is accounted for here (and in asarUnpack if it
 * carries native code).
 */
const DYNAMIC_LOADS: Record<string, (platform: NodeJS.Platform, arch: string) => string> = {
  // ffmpeg-paths.ts checks that node-av's prebuilt FFmpeg for this platform is installed.
  '`${platformPackage()}/package.json`': (platform, arch) => (platform === 'win32' ? `@seydx/node-av-win32-${arch}-msvc` : `@seydx/node-av-${platform}-${arch}`),
};

describe('the packaged app (electron-builder.yml, as electron-builder computes it)', () => {
  let set: BuilderFileSet;
  let byRel: Map<string, AppFile>;
  let stage: string;
  /** Packages with native code the bundles reach, and the packages the video tool loaded from the unpacked files. */
  const needed = { native: new Set<string>(), tool: new Set<string>() };
  const packageOfRel = (rel: string) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel)?.[1];

  beforeAll(async () => {
    set = await builderFileSet({ projectDir: process.cwd(), outDir: OUT, platform: process.platform, arch: process.arch });
    byRel = new Map(set.files.map((f) => [f.rel, f]));
    // app.asar.unpacked as electron-builder would lay it out: hard links (a copy across file systems) of the unpacked files
    // only, outside the repository, so nothing can be found in the project's node_modules by accident.
    stage = mkdtempSync(join(tmpdir(), 'wfvae-asar-unpacked-'));
    for (const f of set.files.filter((x) => x.unpacked)) {
      const to = join(stage, ...f.rel.split('/'));
      mkdirSync(dirname(to), { recursive: true });
      try {
        linkSync(f.abs, to);
      } catch {
        copyFileSync(f.abs, to);
      }
    }
  });

  afterAll(() => {
    if (stage) rmSync(stage, { recursive: true, force: true });
  });

  it('ships the bundles inside app.asar: main (package.json "main"), preload and renderer, which the ASAR-only fuse requires', () => {
    const main = (JSON.parse(readFileSync('package.json', 'utf8')) as { main: string }).main.replace(/^\.\//, '');
    for (const rel of [main, 'out/preload/index.cjs', 'out/renderer/index.html', 'package.json']) {
      expect(byRel.get(rel), rel).toMatchObject({ unpacked: false });
    }
    expect(set.files.some((f) => f.rel.startsWith('out/.unit-electron-build') || f.rel.startsWith('src/'))).toBe(false);
  });

  it('nothing in the built app sets or needs ELECTRON_RUN_AS_NODE, and the fuses are what the code relies on', () => {
    const built = set.files.filter((f) => f.rel.startsWith('out/'));
    expect(built.length).toBeGreaterThan(5);
    for (const f of built) expect(readFileSync(f.abs, 'utf8'), f.rel).not.toContain('ELECTRON_RUN_AS_NODE');
    // RunAsNode off: Node scripts run as utility processes (the fork is in main, the launcher injected into the worker).
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false);
    const main = readFileSync(join(OUT, 'main/index.js'), 'utf8');
    expect(main).toMatch(/\butilityProcess\b/);
    expect(main).toMatch(/role: "session",\s+launcher: \w+/);
    // ASAR only, integrity checked: the entry loads from the archive (above); what is unpacked is code started or
    // dlopen'ed from app.asar.unpacked, never the app's entry.
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    // NODE_OPTIONS and --inspect are refused: the tool's environment drops NODE_OPTIONS (checked in the run above) and its execArgv is --no-warnings only.
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    // No file:// privileges: the UI comes from app://.
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    expect(main).not.toMatch(/\.loadFile\(/);
  });

  it('every package the main and worker bundles load or locate is in the app, and all native code the loaded ones reach is unpacked', () => {
    const bundles = ['main/index.js', ...readdirSync(join(OUT, 'main/chunks')).filter((f) => f.endsWith('.js')).map((f) => `main/chunks/${f}`)];
    const builtins = [...builtinModules, 'electron'];
    /** Package -> the bundle that asks for it, and whether it runs its code (import, require) or only locates it (require.resolve). */
    const packages = new Map<string, { bundle: string; loads: boolean }>();
    const note = (name: string, bundle: string, how: string) => packages.set(name, { bundle, loads: packages.get(name)?.loads === true || how !== 'resolve' });
    for (const b of bundles) {
      const requests = moduleRequests(readFileSync(join(OUT, b), 'utf8'));
      for (const { specifier, how } of requests.literal) {
        const name = packageOf(specifier, builtins);
        if (name) note(name, b, how);
      }
      for (const { expression, how } of requests.dynamic) {
        expect(DYNAMIC_LOADS[expression], `${b} asks for ${expression}, computed at run time: account for it in DYNAMIC_LOADS`).toBeDefined();
        note(DYNAMIC_LOADS[expression](process.platform, process.arch), b, how);
      }
    }
    expect([...packages].filter(([, p]) => p.loads).map(([n]) => n)).toEqual(expect.arrayContaining(['onnxruntime-node']));
    // zod is a dev dependency, bundled into main and the worker: nothing to ship for it.
    expect(packages.has('zod')).toBe(false);
    const byAbs = new Map(set.files.map((f) => [f.abs, f]));
    const natives: AppFile[] = [];
    for (const [name, { bundle, loads }] of packages) {
      // Node looks for it from out/main upwards: the app's top-level node_modules.
      const dir = packageDir(name, join(OUT, dirname(bundle)));
      expect(dir, `${bundle} asks for ${name}, which is not installed`).not.toBeNull();
      expect(byRel.has(`node_modules/${name}/package.json`), `${name} (asked for by ${bundle}) is not in electron-builder's file set`).toBe(true);
      if (!loads) continue;
      // Native code anywhere in what it depends on must ship, outside the archive.
      for (const d of runtimeClosure(dir!)) {
        for (const abs of walkFiles(d).filter(isNativeCode)) {
          const f = byAbs.get(abs);
          expect(f, `${relative(process.cwd(), abs)} (native code ${name} needs) is not in electron-builder's file set`).toBeDefined();
          natives.push(f!);
        }
      }
    }
    // onnxruntime's binding and its libraries (node-av's FFmpeg binding is the video tool's: below).
    expect(natives.map((f) => f.rel)).toEqual(
      expect.arrayContaining([expect.stringMatching(`^node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding\\.node$`)]),
    );
    for (const f of natives) expect(f, `${f.rel} is native code inside app.asar`).toMatchObject({ unpacked: true });
    for (const f of natives) needed.native.add(packageOfRel(f.rel)!);
  });

  it("onnxruntime's binding loads from the unpacked files alone", () => {
    const binding = join(stage, 'node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch, 'onnxruntime_binding.node');
    // Its own process: this one has onnxruntime loaded from the project already.
    const out = execFileSync(process.execPath, ['-e', `const b = require(${JSON.stringify(binding)}); console.log(typeof b.InferenceSession)`], { encoding: 'utf8', cwd: stage });
    expect(out.trim()).toBe('function');
  });

  it('the video tool runs from the unpacked files alone, as a utility process: probe, decode and an mp4 encode', async () => {
    const log = join(stage, 'loads.log');
    const utility = fakeUtilityProcess({ execArgv: ['--import', resolve('test/helpers/electron/record-loads.mjs')] });
    const saved = { tool: process.env.WFVAE_AV_TOOL, log: process.env.WFVAE_LOAD_LOG };
    process.env.WFVAE_AV_TOOL = join(stage, 'out/main/chunks/av-tool.mjs');
    process.env.WFVAE_LOAD_LOG = log;
    setProcessLauncher(utilityLauncher(utility.api));
    try {
      expect(await probeVideo(clip)).toMatchObject({ frames: 12, width: 48, height: 32, codec: 'h264' });
      const decoded = await decodeVideo(clip, { frames: 9 });
      expect(decoded.shape).toEqual([3, 9, 32, 48]);
      const mp4 = join(clipDir, 'from-unpacked.mp4');
      await encodeMp4({ data: decoded.data, shape: [3, 9, 32, 48] }, mp4, { fps: 10 });
      expect(ffprobeFrames(mp4)).toBe(9);
    } finally {
      setProcessLauncher(null);
      for (const [k, v] of [['WFVAE_AV_TOOL', saved.tool], ['WFVAE_LOAD_LOG', saved.log]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(utility.forks.map((f) => f.modulePath)).toEqual(Array(utility.forks.length).fill(join(stage, 'out/main/chunks/av-tool.mjs')));
    // Everything the tool loaded came from the unpacked files (the recorder itself aside).
    const loaded = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))].filter((p) => !p.startsWith(resolve('test/helpers/electron')));
    expect(loaded.length).toBeGreaterThan(10);
    for (const p of loaded) expect(p.startsWith(stage + sep), p).toBe(true);
    expect(loaded).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/@seydx\/node-av-[\w-]+\/node-av\.node$/)]));
    for (const p of loaded) {
      const name = packageOfRel(relative(stage, p).split(sep).join('/'));
      if (name) needed.tool.add(name);
    }
  });

  it('asarUnpack lists exactly that: each pattern unpacks something, and what is unpacked is the native code and the video tool with what it loads', () => {
    expect(set.config.asar).toEqual({ smartUnpack: false });
    expect(set.config.npmRebuild).toBe(false);
    const unpacked = set.files.filter((f) => f.unpacked);
    for (const pattern of set.unpackPatterns) {
      expect(unpacked.some((f) => set.matchesUnpackPattern(f.rel, pattern)), `asarUnpack "${pattern}" matches nothing electron-builder packs`).toBe(true);
    }
    expect(unpacked.filter((f) => !f.rel.startsWith('node_modules/')).map((f) => f.rel).sort()).toEqual(['out/main/av-tool.mjs', 'out/main/chunks/av-tool.mjs']);
    const unpackedPackages = new Set(unpacked.map((f) => packageOfRel(f.rel)).filter((p) => p !== undefined));
    // Filled by the two tests above: onnxruntime-node (native code of the worker); node-av and its platform package (what the tool loads).
    expect(needed.native.size).toBeGreaterThanOrEqual(1);
    expect(needed.tool.size).toBeGreaterThanOrEqual(2);
    expect([...unpackedPackages].sort()).toEqual([...new Set([...needed.native, ...needed.tool])].sort());
  });
});
