// Export buttons for one result: the reconstruction, side-by-side and
// difference videos (the difference as the A/B viewer shows it: its mode and
// gain), the latent as safetensors, and the metrics as CSV and JSON with the
// model, the clip selection and the protocol written in.
import type { ExportKind, ExportSource } from '../../../shared/workflow-contract';
import { useStore } from '../store';

const BUTTONS: [ExportKind, string][] = [
  ['reconstruction-mp4', 'Reconstruction mp4'],
  ['side-by-side-mp4', 'Side-by-side mp4'],
  ['diff-mp4', 'Difference mp4'],
  ['latents', 'Latent .safetensors'],
  ['metrics-csv', 'Metrics CSV'],
  ['metrics-json', 'Metrics JSON'],
];

export function ExportBar({ source, testId }: { source: ExportSource; testId: string }) {
  const exportResult = useStore((s) => s.exportResult);
  const viewer = useStore((s) => s.prefs.viewer);
  const busy = useStore((s) => s.task !== null);
  const last = useStore((s) => s.lastExport);
  return (
    <div className="export-bar" data-testid={testId}>
      <span className="export-bar__title">Export</span>
      {BUTTONS.map(([what, label]) => (
        <button
          key={what}
          className="button"
          disabled={busy}
          data-testid={`${testId}-${what}`}
          title={what === 'diff-mp4' ? `the difference as the viewer shows it: ${viewer.diffMode === 'abs' ? '|B − A|' : 'B − A'}, gain ×${viewer.gain}` : undefined}
          onClick={() => void exportResult(source, what, what === 'diff-mp4' ? { mode: viewer.diffMode, gain: viewer.gain } : undefined, testId)}
        >
          {label}
        </button>
      ))}
      {last?.origin === testId && (
        <span className="export-done" data-testid="export-done" role="status">
          saved {last.fileName}
          {last.where !== last.fileName ? ` to ${last.where}` : ' (browser downloads)'}
        </span>
      )}
    </div>
  );
}
