// The ffmpeg command line that makes test clips (lavfi sources, many codecs and
// containers): the system's (Debian's ffmpeg package, installed by .ci/run),
// or WFVAE_TEST_FFMPEG. The app itself does not use it: its video tool is
// node-av's FFmpeg (src/engine/video/ffmpeg-paths.ts), so every decode a
// test checks also crosses from one FFmpeg build to another.
import { spawnSync } from 'node:child_process';

export const FIXTURE_FFMPEG = process.env.WFVAE_TEST_FFMPEG || 'ffmpeg';
export const FIXTURE_FFPROBE = process.env.WFVAE_TEST_FFPROBE || 'ffprobe';

if (spawnSync(FIXTURE_FFMPEG, ['-version']).status !== 0) {
  throw new Error(`tests make their clips with an ffmpeg command line, and "${FIXTURE_FFMPEG}" does not run: install it (apt-get install ffmpeg) or set WFVAE_TEST_FFMPEG`);
}
