// Models by Hugging Face id against a local server speaking the Hub's file
// protocol (test/helpers/fake-hub.ts): real HTTP, real files, the cache laid
// out as huggingface_hub lays it out.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubModelId } from '../../../src/shared/hub-id';
import { HUB_ERROR_CODES, HubError, resolveHubModel, type HubProgress } from '../../../src/engine/checkpoint/hub/index';
import { fakeCommit, gitSha1, sha256, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { SUBSET_GOLDENS } from '../parity/goldens';

const tiny = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const CONFIG = readFileSync(join(tiny, 'config.json'));
const WEIGHTS = readFileSync(join(tiny, 'diffusion_pytorch_model.safetensors'));
const C1 = fakeCommit('one');
const C2 = fakeCommit('two');
const TOKEN = 'hf_test_token_allowed';

let hub: FakeHub;
let work: string;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wfvae-hub-'));
  hub = await startFakeHub([
    {
      repo: 'org/tiny',
      commits: {
        [C1]: { 'config.json': CONFIG, 'diffusion_pytorch_model.safetensors': WEIGHTS, 'README.md': Buffer.from('# tiny\n') },
        [C2]: { 'vae/config.json': CONFIG, 'vae/diffusion_pytorch_model.safetensors': WEIGHTS, 'model_index.json': Buffer.from('{}') },
      },
      refs: { main: C1, pipeline: C2, 'v1.0': C1 },
    },
    { repo: 'org/gated', commits: { [C1]: { 'config.json': CONFIG, 'diffusion_pytorch_model.safetensors': WEIGHTS } }, refs: { main: C1 }, gated: true, allowedTokens: [TOKEN] },
    { repo: 'org/private', commits: { [C1]: { 'config.json': CONFIG } }, refs: { main: C1 }, private: true, allowedTokens: ['hf_other'] },
    { repo: 'org/no-weights', commits: { [C1]: { 'config.json': CONFIG } }, refs: { main: C1 } },
  ]);
  hub.knownTokens.add('hf_known_but_not_allowed');
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

/** A fresh cache folder and the environment that points at it and the fake Hub (nothing from this machine's own HF_* settings). */
function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HF_HUB_CACHE: join(work, `cache-${++n}`), HF_ENDPOINT: hub.endpoint, HF_TOKEN_PATH: join(work, 'no-token'), HOME: work, ...extra };
}

function id(text: string) {
  const p = parseHubModelId(text);
  if (!p.ok) throw new Error(p.error);
  return p.id;
}

async function failure(p: Promise<unknown>): Promise<HubError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a HubError').toBeInstanceOf(HubError);
  return err as HubError;
}

