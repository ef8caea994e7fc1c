// Where the files this package ships lie, from TypeScript source and from a
// build: the one place that knows. Two rules, each said once:
// - Files beside the package root (package.json, resources/, out/renderer-web)
//   are found from the root, the nearest folder above this code that holds
//   our package.json: the repository, an installed package
//   (…/node_modules/wfvae-inspector), an unpacked bundle, the Electron app.
// - Code that runs as its own thread or process (the engine worker, the video
//   tool, the serve host) is a file of the build, which puts such entries beside
//   its chunks (vite.node.config.ts: all of out/node in one flat folder); from
//   source it is the TypeScript file in the repository, which tsx compiles.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'wfvae-inspector';
const HERE = import.meta.url;

/** This code runs from TypeScript source (vitest, tsx), not from a build. */
export const FROM_SOURCE = HERE.endsWith('.ts');

let root: string | undefined;

/** The package's root folder: the nearest one above this code holding our package.json. */
export function packageRoot(): string {
  if (root) return root;
  const start = dirname(fileURLToPath(HERE));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && readName(pkg) === PACKAGE_NAME) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package folder above ${start}: the installation is incomplete (its package.json is missing); reinstall it`);
  }
}

function readName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** A file under the package root: `packageFile('resources', 'models')`. */
export function packageFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/**
 * A file that runs as its own thread or process: `built` beside this code in
 * a build, `source` (relative to the package root) from source.
 */
export function entryFile(built: string, source: string): string {
  return FROM_SOURCE ? packageFile(source) : fileURLToPath(new URL(`./${built}`, HERE));
}
