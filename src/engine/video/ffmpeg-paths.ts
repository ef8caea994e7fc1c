// Which program does the video work. Precedence, per role (probing; decoding
// and encoding):
//   1. setFfmpegPaths() (the app's settings), then WFVAE_FFPROBE / WFVAE_FFMPEG:
//      an ffprobe / ffmpeg command line of the user's choice;
//   2. av-tool.mjs on the FFmpeg 8 libraries that node-av ships prebuilt in its
//      npm platform packages (@seydx/node-av-<platform>), a Node script run as
//      a child process, one job each, by the thread's process launcher (plain
//      Node's child_process; in Electron the host's utilityProcess);
//   3. where node-av has no build for the platform: the system's ffmpeg and
//      ffprobe, if they are version 6 or newer.
// Older FFmpeg is never picked by itself: the 2018 build this replaced
// crashed on MPEG-TS and decoded untrusted media with years of known bugs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { entryFile } from '../package-files';
import { VideoError } from './errors';

export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

export type ToolRole = 'ffmpeg' | 'ffprobe';

/** How to start the program for one role. */
export interface VideoTool {
  /** `cli`: an ffmpeg / ffprobe binary taking their usual arguments; `av-tool`: av-tool.mjs, a Node script. */
  kind: 'cli' | 'av-tool';
  /** The binary, or for av-tool the script (started by the process launcher, see ToolOptions.nodeScript). */
  bin: string;
  /** Arguments before the job's own. */
  prefix: string[];
  env?: NodeJS.ProcessEnv;
  /** The variable that overrides this role, for messages. */
  envVar: 'WFVAE_FFMPEG' | 'WFVAE_FFPROBE';
  /** What it is, for messages and `wfvae info`: "node-av 6.1.1 (FFmpeg 8.1)", "/usr/bin/ffmpeg". */
  label: string;
}

let configured: Partial<FfmpegPaths> = {};

/** Overrides the binaries (pass undefined for a field to fall back to env vars and the default). */
export function setFfmpegPaths(paths: Partial<FfmpegPaths>): void {
  configured = { ...paths };
}

const require = createRequire(import.meta.url);
const ENV_VAR = { ffmpeg: 'WFVAE_FFMPEG', ffprobe: 'WFVAE_FFPROBE' } as const;

/** Oldest FFmpeg major version picked without being asked for. */
export const MIN_FFMPEG_MAJOR = 6;

/**
 * av-tool.mjs: where the package ships it (../package-files.ts: beside the
 * build's code, or in src/ from source); WFVAE_AV_TOOL names another place.
 */
export function avToolScript(env: NodeJS.ProcessEnv = process.env): string {
  return env.WFVAE_AV_TOOL || entryFile('av-tool.mjs', 'src/engine/video/av-tool.mjs');
}

function platformPackage(): string {
  return process.platform === 'win32' ? `@seydx/node-av-win32-${process.arch}-msvc` : `@seydx/node-av-${process.platform}-${process.arch}`;
}

let nodeAv: { version: string } | null | undefined;

/** node-av and its prebuilt binary for this platform, if installed. */
function nodeAvInstalled(): { version: string } | null {
  if (nodeAv !== undefined) return nodeAv;
  try {
    // node-av's "exports" hide its package.json: find it from the entry point (dist/index.js).
    const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('node-av')), '..', 'package.json'), 'utf8')) as { version: string };
    require.resolve(`${platformPackage()}/package.json`);
    nodeAv = existsSync(avToolScript()) ? { version: pkg.version } : null;
  } catch {
    nodeAv = null;
  }
  return nodeAv;
}

/** Major version from `ffmpeg -version` ("ffmpeg version 7.1.1-..." -> 7; git builds "N-..." -> null). */
export function parseFfmpegMajor(versionOutput: string): number | null {
  const m = /^\w+ version (?:n)?(\d+)\.\d+/m.exec(versionOutput);
  return m ? Number(m[1]) : null;
}

let system: FfmpegPaths | null | undefined;

/** The system's ffmpeg and ffprobe when both run and are new enough. */
function systemFfmpeg(): FfmpegPaths | null {
  if (system !== undefined) return system;
  system = null;
  const major = (bin: string) => {
    const r = spawnSync(bin, ['-version'], { encoding: 'utf8', timeout: 10_000, windowsHide: true });
    return r.status === 0 ? parseFfmpegMajor(r.stdout) : null;
  };
  const f = major('ffmpeg');
  const p = major('ffprobe');
  if (f !== null && p !== null && f >= MIN_FFMPEG_MAJOR && p >= MIN_FFMPEG_MAJOR) system = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
  return system;
}

/**
 * The tool's environment: NODE_OPTIONS (an --inspect, a loader) is dropped,
 * since whatever it prints would read as FFmpeg's errors.
 */
function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** The program for `role`, by the precedence above. */
export function videoTool(role: ToolRole): VideoTool {
  const envVar = ENV_VAR[role];
  const chosen = configured[role] || process.env[envVar];
  if (chosen) return { kind: 'cli', bin: chosen, prefix: [], envVar, label: chosen };
  const av = nodeAvInstalled();
  if (av) {
    return {
      kind: 'av-tool',
      bin: avToolScript(),
      prefix: [],
      env: toolEnv(),
      envVar,
      label: `node-av ${av.version} (FFmpeg libraries)`,
    };
  }
  const sys = systemFfmpeg();
  if (sys) return { kind: 'cli', bin: sys[role], prefix: [], envVar, label: `system ${sys[role]}` };
  throw new VideoError(
    'ffmpeg_missing',
    `no video tool: node-av's prebuilt FFmpeg (${platformPackage()}) is not installed for this platform and there is no system ffmpeg/ffprobe ${MIN_FFMPEG_MAJOR} or newer; ` +
      `run \`npm install\`, install FFmpeg ${MIN_FFMPEG_MAJOR}+, or set ${envVar} to the path of ${role}`,
  );
}
