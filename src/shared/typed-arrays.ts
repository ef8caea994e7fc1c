// zod schemas for typed arrays, shared by the contract files. Checked by tag,
// not instanceof, so arrays from another realm (context bridge) pass.
import { z } from 'zod';

function typedArray<T extends ArrayBufferView>(tag: string): z.ZodType<T> {
  return z.custom<T>(
    (v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${tag}]`,
    { message: `expected a ${tag}` },
  );
}
export const u8Schema = typedArray<Uint8Array>('Uint8Array');
export const f32Schema = typedArray<Float32Array>('Float32Array');
