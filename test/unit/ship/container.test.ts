// The container image (container/Dockerfile, scripts/container.mjs), built
// with the podman, buildah or docker found here and run: Node 22, wfvae as the
// entry point, info and a tiny reconstruct on a mounted folder, the Vulkan
// loader and the NVIDIA capabilities in the image.
//
// It needs a base image, and no container registry can be reached from this
// project's machines: it uses WFVAE_CONTAINER_BASE, else the Dockerfile's own
// base if it is in local storage, else the one scripts/debian-base-image.sh
// makes from the Debian mirror (localhost/wfvae-debian:bookworm-slim), and
// skips, saying so, where none is there. Making that image takes minutes, so
// the test does not make it itself, and it runs only when asked
// (WFVAE_CONTAINER_TEST=1 or WFVAE_CONTAINER_BASE). The image's apt-get needs the Debian mirror.
// Where podman cannot start a container as configured (in this project's VMs:
// crun refuses the hybrid cgroup layout, and the default rlimits exceed the
// hard ones), it retries with runc and rlimits within this process's, through
// a containers.conf of its own (CONTAINERS_CONF), and says so.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, findBuilder, writeContext } from '../../../scripts/container.mjs';
import { goldenModels, SUBSET_GOLDENS } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const run = promisify(execFile);
const builder = findBuilder();
const DEFAULT_BASE = 'docker.io/library/debian:bookworm-slim';
const LOCAL_BASE = 'localhost/wfvae-debian:bookworm-slim';
const runner = builder && builder.tool !== 'buildah' ? builder.tool : spawnSync('podman', ['--version']).status === 0 ? 'podman' : null;

function imageExists(name: string): boolean {
  return runner !== null && spawnSync(runner, ['image', 'inspect', name], { stdio: 'ignore' }).status === 0;
}

const base = process.env.WFVAE_CONTAINER_BASE || [DEFAULT_BASE, LOCAL_BASE].find(imageExists);

/** The environment podman runs in: as configured, else with a containers.conf that this machine accepts; or why neither runs a container. */
function containerEnv(): { env: NodeJS.ProcessEnv; note: string } | { error: string } {
  const tryRun = (env: NodeJS.ProcessEnv) => spawnSync(runner!, ['run', '--rm', '--network=none', base!, 'true'], { env, encoding: 'utf8' });
  const plain = tryRun(process.env);
  if (plain.status === 0 || runner !== 'podman') return plain.status === 0 ? { env: process.env, note: '' } : { error: plain.stderr.trim() };
  const conf = join(work, 'containers.conf');
  const nofile = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  const runc = spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0;
  writeFileSync(conf, `[containers]\ndefault_ulimits = ["nofile=${nofile}:${nofile}", "nproc=4096:4096"]\n${runc ? '[engine]\nruntime = "runc"\n' : ''}`);
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const retried = tryRun(env);
  if (retried.status === 0) return { env, note: `podman as configured failed (${plain.stderr.trim()}); with ${runc ? 'runc and ' : ''}rlimits within this process's it runs` };
  return { error: `${plain.stderr.trim()}; retried with ${runc ? 'runc and ' : ''}lower rlimits: ${retried.stderr.trim()}` };
}

// Building the image takes minutes (about 11 on this project's 2 shared cores under load): asked for, not by default.
const wanted = process.env.WFVAE_CONTAINER_TEST === '1' || !!process.env.WFVAE_CONTAINER_BASE;
const work = wanted ? mkdtempSync(join(tmpdir(), 'wfvae-container-')) : '';
const setup = wanted && builder && runner && base ? containerEnv() : null;
const why = !wanted
  ? 'building the image takes minutes on 2 cores: set WFVAE_CONTAINER_TEST=1 (and have a base image, see below) to run it'
  : !builder
  ? 'no container builder (podman, buildah or docker) is installed'
  : !runner
    ? 'buildah builds but cannot run the image: podman or docker is needed to run it'
    : !base
      ? `no base image: ${DEFAULT_BASE} is not in local storage and no registry can be reached to pull it; make one from the Debian mirror with \`bash scripts/debian-base-image.sh\` (${LOCAL_BASE}) or name one in WFVAE_CONTAINER_BASE`
      : setup && 'error' in setup
        ? `${runner} cannot run a container on this machine: ${setup.error}`
        : null;
