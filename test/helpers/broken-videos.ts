// Broken and odd videos, made deterministically from good ones: truncations,
// flipped bytes in the header or anywhere, zeroed or swapped blocks, garbage
// before or after. Used by the fuzz test (a few) and the corpus bench (all).
export interface Mutation {
  name: string;
  apply(bytes: Buffer, rand: () => number): Buffer;
}

/** A small seeded PRNG, so every corpus is the same on every run. */
export { prng as seeded } from './random-checkpoint';

const int = (rand: () => number, n: number) => Math.floor(rand() * n);

function flip(bytes: Buffer, rand: () => number, count: number, within: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < count; i++) out[int(rand, Math.min(within, out.length))] ^= 1 + int(rand, 255);
  return out;
}

export const MUTATIONS: Mutation[] = [
  ...[0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((f) => ({ name: `truncate ${f}`, apply: (b: Buffer) => b.subarray(0, Math.max(1, Math.floor(b.length * f))) })),
  ...[1, 8, 64].map((n) => ({ name: `flip ${n} header bytes`, apply: (b: Buffer, r: () => number) => flip(b, r, n, 4096) })),
  ...[8, 64, 512].map((n) => ({ name: `flip ${n} bytes anywhere`, apply: (b: Buffer, r: () => number) => flip(b, r, n, b.length) })),
  {
    name: 'zero a 4 kB block',
    apply: (b, r) => {
      const out = Buffer.from(b);
      const at = int(r, Math.max(1, out.length - 4096));
      out.fill(0, at, at + 4096);
      return out;
    },
  },
  {
    name: 'swap two 1 kB blocks',
    apply: (b, r) => {
      const out = Buffer.from(b);
      if (out.length < 4096) return out;
      const x = int(r, out.length - 1024);
      const y = int(r, out.length - 1024);
      const tmp = Buffer.from(out.subarray(x, x + 1024));
      out.copy(out, x, y, y + 1024);
      tmp.copy(out, y);
      return out;
    },
  },
  { name: 'garbage before', apply: (b, r) => Buffer.concat([Buffer.from(Array.from({ length: 512 }, () => int(r, 256))), b]) },
  { name: 'garbage after', apply: (b, r) => Buffer.concat([b, Buffer.from(Array.from({ length: 4096 }, () => int(r, 256)))]) },
  { name: 'first 16 bytes random', apply: (b, r) => flip(b, r, 16, 16) },
  { name: 'only the first 64 bytes', apply: (b) => b.subarray(0, 64) },
];

/** Clip recipes for the system ffmpeg: name, lavfi size, output arguments. */
export const SOURCE_CLIPS: { file: string; args: string[] }[] = [
  { file: 'h264.mp4', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'] },
  { file: 'h264.mkv', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'] },
  { file: 'vp9.webm', args: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'] },
  { file: 'mpeg2.ts', args: ['-c:v', 'mpeg2video', '-f', 'mpegts'] },
  { file: 'mjpeg.avi', args: ['-c:v', 'mjpeg'] },
  { file: 'anim.gif', args: [] },
  { file: 'prores.mov', args: ['-c:v', 'prores'] },
];
