// Makes the clips the e2e tests open: a 64-frame 128x128 testsrc2 MP4 (made by
// the bundled ffmpeg) and a file that only pretends to be a video.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_FFMPEG } from '../helpers/fixture-ffmpeg';
import { ensureCliBuild } from '../../scripts/cli-build.mjs';

export const FFMPEG = FIXTURE_FFMPEG;

export default function globalSetup(): () => void {
  // `wfvae serve` runs the built CLI and web UI: rebuilt where a source is newer.
  ensureCliBuild();
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-'));
  const clip = join(dir, 'testsrc2-64f.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x128:rate=25', '-frames:v', '64', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  const bad = join(dir, 'not-a-video.mp4');
  writeFileSync(bad, 'This is a text file with a video extension.\n'.repeat(40));
  process.env.WFVAE_E2E_CLIP = clip;
  process.env.WFVAE_E2E_BAD = bad;
  return () => rmSync(dir, { recursive: true, force: true });
}
