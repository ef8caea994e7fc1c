// The files electron-builder puts into the packaged app, and which of them it
// leaves outside app.asar — computed with electron-builder's own code
// (app-builder-lib): its file matchers for `files` (with the default
// exclusions it adds) and for `asarUnpack`, and its node_modules collector
// for the production dependency tree. Nothing is copied; a freshly built
// out/ (given as outDir) stands in for the project's out/.
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';

const require = createRequire(import.meta.url);

export interface AppFile {
  /** Path inside the app (posix), e.g. "node_modules/onnxruntime-node/bin/…", "out/main/index.js". */
  rel: string;
  /** Where it is on this machine. */
  abs: string;
  /** Outside app.asar, in app.asar.unpacked. */
  unpacked: boolean;
}

export interface BuilderFileSet {
  files: AppFile[];
  /** asarUnpack as written in electron-builder.yml. */
  unpackPatterns: string[];
  /** Whether a path inside the app (posix) matches one asarUnpack pattern, as electron-builder matches it. */
  matchesUnpackPattern(rel: string, pattern: string): boolean;
  config: Record<string, unknown>;
}

type Filter = (file: string, stat: Stats) => boolean;
interface Matcher {
  createFilter(): Filter;
  patterns: string[];
}
interface NodeModule {
  name: string;
  dir: string;
  dependencies?: NodeModule[];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const posix = (p: string) => p.split(sep).join('/');

export async function builderFileSet(opts: { projectDir: string; outDir: string; platform: NodeJS.Platform; arch: string }): Promise<BuilderFileSet> {
  const yaml = require('js-yaml') as { load(text: string): Record<string, unknown> };
  const { getMainFileMatchers, getFileMatchers, FileMatcher } = require('app-builder-lib/out/fileMatcher') as {
    getMainFileMatchers(appDir: string, dest: string, expand: (s: string) => string, platformOptions: object, packager: object, outDir: string, isElectronCompile: boolean): Matcher[];
    getFileMatchers(config: object, name: string, dest: string, o: object): Matcher[] | null;
    FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns: string[]) => Matcher;
  };
  const { getCollectorByPackageManager, PM } = require('app-builder-lib/out/node-module-collector') as {
    getCollectorByPackageManager(pm: string, dir: string, tmp: object): { getNodeModules(o: { packageName: string }): Promise<{ nodeModules: NodeModule[] }> };
    PM: Record<string, string>;
  };
  const { TmpDir } = require('temp-file') as { TmpDir: new () => { cleanup(): Promise<void> } };

  const projectDir = resolve(opts.projectDir);
  const config = yaml.load(readFileSync(join(projectDir, 'electron-builder.yml'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { name: string };
  const os = opts.platform === 'darwin' ? 'mac' : opts.platform === 'win32' ? 'win' : 'linux';
  const expand = (s: string) => s.replace(/\$\{arch\}/g, opts.arch).replace(/\$\{platform\}/g, opts.platform).replace(/\$\{os\}/g, os);
  const globalOutDir = resolve(projectDir, ((config.directories as { output?: string } | undefined)?.output) ?? 'dist');
  const packager = {
    info: { projectDir, buildResourcesDir: resolve(projectDir, 'resources'), isPrepackedAppAsar: false, config, debugLogger: { isEnabled: false, add: () => undefined } },
  };
  const mainFilter = getMainFileMatchers(projectDir, '/app', expand, {}, packager, globalOutDir, false)[0].createFilter();
  const unpackMatcher = getFileMatchers(config, 'asarUnpack', '/app', { macroExpander: expand, customBuildOptions: {}, globalOutDir, defaultSrc: projectDir })?.[0];
  const unpackFilter = unpackMatcher?.createFilter() ?? (() => false);
  // electron-builder's filters take the path inside the app from stat.moduleFullFilePath when it is set.
  const statAt = (abs: string, rel: string) => Object.assign(lstatSync(abs), { moduleFullFilePath: rel });

  const files: AppFile[] = [];
  const add = (abs: string, rel: string, filter: Filter) => {
    const stat = statAt(abs, rel);
    if (filter(abs, stat)) files.push({ rel, abs, unpacked: unpackFilter(abs, stat) });
  };
  add(join(projectDir, 'package.json'), 'package.json', mainFilter);
  for (const abs of walk(opts.outDir)) add(abs, `out/${posix(relative(opts.outDir, abs))}`, mainFilter);

  // node_modules: the production tree as electron-builder collects it (its traversal collector; `npm run dist`
  // asks npm, which gives the same tree here). Every file of a collected package counts as shipped: the
  // few that electron-builder leaves out by default (READMEs, tests, .d.ts) are never what the app loads.
  const tmp = new TmpDir();
  try {
    const { nodeModules } = await getCollectorByPackageManager(PM.TRAVERSAL, projectDir, tmp).getNodeModules({ packageName: pkg.name });
    const visit = (m: NodeModule, at: string) => {
      for (const abs of walk(m.dir)) {
        const rel = `${at}/${posix(relative(m.dir, abs))}`;
        // Nested node_modules of a package are collected as that package's dependencies.
        if (rel.slice(at.length).includes('/node_modules/')) continue;
        const stat = statAt(abs, rel);
        files.push({ rel, abs, unpacked: unpackFilter(abs, stat) });
      }
      for (const d of m.dependencies ?? []) visit(d, `${at}/node_modules/${d.name}`);
    };
    for (const m of nodeModules) visit(m, `node_modules/${m.name}`);
  } finally {
    await tmp.cleanup();
  }

  const unpackPatterns = (config.asarUnpack as string[] | undefined) ?? [];
  return {
    files,
    unpackPatterns,
    config,
    matchesUnpackPattern(rel, pattern) {
      const one = new FileMatcher(projectDir, '/app', expand, [pattern]).createFilter();
      const abs = join(projectDir, rel);
      return one(abs, Object.assign(Object.create(null) as Stats, { isDirectory: () => false, moduleFullFilePath: rel }));
    },
  };
}
