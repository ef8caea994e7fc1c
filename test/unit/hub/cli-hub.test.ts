// The CLI end to end with --model org/name against the local Hub server
// (HF_ENDPOINT): download into HF_HUB_CACHE, the reference's latent for that
// checkpoint, then offline from the cache, and a gated repo's message.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCommit, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { maxAbsDiff, PARITY_TOL, readCase, splitMoments, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const run = promisify(execFile);
const tiny = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const INPUT = `${join(tiny, 't1_64x64.safetensors')}:input`;
const COMMIT = fakeCommit('cli');

let hub: FakeHub;
let work: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wfvae-hub-cli-'));
  const files = { 'vae/config.json': readFileSync(join(tiny, 'config.json')), 'vae/diffusion_pytorch_model.safetensors': readFileSync(join(tiny, 'diffusion_pytorch_model.safetensors')) };
  hub = await startFakeHub([
    { repo: 'org/pipe', commits: { [COMMIT]: files }, refs: { main: COMMIT } },
    { repo: 'org/gated', commits: { [COMMIT]: files }, refs: { main: COMMIT }, gated: true, allowedTokens: ['hf_ok'] },
  ]);
  env = { ...process.env, HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: join(work, 'hf'), HF_TOKEN_PATH: join(work, 'no-token'), WFVAE_CACHE_DIR: join(work, 'graphs') };
  for (const k of ['HF_TOKEN', 'HF_HUB_OFFLINE', 'HF_HOME', 'HUGGINGFACE_HUB_CACHE', 'TRANSFORMERS_OFFLINE']) delete env[k];
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

describe('wfvae with --model org/name', () => {
  it('encode downloads the model into the Hugging Face cache, gives the reference’s latent, and runs offline after', async () => {
    const fromHub = join(work, 'hub.safetensors');
    const online = await run(process.execPath, [WFVAE_CLI, 'encode', '--model', 'org/pipe:vae', '--tensor', INPUT, '--out', fromHub, '--provider', 'cpu'], { env, cwd: work });
    expect(online.stderr).toMatch(new RegExp(`model: org/pipe:vae at commit ${COMMIT.slice(0, 12)}, downloaded 4\\.2 MB into the Hugging Face cache \\(${join(work, 'hf', 'models--org--pipe', 'snapshots', COMMIT, 'vae')}\\)`));

    // The latent of the model from the Hub is the reference's (PyTorch) for this checkpoint.
    const golden = splitMoments((await readCase(join(tiny, 't1_64x64.safetensors'))).get('enc.h')!).mean;
    const ours = (await readCase(fromHub)).get('mean')!;
    expect(ours.shape).toEqual([1, 8, 1, 8, 8]);
    expect(maxAbsDiff(ours, golden)).toBeLessThanOrEqual(PARITY_TOL);

    // Offline, with nothing listening at the endpoint: from the cache alone.
    const mark = hub.requests.length;
    const offline = await run(process.execPath, [WFVAE_CLI, 'convert', 'org/pipe:vae', '--json'], { env: { ...env, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:1' }, cwd: work });
    expect(JSON.parse(offline.stdout)).toMatchObject({ cached: true, className: 'WFVAE2Model' });
    expect(hub.requests.length).toBe(mark);
  });

  it('a gated repo without a token: exit 1 and what to do', async () => {
    const r = await run(process.execPath, [WFVAE_CLI, 'encode', '--model', 'org/gated:vae', '--tensor', INPUT, '--out', join(work, 'g.safetensors')], { env, cwd: work }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(r?.code).toBe(1);
    expect(r?.stderr).toMatch(/org\/gated is a gated repo: no token was sent: set HF_TOKEN/);
  });
});
