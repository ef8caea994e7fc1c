// Small frames spread over the whole source, in rows that fit the sidebar.
// Each cell stands for the source frames up to the next thumbnail; the bar
// under it shows how much of that span the selection covers. A click in a
// cell starts the selection at the frame under the pointer.
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

function Thumb({ thumbnails, i }: { thumbnails: Thumbnails; i: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const { width: w, height: h, rgb } = thumbnails;
    const img = ctx.createImageData(w, h);
    for (let p = 0, q = i * w * h * 3; p < w * h; p++, q += 3) {
      img.data[4 * p] = rgb[q];
      img.data[4 * p + 1] = rgb[q + 1];
      img.data[4 * p + 2] = rgb[q + 2];
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [thumbnails, i]);
  return <canvas ref={canvas} width={thumbnails.width} height={thumbnails.height} className="strip__canvas" />;
}

export function ThumbnailStrip({ thumbnails, sourceFrames, fps, range, onPick }: Props) {
  if (!thumbnails) return <div className="strip__placeholder" data-testid="thumbnail-strip-loading">making thumbnails of the whole source…</div>;
  const { frameIndices } = thumbnails;
  return (
    <div className="strip" data-testid="thumbnail-strip" data-thumbnails={frameIndices.length}>
      <div className="strip__grid">
        {frameIndices.map((from, i) => {
          const to = i + 1 < frameIndices.length ? frameIndices[i + 1] : sourceFrames;
          const span = Math.max(1, to - from);
          const a = range ? Math.max(from, range.first) : 0;
          const b = range ? Math.min(to, range.last + 1) : 0;
          const covered = b > a;
          return (
            <div
              key={from}
              className={covered ? 'strip__cell strip__cell--on' : 'strip__cell'}
              data-testid="thumbnail"
              data-frame={from}
              data-selected={covered}
              title={`frames ${from}–${to - 1} (${time(from, fps)}): click to start there`}
              onClick={(e) => {
                const r = e.currentTarget.getBoundingClientRect();
                onPick(Math.min(sourceFrames - 1, from + Math.floor(((e.clientX - r.left) / r.width) * span)));
              }}
            >
              <Thumb thumbnails={thumbnails} i={i} />
              <span className="strip__bar">
                {covered && <span style={{ left: `${(100 * (a - from)) / span}%`, width: `${(100 * (b - a)) / span}%` }} />}
              </span>
            </div>
          );
        })}
      </div>
      <div className="strip__labels">
        <span>0 · 0 s</span>
        <span data-testid="strip-range">{range ? `selected ${range.first}–${range.last} · ${time(range.first, fps)}–${time(range.last, fps)}` : 'nothing selected'}</span>
        <span>
          {sourceFrames - 1} · {time(sourceFrames - 1, fps)}
        </span>
      </div>
    </div>
  );
}
