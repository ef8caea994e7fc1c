import { useStore } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

export function FrameView() {
  const frame = useStore((s) => s.frame);
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  return (
    <section className="panel frame-view">
      {frame ? (
        <RgbaCanvas width={frame.width} height={frame.height} rgba={frame.rgba} className="frame-view__canvas" testId="frame-canvas" extra={{ frame: frame.t }} />
      ) : (
        <div className="frame-view__placeholder" style={{ aspectRatio: `${clip.width} / ${clip.height}` }} />
      )}
      <FrameScrubber />
    </section>
  );
}

function FrameScrubber() {
  const clip = useStore((s) => s.clip);
  const t = useStore((s) => s.t);
  const setFrame = useStore((s) => s.setFrame);
  if (!clip) return null;
  const source = clip.frameIndices[t];
  return (
    <div className="scrubber">
      <input
        type="range"
        min={0}
        max={Math.max(0, clip.frames - 1)}
        step={1}
        value={t}
        disabled={clip.frames < 2}
        aria-label="Frame"
        data-testid="frame-slider"
        onChange={(e) => setFrame(Number(e.currentTarget.value))}
      />
      <div className="scrubber__label" data-testid="frame-label">
        frame <strong>{t}</strong> / {clip.frames - 1}
        {source !== undefined && source !== t && <span className="muted"> (source #{source})</span>}
        <span className="muted"> · ← → to step</span>
      </div>
    </div>
  );
}
