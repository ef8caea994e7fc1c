// Broken checkpoints as users meet them, through `wfvae convert` and the
// engine's convertCheckpoint: each fails with a message naming the problem,
// and leaves no converted folder (nor a partial one) behind.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, SafetensorsFile, WEIGHTS_FILE, writeSafetensors, type CheckpointErrorCode } from '../../../src/engine/checkpoint/index';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-bad-ckpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const source = join(SUBSET_GOLDENS, 'wfvae2-tiny');

interface Tensor32 {
  name: string;
  data: Float32Array;
  shape: number[];
}
let tensors: Tensor32[];

beforeAll(async () => {
  const f = await SafetensorsFile.open(join(source, WEIGHTS_FILE));
  tensors = [];
  for (const [name, e] of f.entries) tensors.push({ name, data: await f.readF32(name), shape: [...e.shape] });
  await f.close();
});

function copyModel(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  copyFileSync(join(source, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(source, WEIGHTS_FILE), join(dir, WEIGHTS_FILE));
  return dir;
}

/** A copy whose weights (as float32) went through `mutate`. */
async function mutatedModel(name: string, mutate: (t: Tensor32[]) => Tensor32[]): Promise<string> {
  const dir = copyModel(name);
  const copy = tensors.map((t) => ({ ...t, data: t.data.slice(), shape: [...t.shape] }));
  await writeSafetensors(join(dir, WEIGHTS_FILE), mutate(copy));
  return dir;
}

/** A copy whose header JSON went through `mutate`, data bytes unchanged. */
function headerEditedModel(name: string, mutate: (h: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void): string {
  const dir = copyModel(name);
  const path = join(dir, WEIGHTS_FILE);
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Parameters<typeof mutate>[0];
  mutate(header);
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([prefix, json, bytes.subarray(8 + n)]));
  return dir;
}

/** Runs both user-facing paths and checks they fail cleanly with the problem named. */
async function expectRejected(dir: string, code: CheckpointErrorCode, mentions: RegExp): Promise<void> {
  const cacheDir = join(dir, '..', `${dir.split('/').pop()}-cache`);
  const err = await convertCheckpoint(dir, { cacheDir }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  console.log(`${code}: ${(err as Error).message}`);
  expect((err as CheckpointError).code).toBe(code);
  expect((err as CheckpointError).message).toMatch(mentions);
  const left = (existsSync(cacheDir) ? readdirSync(cacheDir, { withFileTypes: true }) : []).filter((e) => e.isDirectory() && e.name !== 'sources');
  expect(left.map((e) => e.name)).toEqual([]);

  const out = join(dir, '..', `${dir.split('/').pop()}-out`);
  const cli = await run(process.execPath, [WFVAE_CLI, 'convert', dir, '--out', out], { env: { ...process.env, WFVAE_CACHE_DIR: cacheDir } }).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  expect(cli, 'wfvae convert must fail').not.toBeNull();
  expect(cli!.code).not.toBe(0);
  expect(cli!.stderr).toMatch(/wfvae: error: /);
  expect(cli!.stderr).toMatch(mentions);
  expect(readdirSync(join(dir, '..')).filter((n) => n.startsWith(`${dir.split('/').pop()}-out`) || n.startsWith(`.${dir.split('/').pop()}-out`))).toEqual([]);
}

describe('wfvae convert on bad checkpoints', () => {
  it('truncated weights file', async () => {
    const dir = copyModel('truncated');
    const path = join(dir, WEIGHTS_FILE);
    truncateSync(path, Math.floor(readFileSync(path).length * 0.6));
    await expectRejected(dir, 'truncated', /truncated/i);
  });

  it('header length pointing past the end of the file', async () => {
    const dir = copyModel('header-past-end');
    const path = join(dir, WEIGHTS_FILE);
    const bytes = readFileSync(path);
    bytes.writeBigUInt64LE(BigInt(bytes.length * 4), 0);
    writeFileSync(path, bytes);
    await expectRejected(dir, 'truncated', /header length field says \d+ bytes but only \d+ bytes follow it/);
  });

  it('overlapping tensor offsets', async () => {
    const dir = headerEditedModel('overlap', (h) => {
      const names = Object.keys(h).filter((k) => k !== '__metadata__').sort((a, b) => h[a].data_offsets[0] - h[b].data_offsets[0]);
      const [a, b] = [h[names[10]], h[names[11]]];
      b.data_offsets = [a.data_offsets[1] - 2, b.data_offsets[1] - 2];
    });
    await expectRejected(dir, 'bad_offsets', /overlap/i);
  });

  it('NaN and Inf in a weight', async () => {
    const name = tensors[tensors.length - 1].name;
    const dir = await mutatedModel('nan', (t) => {
      const w = t.find((x) => x.name === name)!;
      w.data[3] = NaN;
      w.data[7] = Infinity;
      return t;
    });
    await expectRejected(dir, 'non_finite', new RegExp(`${name.replace(/\./g, '\\.')}.*1 NaN and 1 Inf`));
  });

  it('a weight with the wrong shape', async () => {
    let name = '';
    const dir = await mutatedModel('wrong-shape', (t) => {
      const w = t.find((x) => x.shape.length === 5 && x.shape[0] !== x.shape[1])!;
      name = w.name;
      w.shape = [w.shape[1], w.shape[0], ...w.shape.slice(2)];
      return t;
    });
    await expectRejected(dir, 'shape_mismatch', new RegExp(`${name.replace(/\./g, '\\.')}: expected \\[`));
  });

  it('an unknown key', async () => {
    const dir = await mutatedModel('unknown-key', (t) => [...t, { name: 'encoder.ema_shadow.weight', data: new Float32Array(4), shape: [4] }]);
    await expectRejected(dir, 'unexpected_weights', /1 unexpected weight: encoder\.ema_shadow\.weight/);
  });

  it('a missing key', async () => {
    const dropped = tensors[tensors.length - 2].name;
    const dir = await mutatedModel('missing-key', (t) => t.filter((x) => x.name !== dropped));
    await expectRejected(dir, 'missing_weights', new RegExp(`1 missing weight .*${dropped.replace(/\./g, '\\.')}`));
  });

  it('a config.json that is not JSON', async () => {
    const dir = copyModel('config-not-json');
    writeFileSync(join(dir, 'config.json'), '{"_class_name": "WFVAE2Model", "latent_dim": 8,, }');
    await expectRejected(dir, 'bad_config', /config\.json.*(JSON|json)/);
  });
});
