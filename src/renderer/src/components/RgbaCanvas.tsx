import { useEffect, useRef } from 'react';

interface Props {
  width: number;
  height: number;
  /** width * height * 4 bytes. */
  rgba: Uint8Array;
  className?: string;
  testId?: string;
  extra?: Record<string, string | number>;
}

/** Draws RGBA bytes at native resolution; CSS scales it (pixelated for small tiles). */
export function RgbaCanvas({ width, height, rgba, className, testId, extra }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || rgba.length !== width * height * 4) return;
    const pixels = new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset, rgba.length);
    ctx.putImageData(new ImageData(pixels, width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={ref} width={width} height={height} className={className} data-testid={testId} {...toDataAttrs(extra)} />;
}

function toDataAttrs(extra: Record<string, string | number> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra ?? {})) out[`data-${k}`] = String(v);
  return out;
}
