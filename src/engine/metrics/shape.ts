import type { Tensor } from '../tensor';
import { shapeString } from '../tensor';

/** Checks a and b are the same (C, T, H, W) shape and returns it. */
export function videoPairShape(a: Tensor, b: Tensor, what: string): [number, number, number, number] {
  if (a.shape.length !== 4) throw new Error(`${what}: expected (C, T, H, W) videos, got shape ${shapeString(a.shape)}`);
  if (a.shape.join(',') !== b.shape.join(',')) {
    throw new Error(`${what}: the two videos differ in shape: ${shapeString(a.shape)} vs ${shapeString(b.shape)}`);
  }
  return [a.shape[0], a.shape[1], a.shape[2], a.shape[3]];
}
