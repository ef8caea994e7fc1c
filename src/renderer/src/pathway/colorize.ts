// A pathway image as RGBA bytes: RGB nodes over their range, one-value images
// through the app's colormaps (viridis for magnitudes and low bands, cool-warm
// around 0 for signed channels and detail bands).
import { colormap } from '../../../shared/colormap';
import type { PathwayImage } from '../../../shared/pathway-contract';

export function imageRgba(img: PathwayImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 4);
  if (img.colormap === 'rgb') {
    const span = img.max - img.min || 1;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) out[4 * i + c] = Math.round(255 * Math.min(1, Math.max(0, (img.data[3 * i + c] - img.min) / span)));
      out[4 * i + 3] = 255;
    }
    return out;
  }
  return colormapRgba(img.data, n, img.min, img.max, img.colormap);
}

/** The first `n` values through one of the app's colormaps, as opaque RGBA bytes. */
export function colormapRgba(data: ArrayLike<number>, n: number, min: number, max: number, map: Parameters<typeof colormap>[3]): Uint8Array {
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = colormap(data[i], min, max, map);
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** The options a node's view can show, as select values and labels. */
export function selectionOptions(node: { display: string; channels: number; subbands?: string[] }): [string, string][] {
  if (node.display === 'join') return [];
  const out: [string, string][] = [];
  if (node.channels === 3) out.push(['rgb', 'RGB']);
  if (node.display === 'coefficients') for (const s of node.subbands ?? []) out.push([`sb:${s}`, `${s} subband`]);
  out.push(['energy', `RMS, all ${node.channels} channels`]);
  for (let c = 0; c < node.channels; c++) out.push([`ch:${c}`, `channel ${c}`]);
  return out;
}
