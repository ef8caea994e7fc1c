// One cache for diffusers and this app: a cache huggingface_hub wrote (from the
// local Hub server) is read by us offline, and one we wrote is read by
// huggingface_hub offline. huggingface_hub is unpacked from local wheels by
// scripts/hf-hub-python.sh (Debian has no python3-huggingface-hub); where
// there are none, this skips and says so.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHubModel } from '../../../src/engine/checkpoint/hub/index';
import { fakeCommit, gitSha1, sha256, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { REPO_ROOT, SUBSET_GOLDENS } from '../parity/goldens';

const PYTHON = process.env.WFVAE_TEST_PYTHON ?? '/usr/bin/python3';
const setup = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'hf-hub-python.sh')], { encoding: 'utf8' });
const pythonPath = setup.status === 0 ? setup.stdout.trim() : null;
const why = `huggingface_hub is not available to ${PYTHON}: ${setup.stderr.trim() || `scripts/hf-hub-python.sh exited ${setup.status}`}`;

const tiny = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const CONFIG = readFileSync(join(tiny, 'config.json'));
const WEIGHTS = readFileSync(join(tiny, 'diffusion_pytorch_model.safetensors'));
const COMMIT = fakeCommit('python');
const FILES = ['config.json', 'diffusion_pytorch_model.safetensors'];

let hub: FakeHub;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wfvae-hub-py-'));
  hub = await startFakeHub([
    { repo: 'org/tiny', commits: { [COMMIT]: { 'vae/config.json': CONFIG, 'vae/diffusion_pytorch_model.safetensors': WEIGHTS } }, refs: { main: COMMIT } },
  ]);
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs huggingface_hub's hf_hub_download for both files; returns the paths it gives. (Not spawnSync: the server answers from this process.) */
async function pythonDownload(cacheDir: string, offline: boolean): Promise<string[]> {
  const script = `
import sys, json
from huggingface_hub import hf_hub_download, scan_cache_dir
paths = [hf_hub_download('org/tiny', f, subfolder='vae', cache_dir=sys.argv[1]) for f in ${JSON.stringify(FILES)}]
info = scan_cache_dir(sys.argv[1])
assert not info.warnings, info.warnings
repo = [r for r in info.repos if r.repo_id == 'org/tiny'][0]
print(json.dumps({'paths': paths, 'revisions': sorted(r.commit_hash for r in repo.revisions), 'refs': sorted(n for r in repo.revisions for n in r.refs), 'size': repo.size_on_disk}))
`;
  const r = await promisify(execFile)(PYTHON, ['-c', script, cacheDir], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: work, PYTHONPATH: pythonPath!, HF_ENDPOINT: hub.endpoint, HF_HUB_OFFLINE: offline ? '1' : '0', HF_HUB_DISABLE_TELEMETRY: '1', HF_HUB_DISABLE_PROGRESS_BARS: '1' },
  }).catch((e: { stderr?: string; message: string }) => {
    throw new Error(`huggingface_hub failed: ${e.stderr || e.message}`);
  });
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { paths: string[]; revisions: string[]; refs: string[]; size: number };
  expect(out.revisions).toEqual([COMMIT]);
  expect(out.refs).toEqual(['main']);
  expect(out.size).toBe(CONFIG.length + WEIGHTS.length);
  return out.paths;
}

describe.skipIf(!pythonPath)(pythonPath ? 'the cache shared with huggingface_hub' : `the cache shared with huggingface_hub (skipped: ${why})`, () => {
  it('a cache huggingface_hub wrote is read by us with HF_HUB_OFFLINE=1', async () => {
    const cache = join(work, 'written-by-python');
    const paths = await pythonDownload(cache, false);
    const mark = hub.requests.length;
    const r = await resolveHubModel({ repo: 'org/tiny', revision: 'main', revisionGiven: false, subfolder: 'vae' }, { env: { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' } });
    expect(hub.requests.length).toBe(mark);
    expect(r).toMatchObject({ commit: COMMIT, fromCache: true });
    expect(FILES.map((f) => join(r.dir, f))).toEqual(paths);
    expect(realpathSync(join(r.dir, 'config.json'))).toBe(realpathSync(join(cache, 'models--org--tiny', 'blobs', gitSha1(CONFIG))));
    expect(readFileSync(join(r.dir, FILES[1])).equals(WEIGHTS)).toBe(true);
  });

  it('a cache we wrote is read by huggingface_hub with HF_HUB_OFFLINE=1', async () => {
    const cache = join(work, 'written-by-us');
    const r = await resolveHubModel({ repo: 'org/tiny', revision: 'main', revisionGiven: false, subfolder: 'vae' }, { env: { HF_HUB_CACHE: cache, HF_ENDPOINT: hub.endpoint } });
    const mark = hub.requests.length;
    const paths = await pythonDownload(cache, true);
    expect(hub.requests.length).toBe(mark);
    expect(paths).toEqual(FILES.map((f) => join(r.dir, f)));
    expect(realpathSync(paths[1])).toBe(realpathSync(join(cache, 'models--org--tiny', 'blobs', sha256(WEIGHTS))));
  });
});
