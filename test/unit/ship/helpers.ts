// What the ship tests share: npm and node as a user would run them.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * A user's environment: none of the npm_* variables `npm test` sets (they
 * carry this checkout's .npmrc, e.g. npm_config_onnxruntime_node_install), no
 * INIT_CWD. SKIP_FFMPEG=true: node-av's postinstall would otherwise fetch an
 * ffmpeg executable from outside the npm registry that wfvae does not use
 * (README "Install").
 */
export const INSTALL_ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD')),
  SKIP_FFMPEG: 'true',
};

/** A PATH of one folder holding only `node` (this one): no npm, no npx, no ffmpeg. */
export function pathWithOnlyNode(dir: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}
