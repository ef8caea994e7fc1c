// Small frames spread over the whole source with the selected range marked;
// a click there starts the selection at that frame.
import { useEffect, useRef } from 'react';
import type { Thumbnails } from '../../../shared/workflow-contract';

interface Props {
  thumbnails: Thumbnails | null;
  sourceFrames: number;
  fps: number;
  /** Source frames of the selection's first and last frame; null when it cannot be decoded. */
  range: { first: number; last: number } | null;
  onPick(frame: number): void;
}

const time = (frame: number, fps: number) => (fps > 0 ? `${(frame / fps).toFixed(2)} s` : `#${frame}`);

export function ThumbnailStrip({ thumbnails, sourceFrames, fps, range, onPick }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !thumbnails) return;
    const { width: w, height: h, frameIndices, rgb } = thumbnails;
    const n = frameIndices.length;
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < n; i++) {
      for (let p = 0, q = i * w * h * 3; p < w * h; p++, q += 3) {
        img.data[4 * p] = rgb[q];
        img.data[4 * p + 1] = rgb[q + 1];
        img.data[4 * p + 2] = rgb[q + 2];
        img.data[4 * p + 3] = 255;
      }
      ctx.putImageData(img, i * w, 0);
    }
  }, [thumbnails]);

  if (!thumbnails) return <div className="strip__placeholder" data-testid="thumbnail-strip-loading">making thumbnails of the whole source…</div>;
  const { width: w, height: h, frameIndices } = thumbnails;
  const pct = (frame: number) => `${(100 * frame) / Math.max(1, sourceFrames)}%`;
  return (
    <div className="strip" data-testid="thumbnail-strip" data-thumbnails={frameIndices.length}>
      <canvas
        ref={canvas}
        width={w * frameIndices.length}
        height={h}
        className="strip__canvas"
        data-testid="thumbnail-canvas"
        title="Click to start the selection here"
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          onPick(Math.max(0, Math.min(sourceFrames - 1, Math.floor(((e.clientX - r.left) / r.width) * sourceFrames))));
        }}
      />
      {range && <div className="strip__range" data-testid="strip-range" style={{ left: pct(range.first), width: `calc(${pct(range.last + 1)} - ${pct(range.first)})` }} />}
      <div className="strip__labels">
        <span>0 · 0 s</span>
        <span>{range ? `${range.first}–${range.last} · ${time(range.first, fps)}–${time(range.last, fps)}` : ''}</span>
        <span>
          {sourceFrames - 1} · {time(sourceFrames - 1, fps)}
        </span>
      </div>
    </div>
  );
}
