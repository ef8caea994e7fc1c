/**
 * Shape checks for what the user feeds the model, with messages that say which
 * shapes would work. The graphs accept any size; these rules come from the
 * architecture (causal temporal compression, three 2x spatial downsamplings).
 */
import type { ModelFacts } from '../checkpoint/index';
import { shapeString, type Tensor } from '../tensor';

export class InputShapeError extends Error {
  override name = 'InputShapeError';
}

/** Nearest valid clip lengths around T for a model that compresses time by m (T = 1 + m*k). */
export function validFrameCounts(frames: number, m: number): number[] {
  const below = 1 + Math.max(0, Math.floor((frames - 1) / m)) * m;
  return below === frames ? [frames] : [below, below + m];
}

/** Accepts (1,3,T,H,W) or (3,T,H,W); returns the 5D shape. */
export function checkVideo(video: Tensor, facts: Pick<ModelFacts, 'temporalCompression' | 'spatialCompression'>): [1, 3, number, number, number] {
  const s = video.shape;
  const dims = s.length === 4 ? [1, ...s] : [...s];
  if (dims.length !== 5 || dims[0] !== 1) {
    throw new InputShapeError(`video must have shape (1, 3, T, H, W) or (3, T, H, W); got ${shapeString(s)}.`);
  }
  const [, c, t, h, w] = dims;
  if (c !== 3) throw new InputShapeError(`video must have 3 (RGB) channels; got ${c} in shape ${shapeString(s)}.`);
  const m = facts.temporalCompression;
  if (!Number.isInteger(t) || t < 1 || (t - 1) % m !== 0) {
    const ok = validFrameCounts(Math.max(1, t), m);
    throw new InputShapeError(`this model needs 1 + ${m}k frames (1, ${1 + m}, ${1 + 2 * m}, ${1 + 3 * m}, ...); got ${t}. Use ${ok.join(' or ')} frames.`);
  }
  const f = facts.spatialCompression;
  for (const [name, v] of [['height', h], ['width', w]] as const) {
    if (v < f || v % f !== 0) {
      const down = Math.max(f, v - (v % f));
      throw new InputShapeError(`video ${name} must be a multiple of ${f}; got ${v}. Crop or resize to ${down}${down + f !== down ? ` or ${down + f}` : ''}.`);
    }
  }
  if (video.data.length !== 3 * t * h * w) throw new InputShapeError(`video data has ${video.data.length} values but shape ${shapeString(s)} needs ${3 * t * h * w}.`);
  return [1, 3, t, h, w];
}

/** Accepts (1,C,t,h,w) or (C,t,h,w) with C = the model's latent channels; returns the 5D shape. */
export function checkLatent(latent: Tensor, latentChannels: number): [1, number, number, number, number] {
  const s = latent.shape;
  const dims = s.length === 4 ? [1, ...s] : [...s];
  if (dims.length !== 5 || dims[0] !== 1) {
    throw new InputShapeError(`latent must have shape (1, ${latentChannels}, t, h, w) or (${latentChannels}, t, h, w); got ${shapeString(s)}.`);
  }
  const [, c, t, h, w] = dims;
  if (c !== latentChannels) {
    const hint = c === 2 * latentChannels ? ' It looks like mean and logvar stacked (the encoder output); pass the mean only (the first half of the channels).' : '';
    throw new InputShapeError(`latent must have ${latentChannels} channels for this model; got ${c} in shape ${shapeString(s)}.${hint}`);
  }
  if (t < 1 || h < 1 || w < 1) throw new InputShapeError(`latent shape ${shapeString(s)} has an empty dimension.`);
  if (latent.data.length !== c * t * h * w) throw new InputShapeError(`latent data has ${latent.data.length} values but shape ${shapeString(s)} needs ${c * t * h * w}.`);
  return [1, c, t, h, w];
}