const since = (mark: number) => hub.requests.slice(mark);

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('a model by Hugging Face id', () => {
  it('downloads only the two files, into huggingface_hub’s layout, and uses the cache the second time', async () => {
    const env = freshEnv({ HF_TOKEN: TOKEN });
    const progress: HubProgress[] = [];
    const mark = hub.requests.length;
    const r = await resolveHubModel(id('org/tiny'), { env, onProgress: (p) => progress.push(p) });
    const storage = join(env.HF_HUB_CACHE!, 'models--org--tiny');
    expect(r.commit).toBe(C1);
    expect(r.dir).toBe(join(storage, 'snapshots', C1));
    expect(r.fromCache).toBe(false);
    expect(r.downloadedBytes).toBe(CONFIG.length + WEIGHTS.length);

    // refs/main holds the commit (no newline), snapshot files are relative symlinks into blobs named by etag.
    expect(readFileSync(join(storage, 'refs', 'main'), 'utf8')).toBe(C1);
    const cfgLink = join(storage, 'snapshots', C1, 'config.json');
    const wLink = join(storage, 'snapshots', C1, 'diffusion_pytorch_model.safetensors');
    expect(lstatSync(cfgLink).isSymbolicLink()).toBe(true);
    expect(readlinkSync(cfgLink)).toBe(`../../blobs/${gitSha1(CONFIG)}`);
    expect(readlinkSync(wLink)).toBe(`../../blobs/${sha256(WEIGHTS)}`);
    expect(readFileSync(wLink).equals(WEIGHTS)).toBe(true);
    expect(readdirSync(join(storage, 'blobs')).sort()).toEqual([gitSha1(CONFIG), sha256(WEIGHTS)].sort());
    expect(readdirSync(join(storage, 'snapshots', C1)).sort()).toEqual(['config.json', 'diffusion_pytorch_model.safetensors']);
    expect(existsSync(join(env.HF_HUB_CACHE!, 'CACHEDIR.TAG'))).toBe(true);
    expect(readdirSync(join(env.HF_HUB_CACHE!, '.locks', 'models--org--tiny'))).toEqual([]);

    // HEAD did not follow the CDN redirect; the GET did, and the token stayed on the Hub's origin.
    const reqs = since(mark);
    expect(reqs.filter((q) => q.server === 'hub' && q.method === 'HEAD').map((q) => q.path)).toEqual([
      '/org/tiny/resolve/main/config.json',
      `/org/tiny/resolve/${C1}/diffusion_pytorch_model.safetensors`,
    ]);
    const cdnGets = reqs.filter((q) => q.server === 'cdn');
    expect(cdnGets).toHaveLength(1);
    expect(cdnGets[0].authorization).toBeUndefined();
    expect(reqs.filter((q) => q.server === 'hub').every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(reqs.some((q) => q.path.includes('README'))).toBe(false);
    const last = progress.filter((p) => p.phase === 'download' && p.file === 'diffusion_pytorch_model.safetensors').pop();
    expect(last).toMatchObject({ done: WEIGHTS.length, total: WEIGHTS.length });
    expect(progress.some((p) => p.phase === 'verify')).toBe(true);

    const mark2 = hub.requests.length;
    const again = await resolveHubModel(id('org/tiny'), { env });
    expect(again).toMatchObject({ commit: C1, fromCache: true, downloadedBytes: 0, dir: r.dir });
    expect(since(mark2)).toEqual([]);
  });

  it('a subfolder at a branch, a tag and a commit hash; blobs shared between commits', async () => {
    const env = freshEnv();
    const vae = await resolveHubModel(id('org/tiny@pipeline:vae'), { env });
    const storage = join(env.HF_HUB_CACHE!, 'models--org--tiny');
    expect(vae.dir).toBe(join(storage, 'snapshots', C2, 'vae'));
    expect(readlinkSync(join(vae.dir, 'diffusion_pytorch_model.safetensors'))).toBe(`../../../blobs/${sha256(WEIGHTS)}`);
    expect(readFileSync(join(storage, 'refs', 'pipeline'), 'utf8')).toBe(C2);
    expect(existsSync(join(storage, 'snapshots', C2, 'model_index.json'))).toBe(false);

    // Same blobs at another commit: nothing downloaded, only links made.
    const mark = hub.requests.length;
    const tag = await resolveHubModel(id('org/tiny@v1.0'), { env });
    expect(tag).toMatchObject({ commit: C1, downloadedBytes: 0, fromCache: false });
    expect(since(mark).filter((q) => q.server === 'cdn' || q.method === 'GET')).toEqual([]);
    expect(readFileSync(join(storage, 'refs', 'v1.0'), 'utf8')).toBe(C1);

    // A full commit hash is used directly: no ref is written, and once cached, no request is made.
    const byHash = await resolveHubModel(id(`org/tiny@${C1}`), { env });
    expect(byHash).toMatchObject({ commit: C1, fromCache: true });
    expect(existsSync(join(storage, 'refs', C1))).toBe(false);
  });

  it('a renamed repo: the HEAD follows the relative redirect', async () => {
    hub.renamed.set('old-org/tiny', 'org/tiny');
    const r = await resolveHubModel(id('old-org/tiny'), { env: freshEnv() });
    expect(r.commit).toBe(C1);
    expect(readFileSync(join(r.dir, 'config.json')).equals(CONFIG)).toBe(true);
  });

  it('a download cut midway resumes by Range and ends with the right bytes', async () => {
    const env = freshEnv();
    hub.cutNext(1_000_000);
    const mark = hub.requests.length;
    const r = await resolveHubModel(id('org/tiny'), { env });
    const gets = since(mark).filter((q) => q.server === 'cdn');
    expect(gets.map((q) => q.status)).toEqual([200, 206]);
    expect(gets[0].range).toBeUndefined();
    // It resumes from what reached the disk: at most the 1,000,000 bytes sent before the cut (a reset
    // connection may drop what was still in flight), and never from the start.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_000);
    expect(r.downloadedBytes).toBe(CONFIG.length + WEIGHTS.length);
    expect(readFileSync(join(r.dir, 'diffusion_pytorch_model.safetensors')).equals(WEIGHTS)).toBe(true);
  });

  it('a partial blob another process left (blobs/<etag>.incomplete) is resumed, not downloaded again', async () => {
    const env = freshEnv();
    const blobs = join(env.HF_HUB_CACHE!, 'models--org--tiny', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(WEIGHTS)}.incomplete`), WEIGHTS.subarray(0, 3_000_000));
    const mark = hub.requests.length;
    const r = await resolveHubModel(id('org/tiny'), { env });
    expect(since(mark).filter((q) => q.server === 'cdn').map((q) => q.range)).toEqual(['bytes=3000000-']);
    expect(r.downloadedBytes).toBe(CONFIG.length + WEIGHTS.length - 3_000_000);
    expect(readFileSync(join(r.dir, 'diffusion_pytorch_model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(existsSync(join(blobs, `${sha256(WEIGHTS)}.incomplete`))).toBe(false);
  });

  it('wrong bytes are refused: no blob, no partial file, no snapshot link, no ref', async () => {
    const env = freshEnv();
    hub.corruptNext();
    const err = await failure(resolveHubModel(id('org/tiny'), { env }));
    expect(err.code).toBe(HUB_ERROR_CODES.checksum);
    expect(err.message).toMatch(new RegExp(`diffusion_pytorch_model\\.safetensors of org/tiny does not match .*SHA-256 ${sha256(WEIGHTS)}, got [0-9a-f]{64}.*nothing entered the cache`));
    const storage = join(env.HF_HUB_CACHE!, 'models--org--tiny');
    expect(readdirSync(join(storage, 'blobs'))).toEqual([gitSha1(CONFIG)]);
    expect(existsSync(join(storage, 'snapshots', C1, 'diffusion_pytorch_model.safetensors'))).toBe(false);
    expect(existsSync(join(storage, 'refs', 'main'))).toBe(false);
    // The next try downloads it whole and succeeds.
    const r = await resolveHubModel(id('org/tiny'), { env });
    expect(readFileSync(join(r.dir, 'diffusion_pytorch_model.safetensors')).equals(WEIGHTS)).toBe(true);
  });

  it('says what is wrong for gated, private, missing repos, bad tokens, revisions and files', async () => {
    const gatedNoToken = await failure(resolveHubModel(id('org/gated'), { env: freshEnv() }));
    expect(gatedNoToken.code).toBe(HUB_ERROR_CODES.gated);
    expect(gatedNoToken.message).toMatch(/org\/gated is a gated repo: no token was sent: set HF_TOKEN .*Accept its terms at http:\/\/127\.0\.0\.1:\d+\/org\/gated/);
    const gatedOther = await failure(resolveHubModel(id('org/gated'), { env: freshEnv({ HF_TOKEN: 'hf_known_but_not_allowed' }) }));
    expect(gatedOther.code).toBe(HUB_ERROR_CODES.gated);
    expect(gatedOther.message).toMatch(/HF_TOKEN is set, but that token cannot read it/);
    const gatedOk = await resolveHubModel(id('org/gated'), { env: freshEnv({ HF_TOKEN: TOKEN }) });
    expect(gatedOk.commit).toBe(C1);

    const priv = await failure(resolveHubModel(id('org/private'), { env: freshEnv() }));
    expect(priv.code).toBe(HUB_ERROR_CODES.repoNotFound);
    expect(priv.message).toMatch(/no model repo org\/private on http:\/\/127\.0\.0\.1:\d+ that this request may see \(401\).*if it is private or gated, no token was sent: set HF_TOKEN/);
    const missing = await failure(resolveHubModel(id('org/nothing-here'), { env: freshEnv({ HF_TOKEN: TOKEN }) }));
    expect(missing.code).toBe(HUB_ERROR_CODES.repoNotFound);
    expect(missing.message).toMatch(/\(404\)/);
    const badToken = await failure(resolveHubModel(id('org/tiny'), { env: freshEnv({ HF_TOKEN: 'hf_revoked' }) }));
    expect(badToken.code).toBe(HUB_ERROR_CODES.badToken);
    expect(badToken.message).toMatch(/refused the token in HF_TOKEN as invalid or expired \(401\)/);

    const rev = await failure(resolveHubModel(id('org/tiny@no-such-branch'), { env: freshEnv() }));
    expect(rev.code).toBe(HUB_ERROR_CODES.revisionNotFound);
    expect(rev.message).toMatch(/org\/tiny has no revision "no-such-branch"/);
    const entry = await failure(resolveHubModel(id('org/tiny@pipeline'), { env: freshEnv() }));
    expect(entry.code).toBe(HUB_ERROR_CODES.entryNotFound);
    expect(entry.message).toMatch(/org\/tiny@pipeline has no file config\.json.*name it after a colon: org\/tiny:vae/);
    const noWeights = await failure(resolveHubModel(id('org/no-weights'), { env: freshEnv() }));
    expect(noWeights.message).toMatch(/has no file diffusion_pytorch_model\.safetensors/);

    const closed = await closedPort();
    const down = await failure(resolveHubModel(id('org/tiny'), { env: freshEnv({ HF_ENDPOINT: `http://127.0.0.1:${closed}` }) }));
    expect(down.code).toBe(HUB_ERROR_CODES.network);
    expect(down.message).toMatch(new RegExp(`cannot reach the Hugging Face Hub at http://127\\.0\\.0\\.1:${closed} to look up org/tiny/config\\.json \\(ECONNREFUSED\\)`));
  });

  it('HF_HUB_OFFLINE=1: never a request; what is missing is named', async () => {
    const env = freshEnv({ HF_HUB_OFFLINE: '1' });
    const mark = hub.requests.length;
    const none = await failure(resolveHubModel(id('org/tiny'), { env }));
    expect(none.code).toBe(HUB_ERROR_CODES.offlineMissing);
    expect(none.message).toMatch(/HF_HUB_OFFLINE is set and org\/tiny is not in the Hugging Face cache .* \(from HF_HUB_CACHE\): no models--org--tiny\/refs\/main \(the revision "main" was never downloaded here\)/);

    // A cache with the config but not the weights (a blob deleted by hand).
    const online = { ...env, HF_HUB_OFFLINE: '0' };
    const r = await resolveHubModel(id('org/tiny'), { env: online });
    await rm(join(env.HF_HUB_CACHE!, 'models--org--tiny', 'blobs', sha256(WEIGHTS)));
    const mark2 = hub.requests.length;
    const partial = await failure(resolveHubModel(id('org/tiny'), { env }));
    expect(partial.message).toMatch(new RegExp(`org/tiny \\(commit ${C1}\\) is incomplete .*snapshots/${C1}/diffusion_pytorch_model\\.safetensors links to \\.\\./\\.\\./blobs/${sha256(WEIGHTS)}, which is missing`));
    expect(since(mark2)).toEqual([]);
    expect(r.commit).toBe(C1);
    expect(since(mark).length).toBeGreaterThan(0); // only the online resolve asked
  });
});

describe('the download lock', () => {
  async function cacheWithLock(): Promise<{ env: NodeJS.ProcessEnv; lock: string }> {
    const env = freshEnv({ WFVAE_HUB_LOCK_TIMEOUT: '1' });
    const lock = join(env.HF_HUB_CACHE!, '.locks', 'models--org--tiny', `${sha256(WEIGHTS)}.lock`);
    mkdirSync(join(lock, '..'), { recursive: true });
    return { env, lock };
  }

  it.skipIf(process.platform !== 'linux')('an flock held by another process (as huggingface_hub holds it): waits, then says who holds it', async () => {
    const { env, lock } = await cacheWithLock();
    writeFileSync(lock, '');
    // Python's fcntl.flock is what huggingface_hub's filelock uses.
    const holder = spawn('/usr/bin/python3', ['-c', 'import fcntl,os,sys,time; fd=os.open(sys.argv[1], os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(30)', lock], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      const waits: HubProgress[] = [];
      const t0 = Date.now();
      const err = await failure(resolveHubModel(id('org/tiny'), { env, onProgress: (p) => p.phase === 'wait' && waits.push(p) }));
      expect(err.code).toBe(HUB_ERROR_CODES.locked);
      expect(err.message).toMatch(new RegExp(`another process is writing diffusion_pytorch_model\\.safetensors of org/tiny into the Hugging Face cache: pid ${holder.pid} \\(python3\\) on this machine, with a file lock holds .*\\.lock\\. Waited 1 s`));
      expect(waits.length).toBeGreaterThan(0);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      expect(existsSync(join(env.HF_HUB_CACHE!, 'models--org--tiny', 'blobs', sha256(WEIGHTS)))).toBe(false);
    } finally {
      holder.kill();
    }
    // Once the holder is gone its empty file is a leftover: taken over, and the download goes ahead.
    await new Promise((r) => holder.once('exit', r));
    const r = await resolveHubModel(id('org/tiny'), { env });
    expect(readFileSync(join(r.dir, 'diffusion_pytorch_model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('a fresh lock of another live wfvae process is waited for; a dead one’s is taken over', async () => {
    const { env, lock } = await cacheWithLock();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(lock, JSON.stringify({ tool: 'wfvae-inspector', pid: holder.pid, host: (await import('node:os')).hostname(), since: '2025-01-01T00:00:00Z' }));
      const err = await failure(resolveHubModel(id('org/tiny'), { env }));
      expect(err.message).toMatch(new RegExp(`pid ${holder.pid} on this machine \\(since 2025-01-01T00:00:00Z\\) holds`));
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.once('exit', r));
    expect(statSync(lock).size).toBeGreaterThan(0);
    const r = await resolveHubModel(id('org/tiny'), { env });
    expect(r.commit).toBe(C1);
    expect(existsSync(lock)).toBe(false);
  });

  it('two resolves at once download each blob once', async () => {
    const env = freshEnv();
    const mark = hub.requests.length;
    const [a, b] = await Promise.all([resolveHubModel(id('org/tiny'), { env }), resolveHubModel(id('org/tiny'), { env })]);
    expect(a.dir).toBe(b.dir);
    expect(since(mark).filter((q) => q.server === 'cdn')).toHaveLength(1);
    expect(a.downloadedBytes + b.downloadedBytes).toBe(CONFIG.length + WEIGHTS.length);
  });
});
