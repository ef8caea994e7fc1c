// The weights of the graphs under construction: which checkpoint tensors the
// model asks for (with the shape the config implies), where each lives in the
// shared external data file, and the streaming copy from the checkpoint.
import { open } from 'node:fs/promises';
import { toHalfBits } from './float16';
import { DataType, type TensorProtoSpec } from './proto';

/** Where weights come from: a checkpoint (safetensors) or anything shaped like one. */
export interface WeightSource {
  shapeOf(name: string): readonly number[] | undefined;
  /** The tensor widened to float32. */
  readF32(name: string): Promise<Float32Array>;
}

interface Slot {
  name: string;
  expected: readonly number[];
  offset: number;
  byteLength: number;
  /** Set for tensors computed by the converter rather than read from the checkpoint. */
  data?: Float32Array;
  /** ONNX dims variants under which graphs reference this slot. */
  views: Map<string, readonly number[]>;
}

const ALIGN = 64;
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export class WeightStore {
  private readonly slots = new Map<string, Slot>();
  private end = 0;

  constructor(readonly source: WeightSource | null) {}

  private slot(name: string, expected: readonly number[], data?: Float32Array): Slot {
    let s = this.slots.get(name);
    if (!s) {
      const byteLength = numel(expected) * 4;
      s = { name, expected: [...expected], offset: this.end, byteLength, data, views: new Map() };
      this.end += Math.ceil(byteLength / ALIGN) * ALIGN;
      this.slots.set(name, s);
    } else if (s.expected.join(',') !== expected.join(',')) {
      throw new Error(`weight ${name} declared twice with different shapes: [${s.expected}] and [${expected}]`);
    }
    return s;
  }

  declare(name: string, expected: readonly number[], dims: readonly number[]): void {
    if (numel(dims) !== numel(expected)) throw new Error(`weight ${name}: cannot view [${expected}] as [${dims}]`);
    this.slot(name, expected).views.set(dims.join(','), [...dims]);
  }

  derive(name: string, data: Float32Array, dims: readonly number[]): void {
    const s = this.slot(name, dims, data);
    s.views.set(dims.join(','), [...dims]);
  }

  initializerName(name: string, dims: readonly number[]): string {
    const s = this.slots.get(name);
    if (!s) throw new Error(`weight ${name} was not declared`);
    return dims.join(',') === s.expected.join(',') ? name : `${name}#${dims.join('x')}`;
  }

  initializers(name: string, location: string): TensorProtoSpec[] {
    const s = this.slots.get(name);
    if (!s) throw new Error(`weight ${name} was not declared`);
    return [...s.views.values()].map((dims) => ({
      name: this.initializerName(name, dims),
      dataType: DataType.FLOAT,
      dims,
      external: { location, offset: s.offset, length: s.byteLength },
    }));
  }

  /** Every checkpoint tensor the graphs use, with the shape the config implies. */
  inventory(): Map<string, readonly number[]> {
    const m = new Map<string, readonly number[]>();
    for (const s of this.slots.values()) if (!s.data) m.set(s.name, s.expected);
    return m;
  }

  get totalBytes(): number {
    return this.end;
  }

  get parameterCount(): number {
    let n = 0;
    for (const s of this.slots.values()) if (!s.data) n += s.byteLength / 4;
    return n;
  }

  /**
   * Where each weight lives in the float16 copy of the weights file (fp16
   * graphs): the same order and alignment, half the bytes. Keyed by the
   * float32 file's offset, as the graphs' initialisers name it.
   */
  float16Layout(): { bytes: number; at: Map<number, { offset: number; length: number }> } {
    const at = new Map<number, { offset: number; length: number }>();
    let end = 0;
    for (const s of this.slots.values()) {
      const length = s.byteLength / 2;
      at.set(s.offset, { offset: end, length });
      end += Math.ceil(length / ALIGN) * ALIGN;
    }
    return { bytes: end, at };
  }

  /**
   * Writes the float16 copy of a float32 weights file this store wrote (same
   * graphs), one tensor in memory at a time.
   */
  async writeFloat16(from: string, to: string, onProgress?: (doneBytes: number, totalBytes: number) => void, signal?: AbortSignal): Promise<void> {
    const layout = this.float16Layout();
    const src = await open(from, 'r');
    try {
      const size = (await src.stat()).size;
      if (size !== this.end) throw new Error(`${from} holds ${size} bytes, the graphs expect ${this.end}; convert the checkpoint again`);
      const dst = await open(to, 'w');
      try {
        for (const s of this.slots.values()) {
          signal?.throwIfAborted();
          const buf = new Float32Array(s.byteLength / 4);
          const { bytesRead } = await src.read(new Uint8Array(buf.buffer), 0, s.byteLength, s.offset);
          if (bytesRead !== s.byteLength) throw new Error(`${from} ends inside weight ${s.name}; convert the checkpoint again`);
          const half = toHalfBits(buf);
          const where = layout.at.get(s.offset)!;
          await dst.write(new Uint8Array(half.buffer), 0, where.length, where.offset);
          onProgress?.(where.offset + Math.ceil(where.length / ALIGN) * ALIGN, layout.bytes);
        }
        await dst.truncate(layout.bytes);
      } finally {
        await dst.close();
      }
    } finally {
      await src.close();
    }
  }

  /**
   * Streams every weight into `path`, one tensor in memory at a time, so peak
   * memory stays near the largest tensor however big the model is.
   */
  async writeTo(path: string, onProgress?: (doneBytes: number, totalBytes: number) => void, signal?: AbortSignal): Promise<void> {
    const fh = await open(path, 'w');
    try {
      for (const s of this.slots.values()) {
        signal?.throwIfAborted();
        let data = s.data;
        if (!data) {
          if (!this.source) throw new Error(`no weight source to read ${s.name} from`);
          data = await this.source.readF32(s.name);
        }
        if (data.length * 4 !== s.byteLength) {
          throw new Error(`weight ${s.name}: has ${data.length} values, the model needs ${s.byteLength / 4}`);
        }
        await fh.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 0, s.byteLength, s.offset);
        // Progress in file bytes (alignment padding included), so it ends at exactly 100 %.
        onProgress?.(s.offset + Math.ceil(s.byteLength / ALIGN) * ALIGN, this.end);
      }
      await fh.truncate(this.end);
    } finally {
      await fh.close();
    }
  }
}
