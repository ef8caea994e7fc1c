import { useStore } from '../store';
import { Facts } from './Facts';

export function ClipPanel() {
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  const rows: [string, string][] = [
    ['Decoded', `${clip.frames} frames · ${clip.width}×${clip.height} · ${clip.fps.toFixed(2)} fps`],
    ['Source', `${clip.source.width}×${clip.source.height} · ${clip.source.frames} frames · ${clip.source.durationSec.toFixed(2)} s`],
    ['Codec', clip.isImage ? `${clip.codec} (still image)` : clip.codec],
    ['Haar levels', `up to ${clip.maxLevels}`],
  ];
  return (
    <section className="panel" data-testid="clip-info">
      <h3 className="panel__title" title={clip.path || clip.name}>
        {clip.name}
      </h3>
      <Facts rows={rows} />
      {clip.notes.length > 0 && (
        <ul className="notes">
          {clip.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
