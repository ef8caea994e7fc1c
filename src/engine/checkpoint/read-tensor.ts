/** One tensor from a safetensors file, for `--tensor FILE:NAME` style options: an input, never a weight. */
import { CheckpointError, cappedList } from './errors';
import { SafetensorsFile } from './safetensors-file';
import { clipText, quoteName } from './clip-text';

export async function readSafetensorsTensor(path: string, name: string): Promise<{ data: Float32Array; shape: number[] }> {
  const file = await SafetensorsFile.open(path);
  try {
    const entry = file.entries.get(name);
    if (!entry) {
      const names = [...file.entries.values()].map((e) => `${e.name} [${e.shape.join(', ')}]`);
      throw new CheckpointError(
        'missing_weights',
        `${path} has no tensor named ${quoteName(name)}. Available (${names.length}): ${names.length ? cappedList(names.map((n) => clipText(n)), 40) : 'none'}`,
        names,
      );
    }
    const data = await file.readF32(name, { role: 'input' });
    return { data, shape: [...entry.shape] };
  } finally {
    await file.close();
  }
}