// A skipped file runs no hooks: clean up here.
if (why && work) rmSync(work, { recursive: true, force: true });
if (why) console.warn(`container test skipped: ${why}`);
else if (setup && 'note' in setup && setup.note) console.warn(`container test: ${setup.note}`);
const cenv = setup && 'env' in setup ? setup.env : process.env;

afterAll(() => {
  if (runner && !why) spawnSync(runner, ['rmi', '-f', TAG], { stdio: 'ignore', env: cenv });
  if (work) rmSync(work, { recursive: true, force: true });
});
const TAG = `localhost/wfvae-inspector-test:${process.pid}`;
const [model] = goldenModels(SUBSET_GOLDENS);
const data = join(work, 'data');

describe.skipIf(why !== null)(`the container image (${builder?.tool ?? 'no builder'} on ${base ?? 'no base image'})`, () => {
  beforeAll(async () => {
    const { context } = writeContext({ out: join(work, 'context'), xzLevel: 0, log: () => {} });
    // The build's apt-get reaches the Debian mirror through the host's network.
    const r = buildImage({ context, tag: TAG, base, builder: builder!, quiet: true, extraArgs: ['--network=host'], env: cenv });
    if (r.status !== 0) throw new Error(`the image build failed:\n${r.stdout}\n${r.stderr}`);
    mkdirSync(data);
    await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=24', '-frames:v', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(data, 'clip.mp4')]);
  }, 900_000);

  const inImage = (args: string[], extra: string[] = []) =>
    run(runner!, ['run', '--rm', '--network=none', '-v', `${data}:/work`, '-v', `${model.dir}:/model:ro`, ...extra, TAG, ...args], { maxBuffer: 16 << 20, env: cenv });

  it('runs Node 22 with wfvae as its entry point, the Vulkan loader and the NVIDIA capabilities', async () => {
    expect((await inImage(['--version'])).stdout).toMatch(/^wfvae-inspector \d+\.\d+\.\d+\n$/);
    const node = await run(runner!, ['run', '--rm', '--entrypoint', 'node', TAG, '--version'], { env: cenv });
    expect(node.stdout).toMatch(/^v22\./);
    const vulkan = await run(runner!, ['run', '--rm', '--entrypoint', 'sh', TAG, '-c', 'ls /usr/lib/*-linux-gnu/libvulkan.so.1 /etc/vulkan/icd.d/nvidia_icd.json /opt/wfvae/resources/models/wfvae-demo/config.json'], { env: cenv });
    expect(vulkan.stdout.trim().split('\n')).toHaveLength(3);
    const { stdout } = await run(runner!, ['image', 'inspect', TAG, '--format', '{{json .Config.Env}}'], { env: cenv });
    const env = JSON.parse(stdout) as string[];
    expect(env).toContain('NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics');
    expect(env).toContain('NVIDIA_VISIBLE_DEVICES=all');
  });

  it('runs info and a tiny reconstruct on a mounted folder, with no network', async () => {
    const info = JSON.parse((await inImage(['info', 'clip.mp4', '--json'])).stdout) as { width: number; height: number; frames: number };
    expect([info.width, info.height, info.frames]).toEqual([96, 64, 12]);
    const r = JSON.parse((await inImage(['reconstruct', 'clip.mp4', '--model', '/model', '--frames', '5', '--provider', 'cpu', '--threads', '2', '--json'], ['-e', 'WFVAE_CACHE_DIR=/tmp/cache'])).stdout) as { provider: string; frames: number; psnr: number };
    expect([r.provider, r.frames]).toEqual(['cpu', 5]);
    expect(Number.isFinite(r.psnr)).toBe(true);
  });
});
