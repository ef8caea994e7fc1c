// A dense float32 tensor in row-major (C-contiguous) order. The engine passes
// these between video I/O, wavelets, ONNX and metrics; no copies are implied.
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(data: Float32Array, shape: readonly number[]): Tensor {
  const n = numel(shape);
  if (data.length !== n) {
    throw new Error(`tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${n}`);
  }
  return { data, shape: [...shape] };
}

export function zeros(shape: readonly number[]): Tensor {
  return { data: new Float32Array(numel(shape)), shape: [...shape] };
}

/** Row-major strides of a shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapeString(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
