// Builders for safetensors files byte by byte, so each test can produce
// exactly the damaged file it is about, in its own temporary folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { CheckpointError } from '../../../src/engine/checkpoint';
import { FULL_GOLDENS, SHARED_GOLDENS } from '../../helpers/shared-goldens';

export interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Raw little-endian bytes of the data. */
  bytes: Uint8Array;
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

export function u16Bytes(bits: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(bits).buffer);
}

/** Header JSON with offsets assigned in order, plus the concatenated data. */
export function layout(tensors: RawTensor[]): { header: Record<string, unknown>; data: Uint8Array } {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const t of tensors) {
    data.set(t.bytes, at);
    at += t.bytes.length;
  }
  return { header, data };
}

/** prefix (8-byte LE length, overridable) + header text + data. */
export function safetensorsBytes(headerText: string, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'wfvae-ckpt-test-'));
  dirs.push(d);
  return d;
}

export async function writeTemp(name: string, bytes: Uint8Array | string, dir?: string): Promise<string> {
  const path = join(dir ?? (await tempDir()), name);
  await writeFile(path, bytes);
  return path;
}

/** Runs `fn`, expecting a CheckpointError; returns it for code and message assertions. */
export async function expectCheckpointError(fn: () => Promise<unknown> | unknown): Promise<CheckpointError> {
  try {
    await fn();
  } catch (err) {
    if ((err as Error).name === 'CheckpointError') return err as CheckpointError;
    throw err;
  }
  throw new Error('expected a CheckpointError, but the call succeeded');
}

/** The shared parity fixtures (DESIGN.md: ../shared/goldens beside the repository, or WFVAE_GOLDENS; required under CI=true). */
export const GOLDENS = SHARED_GOLDENS;

export const hasGoldens = FULL_GOLDENS;
if (!hasGoldens) console.warn(`checkpoint tests: no golden fixtures at ${GOLDENS}; golden-model tests are skipped (set WFVAE_GOLDENS to point at them).`);
