// `FILE:NAME` arguments (--tensor, --latents): one tensor of a safetensors file.
import { readSafetensorsTensor, writeSafetensors } from '../engine/checkpoint/index';
import type { Tensor } from '../engine/tensor';
import { UsageError } from '../hosting/errors';

export interface TensorRef {
  file: string;
  name: string;
}

/** Splits at the last ':' so Windows drive letters (C:\…) survive; the name may not contain ':'. */
export function parseTensorRef(value: string, flag: string): TensorRef {
  const i = value.lastIndexOf(':');
  const file = i > 0 ? value.slice(0, i) : '';
  const name = i > 0 ? value.slice(i + 1) : '';
  if (!file || !name || /^[\\/]/.test(name)) {
    throw new UsageError(`--${flag} takes FILE:NAME, a safetensors file and the tensor in it (e.g. --${flag} clip.safetensors:input); got "${value}"`);
  }
  return { file, name };
}

export async function readTensorRef(ref: TensorRef): Promise<Tensor> {
  const { data, shape } = await readSafetensorsTensor(ref.file, ref.name);
  return { data, shape };
}

/** Writes named tensors (float32) as one safetensors file, atomically. */
export async function writeTensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>, signal?: AbortSignal): Promise<void> {
  await writeSafetensors(
    path,
    Object.entries(tensors).map(([name, t]) => ({ name, data: t.data, shape: t.shape })),
    metadata,
    { signal },
  );
}
