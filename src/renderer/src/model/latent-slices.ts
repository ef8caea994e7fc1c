// Latent slices as RGBA images: one channel with the diverging colormap
// (symmetric around 0 over that channel's ±max|v| across the whole latent, so
// slices of one channel compare), or the first three channels as RGB, each
// normalised by its own [min, max].
import { colormap } from '../../../shared/colormap';
import type { Latent } from '../../../shared/contract';

/** A channel index, or 'rgb' for channels 0, 1, 2 as red, green, blue. */
export type LatentChannel = number | 'rgb';

export function latentSlice(latent: Latent, channel: LatentChannel, frame: number): Uint8Array {
  const [L, T, h, w] = latent.shape;
  const n = h * w;
  const out = new Uint8Array(n * 4);
  const plane = (c: number) => (c * T + frame) * n;
  if (channel === 'rgb') {
    for (let k = 0; k < 3; k++) {
      const c = Math.min(k, L - 1);
      const { min, max } = latent.channelRanges[c];
      const span = max > min ? max - min : 1;
      const base = plane(c);
      for (let i = 0; i < n; i++) out[4 * i + k] = Math.round((255 * (latent.data[base + i] - min)) / span);
    }
    for (let i = 0; i < n; i++) out[4 * i + 3] = 255;
    return out;
  }
  const { min, max } = latent.channelRanges[channel];
  const base = plane(channel);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = colormap(latent.data[base + i], min, max, 'diverging');
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}
