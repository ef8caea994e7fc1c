// The id grammar, where the cache is (the variables huggingface_hub reads),
// and a cache laid out by hand exactly as huggingface_hub lays it out, read
// with HF_HUB_OFFLINE=1 and no server at all.
import { mkdirSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHubModelId, parseHubModelId } from '../../../src/shared/hub-id';
import { parseRequest } from '../../../src/shared/contract';
import { hubSettings, resolveHubModel } from '../../../src/engine/checkpoint/hub/index';
import { openCheckpoint } from '../../../src/engine/checkpoint/index';
import { resolveModelSource } from '../../../src/engine/runtime/model-path';
import { fakeCommit, gitSha1, sha256 } from '../../helpers/fake-hub';
import { SUBSET_GOLDENS } from '../parity/goldens';

const tiny = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const CONFIG = readFileSync(join(tiny, 'config.json'));
const WEIGHTS = readFileSync(join(tiny, 'diffusion_pytorch_model.safetensors'));
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wfvae-hub-cache-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('Hub model ids', () => {
  it('parses org/name, @revision and :subfolder', () => {
    expect(parseHubModelId('org/WF-VAE-L')).toEqual({ ok: true, id: { repo: 'org/WF-VAE-L', revision: 'main', revisionGiven: false, subfolder: '' } });
    expect(parseHubModelId('org/pipe@v1.0:vae')).toEqual({ ok: true, id: { repo: 'org/pipe', revision: 'v1.0', revisionGiven: true, subfolder: 'vae' } });
    expect(parseHubModelId('a.b/c_d@refs/pr/3:models/vae/')).toMatchObject({ ok: true, id: { revision: 'refs/pr/3', subfolder: 'models/vae' } });
    expect(formatHubModelId({ repo: 'org/x', revision: 'main', subfolder: '', revisionGiven: false })).toBe('org/x');
    expect(formatHubModelId({ repo: 'org/x', revision: 'dev', subfolder: 'vae' })).toBe('org/x@dev:vae');
  });

  it('refuses what is not an id, saying why', () => {
    const bad = (t: string) => {
      const r = parseHubModelId(t);
      return r.ok ? 'parsed' : r.error;
    };
    expect(bad('just-a-name')).toMatch(/write it as org\/name/);
    expect(bad('/abs/path')).toMatch(/write it as org\/name/);
    expect(bad('./org/name')).toMatch(/write it as org\/name/);
    expect(bad('a/b/c')).toMatch(/write it as org\/name/);
    expect(bad('org/na--me')).toMatch(/may not contain "--" or "\.\."/);
    expect(bad('org/-name')).toMatch(/must start and end with a letter or digit/);
    expect(bad('org/name@')).toMatch(/revision "" .* is not a branch, tag or commit/);
    expect(bad('org/name@a..b')).toMatch(/is not a branch, tag or commit/);
    expect(bad('org/name:')).toMatch(/ends in ':' with no subfolder/);
    expect(bad('org/name:../x')).toMatch(/must be a relative path inside the repo/);
    expect(bad('org/name:/vae')).toMatch(/must be a relative path inside the repo/);
  });

  it('the API refuses a bad id with the same reason, and a request naming both a path and an id', () => {
    expect(parseRequest('loadModel', { taskId: 't', hub: 'org/pipe:vae' })).toEqual({ taskId: 't', hub: 'org/pipe:vae' });
    expect(() => parseRequest('loadModel', { taskId: 't', hub: 'org/na--me' })).toThrow(/invalid loadModel request: hub: .*may not contain "--"/);
    expect(() => parseRequest('loadModel', { taskId: 't', hub: 'org/x', path: '/m' })).toThrow(/give either path or hub, not both/);
  });

  it('the cache folder comes from HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME or ~/.cache', () => {
    expect(hubSettings({ HF_HUB_CACHE: '/c/hub', HF_HOME: '/h', HOME: '/home/u' })).toMatchObject({ cacheDir: '/c/hub', cacheDirSource: 'HF_HUB_CACHE' });
    expect(hubSettings({ HF_HOME: '~/hf', HOME: '/home/u' })).toMatchObject({ cacheDir: '/home/u/hf/hub', cacheDirSource: 'HF_HOME' });
    expect(hubSettings({ XDG_CACHE_HOME: '/x', HOME: '/home/u' }).cacheDir).toBe('/x/huggingface/hub');
    expect(hubSettings({ HOME: '/home/u' })).toMatchObject({ cacheDir: '/home/u/.cache/huggingface/hub', offline: false, endpoint: 'https://huggingface.co', token: undefined });
    expect(hubSettings({ HOME: '/home/u', HF_HUB_OFFLINE: 'yes', HF_ENDPOINT: 'http://mirror/', HF_TOKEN: 'hf_x' })).toMatchObject({ offline: true, endpoint: 'http://mirror', token: 'hf_x' });
    // The token `hf auth login` stores, when HF_TOKEN is not set.
    const home = join(work, 'hf-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), 'hf_from_file\n');
    expect(hubSettings({ HF_HOME: home }).token).toBe('hf_from_file');
  });
});

describe('a cache laid out by hand as huggingface_hub lays it out', () => {
  /**
   * models--org--tiny/
   *   blobs/<git sha1 of config.json>, blobs/<sha256 of the weights>
   *   refs/main                      (the commit, no newline)
   *   snapshots/<commit>/vae/{config.json,diffusion_pytorch_model.safetensors} -> ../../../blobs/…
   *   snapshots/<older>/vae/config.json                                       (an older, partial snapshot)
   *   .no_exist/<commit>/vae/diffusion_pytorch_model.bin                      (huggingface_hub's record of a 404)
   * .locks/models--org--tiny/<sha256>.lock                                     (empty, left behind)
   */
  function layCache(hubDir: string): { commit: string } {
    const commit = fakeCommit('by-hand');
    const older = fakeCommit('older');
    const storage = join(hubDir, 'models--org--tiny');
    const cfgBlob = gitSha1(CONFIG);
    const wBlob = sha256(WEIGHTS);
    mkdirSync(join(storage, 'blobs'), { recursive: true });
    writeFileSync(join(storage, 'blobs', cfgBlob), CONFIG);
    writeFileSync(join(storage, 'blobs', wBlob), WEIGHTS);
    mkdirSync(join(storage, 'refs'), { recursive: true });
    writeFileSync(join(storage, 'refs', 'main'), commit);
    for (const [c, files] of [
      [commit, ['config.json', 'diffusion_pytorch_model.safetensors']],
      [older, ['config.json']],
    ] as const) {
      mkdirSync(join(storage, 'snapshots', c, 'vae'), { recursive: true });
      for (const f of files) symlinkSync(`../../../blobs/${f === 'config.json' ? cfgBlob : wBlob}`, join(storage, 'snapshots', c, 'vae', f));
    }
    mkdirSync(join(storage, '.no_exist', commit, 'vae'), { recursive: true });
    writeFileSync(join(storage, '.no_exist', commit, 'vae', 'diffusion_pytorch_model.bin'), '');
    mkdirSync(join(hubDir, '.locks', 'models--org--tiny'), { recursive: true });
    writeFileSync(join(hubDir, '.locks', 'models--org--tiny', `${wBlob}.lock`), '');
    return { commit };
  }

  it('resolves offline through HF_HOME, with no server anywhere, to a checkpoint that opens', async () => {
    const hfHome = join(work, 'home');
    const { commit } = layCache(join(hfHome, 'hub'));
    // Nothing listens on the endpoint: any request would fail loudly.
    const env = { HF_HOME: hfHome, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:1', HF_TOKEN_PATH: join(work, 'none') };
    const src = await resolveModelSource('org/tiny:vae', { env });
    expect(src.label).toBe('org/tiny:vae');
    expect(src.path).toBe(join(hfHome, 'hub', 'models--org--tiny', 'snapshots', commit, 'vae'));
    expect(src.hub).toMatchObject({ commit, fromCache: true, downloadedBytes: 0 });
    const ck = await openCheckpoint(src.path);
    try {
      expect(ck.config.className).toBe('WFVAE2Model');
      expect(ck.weights.entries.size).toBeGreaterThan(10);
    } finally {
      await ck.weights.close();
    }
    // A commit hash is used directly; the older, partial snapshot is reported as such.
    expect((await resolveHubModel({ repo: 'org/tiny', revision: commit, revisionGiven: true, subfolder: 'vae' }, { env })).dir).toBe(src.path);
    const older = fakeCommit('older');
    await expect(resolveHubModel({ repo: 'org/tiny', revision: older, revisionGiven: true, subfolder: 'vae' }, { env })).rejects.toThrow(
      new RegExp(`commit ${older}\\) is incomplete .*snapshots/${older}/vae/diffusion_pytorch_model\\.safetensors is not there`),
    );
  });

  it('a folder of the same name wins over the Hub id', async () => {
    const cwd = process.cwd();
    const dir = join(work, 'cwd');
    mkdirSync(join(dir, 'org', 'tiny'), { recursive: true });
    process.chdir(dir);
    try {
      const src = await resolveModelSource('org/tiny', { env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: join(work, 'empty') } });
      expect(src).toEqual({ path: 'org/tiny', hub: null, label: 'org/tiny' });
      // A name that is no folder here is read as an id, and the error says so.
      await expect(resolveModelSource('org/other', { env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: join(work, 'empty') } })).rejects.toThrow(/not in the Hugging Face cache.*\(Read as a Hugging Face id because there is no folder org\/other here\.\)/);
      // Unless the caller says it is a Hub id (the app's "from Hugging Face").
      await expect(resolveModelSource('org/tiny', { hub: true, env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: join(work, 'empty') } })).rejects.toThrow(/HF_HUB_OFFLINE is set and org\/tiny is not in the Hugging Face cache/);
    } finally {
      process.chdir(cwd);
    }
  });
});
