// encodePng: 8-bit RGB PNG in pure JS (node:zlib), no process. Each row gets
// the PNG filter with the smallest sum of absolute residuals, the heuristic
// the PNG specification recommends.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';
import { saveAtomically } from '../fs/atomic-file';
import { VideoError } from './errors';

const deflateAsync = promisify(deflate);
const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_SIDE = 2 ** 31 - 1;

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filtered scanlines: one filter-type byte then the filtered row, per row. */
export function filterScanlines(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width * 3;
  const out = new Uint8Array(height * (stride + 1));
  const candidate = Array.from({ length: 5 }, () => new Uint8Array(stride));
  const zeroRow = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rgb.subarray((y - 1) * stride, y * stride) : zeroRow;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < 5; f++) {
      const c = candidate[f];
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? row[i - 3] : 0;
        const b = up[i];
        const d = i >= 3 ? up[i - 3] : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, d);
        const v = (row[i] - pred) & 0xff;
        c[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    const o = y * (stride + 1);
    out[o] = best;
    out.set(candidate[best], o + 1);
  }
  return out;
}

export async function encodePngBytes(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new VideoError('bad_option', `encodePng: width and height must be positive integers (got ${width}x${height})`);
  }
  if (rgb.length !== width * height * 3) {
    throw new VideoError('bad_option', `encodePng: expected ${width}*${height}*3 = ${width * height * 3} bytes of interleaved RGB, got ${rgb.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  const idat = await deflateAsync(filterScanlines(rgb, width, height), { level: 6 });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

/** Writes H*W*3 interleaved RGB bytes as a PNG file (atomically: temp file, then rename). */
export async function encodePng(rgb: Uint8Array, width: number, height: number, outPath: string): Promise<void> {
  const png = await encodePngBytes(rgb, width, height);
  const target = resolve(outPath);
  try {
    await saveAtomically(target, (tmp) => writeFile(tmp, png));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    // No ffmpeg involved: the output path is what the caller must change.
    throw new VideoError('bad_option', `cannot write ${outPath} (${code}); check the folder exists and is writable`);
  }
}
