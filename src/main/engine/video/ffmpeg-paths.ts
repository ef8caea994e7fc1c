// Where the ffmpeg and ffprobe binaries are. Precedence: setFfmpegPaths()
// (the app's settings) > WFVAE_FFMPEG / WFVAE_FFPROBE (a system ffmpeg) >
// the static binaries shipped in @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe.
import { createRequire } from 'node:module';
import { VideoError } from './errors';

export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

let configured: Partial<FfmpegPaths> = {};

/** Overrides the binaries (pass undefined for a field to fall back to env vars and the bundled ones). */
export function setFfmpegPaths(paths: Partial<FfmpegPaths>): void {
  configured = { ...paths };
}

const require = createRequire(import.meta.url);

function bundled(pkg: string, envVar: string): string {
  let path: unknown;
  try {
    path = (require(pkg) as { path?: unknown }).path;
  } catch (e) {
    throw new VideoError(
      'ffmpeg_missing',
      `the bundled binary from ${pkg} cannot be found (${String((e as Error)?.message ?? e)}); ` +
        `reinstall it with \`npm install ${pkg}\` or set ${envVar} to the path of a system binary`,
    );
  }
  if (typeof path !== 'string' || path === '') {
    throw new VideoError('ffmpeg_missing', `${pkg} gave no binary path; set ${envVar} to the path of a system binary`);
  }
  // Inside a packaged Electron app the binary lives next to the asar archive, not in it.
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

export function ffmpegPath(): string {
  return configured.ffmpeg || process.env.WFVAE_FFMPEG || bundled('@ffmpeg-installer/ffmpeg', 'WFVAE_FFMPEG');
}

export function ffprobePath(): string {
  return configured.ffprobe || process.env.WFVAE_FFPROBE || bundled('@ffprobe-installer/ffprobe', 'WFVAE_FFPROBE');
}
