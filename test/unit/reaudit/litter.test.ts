// Nothing of ours or our libraries' stays in the temp folder after a run
// (issue 18, case 13). onnxruntime-node 1.30 carries Microsoft's telemetry SDK
// on Linux and macOS: unless switched off it starts an uploader, keeps a device
// id under $XDG_CACHE_HOME and leaves mat-debug-<pid>.log (and .ses) in the temp
// folder, one log per process. The runs here go with TMPDIR and XDG_CACHE_HOME
// pointed at fresh folders and without the CI variables that would switch the
// telemetry off by themselves; the temp folder is counted before and after.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const MODEL = join(SUBSET_GOLDENS, 'wfvae2-tiny');
/** What onnxruntime reads to switch its telemetry off: the test's children go without them. */
const TELEMETRY_OFF_VARS = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI', 'ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED', 'ORT_RUNNING_UNIT_TESTS'];

const work = mkdtempSync(join(tmpdir(), 'wfvae-reaudit-litter-'));
const tmp = join(work, 'tmp');
const cache = join(work, 'xdg-cache');
const web = join(work, 'web');
let clip: string;
afterAll(() => rmSync(work, { recursive: true, force: true }));

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, XDG_CACHE_HOME: cache, WFVAE_CACHE_DIR: join(work, 'graphs'), WFVAE_WEB_ROOT: web };
  for (const name of TELEMETRY_OFF_VARS) delete env[name];
  return env;
}

/** Entries of the temp folder. */
function litter(): string[] {
  return readdirSync(tmp);
}

function reconstruct(): void {
  execFileSync(process.execPath, [WFVAE_CLI, 'reconstruct', clip, '--model', MODEL, '--frames', '9', '--out', join(work, 'rec.mp4')], { env: childEnv(), stdio: 'pipe' });
}

/** wfvae serve with a model (its compute worker runs onnxruntime), one upload, then SIGTERM. */
async function serveOnce(): Promise<number | null> {
  const child = spawn(process.execPath, [WFVAE_CLI, 'serve', '--no-open', '--port', '0', '--model', MODEL], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.resume();
  const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const t0 = Date.now();
  let m: RegExpExecArray | null = null;
  while (!(m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(out))) {
    if (Date.now() - t0 > 90_000 || child.exitCode !== null) throw new Error(`wfvae serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const res = await fetch(`http://127.0.0.1:${m[1]}/api/openVideo`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-wfvae-token': m[2], 'x-wfvae-request': encodeURIComponent(JSON.stringify({ taskId: 'up', name: 'clip.mp4' })) },
    body: new Blob([readFileSync(clip)]),
  });
  expect(res.status).toBe(200);
  child.kill('SIGTERM');
  return exit;
}

beforeAll(() => {
  mkdirSync(tmp);
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  clip = join(work, 'clip.mp4');
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=25', '-frames:v', '9', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
});

describe('13: a run leaves nothing in the temp folder', () => {
  it('wfvae reconstruct (onnxruntime on the main thread): the temp folder holds as much after as before', () => {
    const before = litter();
    expect(before).toEqual([]);
    reconstruct();
    expect(litter()).toEqual(before);
  });

  it('wfvae serve with a model and an upload, stopped by SIGTERM (onnxruntime in a worker thread): the same', async () => {
    const before = litter();
    expect(await serveOnce()).toBe(143);
    expect(litter()).toEqual(before);
  });

  it('onnxruntime\'s telemetry never started: no device id or event queue in the user\'s cache', () => {
    expect(existsSync(join(cache, 'Microsoft'))).toBe(false);
  });
});
