// The re-audit's cases about what files say (issue 18): names with terminal
// escapes reach the terminal escaped (2); weights rewritten while `convert`
// reads them are detected and refused (7); a "__proto__" key in config.json is
// an error like any unknown key (8); a NaN in an input or latent tensor is
// reported as that, with where it is, not blamed on a diverged training run (11).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, parseModelConfig, readSafetensorsTensor, SafetensorsFile, WEIGHTS_FILE, writeSafetensors } from '../../../src/engine/checkpoint/index';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-reaudit-ckpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const source = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };

/** The audit's payload: an OSC that retitles the terminal window, plus a C1 CSI (U+009B) and a bidi override. */
const EVIL = 'x\u001b]0;PWNED\u0007\u009b2J\u202e';
/** Anything a terminal acts on: C0 controls but newline and tab, DEL, C1 controls, bidi overrides. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

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

async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await exec(process.execPath, [WFVAE_CLI, ...args], { env: { ...env, ...extraEnv }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

function expectEscaped(out: string): void {
  // The progress bar's own carriage returns and erase-to-end-of-line (ESC [ K) are ours, and the only ones allowed.
  expect(out.split('\x1b[K').join('').replace(/\r/g, '')).not.toMatch(TERMINAL_CONTROL);
  expect(out).toContain('x\\u001b]0;PWNED\\u0007\\u009b2J\\u202e');
}

describe('2: names and values from files reach the terminal with control characters escaped', () => {
  it('a config key with an escape sequence (wfvae convert)', async () => {
    const dir = copyModel('evil-key');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    cfg[EVIL] = 1;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const r = await cli(['convert', dir, '--out', join(work, 'evil-key-out')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('unknown key');
    expectEscaped(r.out);
  });

  it('a tensor name with an escape sequence (wfvae convert: unexpected weight)', async () => {
    const dir = copyModel('evil-tensor');
    await writeSafetensors(join(dir, WEIGHTS_FILE), [...tensors, { name: EVIL, data: new Float32Array(1), shape: [1] }]);
    const r = await cli(['convert', dir, '--out', join(work, 'evil-tensor-out')]);
    expect(r.code).toBe(1);
    expectEscaped(r.out);
  });

  it('tensor names listed when the asked-for one is missing (wfvae encode --tensor)', async () => {
    const file = join(work, 'evil-input.safetensors');
    await writeSafetensors(file, [{ name: EVIL, data: new Float32Array(3 * 9 * 16 * 16), shape: [3, 9, 16, 16] }]);
    const r = await cli(['encode', '--model', source, '--tensor', `${file}:input`, '--out', join(work, 'enc.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('has no tensor named "input"');
    expectEscaped(r.out);
  });

  it('a clip file name with an escape sequence (wfvae eval: in the progress bar and the failed clip\'s line)', async () => {
    const clips = join(work, 'evil-clips');
    mkdirSync(clips);
    writeFileSync(join(clips, `${EVIL}.mp4`), 'not a video\n'.repeat(20));
    await exec(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25', '-frames:v', '9', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', join(clips, 'ok.mp4')]);
    const r = await cli(['eval', clips, '--out', join(work, 'evil-eval'), '--model', source, '--preset', 'per-video', '--no-frequency'], { WFVAE_PROGRESS: '1' });
    expect(r.out).toMatch(/failed/);
    expectEscaped(r.out);
  });
});

describe('8: prototype keys in config.json', () => {
  it('refuses "__proto__" as an unknown key instead of skipping it as metadata', () => {
    const cfg = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as Record<string, unknown>;
    // JSON.parse makes "__proto__" an own property, as it does for a file.
    const parsed = JSON.parse(JSON.stringify(cfg).replace(/^\{/, '{"__proto__":{"latent_dim":4},')) as Record<string, unknown>;
    expect(Object.keys(parsed)).toContain('__proto__');
    let err: unknown;
    try {
      parseModelConfig(parsed, 'config.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).message).toMatch(/"__proto__"/);
    for (const key of ['constructor', 'prototype', '__defineGetter__']) {
      const withKey = { ...cfg, [key]: {} };
      expect(() => parseModelConfig(withKey, 'config.json'), key).toThrow(/unknown key/);
    }
  });

  it('wfvae convert refuses it with the key named', async () => {
    const dir = copyModel('proto-key');
    const text = readFileSync(join(dir, 'config.json'), 'utf8');
    writeFileSync(join(dir, 'config.json'), text.replace(/^\{/, '{"__proto__": {"latent_dim": 4},'));
    const r = await cli(['convert', dir, '--out', join(work, 'proto-out')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/unknown key[^\n]*"__proto__"/);
    expect(existsSync(join(work, 'proto-out'))).toBe(false);
  });
});

describe('7: weights rewritten while convert reads them', () => {
  it('are detected (size, mtime, inode before and after) and nothing is cached', async () => {
    const dir = copyModel('rewritten');
    const cacheDir = join(work, 'rewritten-cache');
    const weights = join(dir, WEIGHTS_FILE);
    let rewritten = false;
    const err = await convertCheckpoint(dir, {
      cacheDir,
      onProgress: (p) => {
        // Once the hash is taken and the graphs read the weights: another process overwrites the file in place.
        if (p.phase === 'build' && !rewritten) {
          rewritten = true;
          const fd = openSync(weights, 'r+');
          writeSync(fd, new Uint8Array(new Float32Array([0.5, 0.25]).buffer), 0, 8, readFileSync(weights).length - 8);
          closeSync(fd);
        }
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(rewritten).toBe(true);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/changed while it was (being )?converted/);
    expect((err as Error).message).toContain(weights);
    const left = existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n !== 'sources') : [];
    expect(left).toEqual([]);
    // Once the file is left alone, the same conversion succeeds.
    const ok = await convertCheckpoint(dir, { cacheDir });
    expect(ok.cached).toBe(false);
  });
});

describe('11: a NaN in an input or a latent is reported as such, with where it is', () => {
  it('readSafetensorsTensor names the tensor and the index of the first NaN', async () => {
    const file = join(work, 'nan-input.safetensors');
    const data = new Float32Array(3 * 9 * 8 * 8);
    data[2 * 9 * 64 + 4 * 64 + 5 * 8 + 6] = NaN; // channel 2, frame 4, row 5, column 6
    data[100] = Infinity;
    await writeSafetensors(file, [{ name: 'input', data, shape: [3, 9, 8, 8] }]);
    const err = await readSafetensorsTensor(file, 'input').then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err!.message).toContain('"input"');
    expect(err!.message).toContain('1 NaN and 1 Inf');
    expect(err!.message).toMatch(/first NaN at \[2, 4, 5, 6\]/);
    expect(err!.message).toMatch(/first Inf at \[0, 1, 4, 4\]/);
    expect(err!.message).not.toMatch(/diverged|earlier checkpoint/);
  });

  it('wfvae decode --latents with a NaN says the latent holds it, not that training diverged', async () => {
    const file = join(work, 'nan-latent.safetensors');
    const data = new Float32Array(8 * 3 * 2 * 2);
    data[5] = NaN;
    await writeSafetensors(file, [{ name: 'mean', data, shape: [1, 8, 3, 2, 2] }]);
    const r = await cli(['decode', '--model', source, '--latents', `${file}:mean`, '--out', join(work, 'dec.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/"mean"[^\n]*1 NaN[^\n]*first NaN at \[0, 0, 1, 0, 1\]/);
    expect(r.out).not.toMatch(/diverged|earlier checkpoint/);
  });

  it('NaN weights are still blamed on the training run', async () => {
    const dir = copyModel('nan-weight');
    const copy = tensors.map((t) => ({ ...t, data: t.data.slice() }));
    copy[3].data[0] = NaN;
    await writeSafetensors(join(dir, WEIGHTS_FILE), copy);
    const err = await convertCheckpoint(dir, { cacheDir: join(work, 'nan-weight-cache') }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err!.message).toMatch(/diverged run; pick an earlier checkpoint/);
  });
});
