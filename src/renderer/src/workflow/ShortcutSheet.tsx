// The keyboard shortcut sheet (? to open, Escape to close).
import { useStore } from '../store';

export const SHORTCUTS: [string[], string][] = [
  [['Space'], 'play / pause the A/B viewer (at the clip\'s frame rate)'],
  [['←', '→'], 'previous / next frame'],
  [['[', ']'], 'previous / next chunk seam (Chunking view, whole-video result)'],
  [['s', 'w', 'd'], 'side by side / wipe / difference'],
  [['+', '−', '0'], 'zoom in / out (nearest-neighbour) / fit'],
  [['Shift + ←', '→', '↑', '↓'], 'pan a zoomed-in viewer'],
  [['l'], 'loop on / off'],
  [['?'], 'this sheet'],
  [['Esc'], 'close a big view or this sheet'],
  [['Tab'], 'the Latent 3D canvas, the pathway diagram and the channel chart take focus: arrows turn / walk / pick there, + − 0 zoom and reset'],
];

export function ShortcutSheet() {
  const open = useStore((s) => s.shortcutsOpen);
  const show = useStore((s) => s.showShortcuts);
  if (!open) return null;
  return (
    <div className="modal" onClick={() => show(false)}>
      <div className="modal__body" onClick={(e) => e.stopPropagation()} data-testid="shortcut-sheet" role="dialog" aria-label="Keyboard shortcuts">
        <div className="modal__head">
          <h2>Keyboard shortcuts</h2>
          <button className="button button--ghost" aria-label="Close" onClick={() => show(false)}>
            ×
          </button>
        </div>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={what}>
                <td>
                  {keys.map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">The keys drive the A/B viewer you last pointed at; elsewhere ← → step the clip's frame. Drop a video anywhere in the window to open it.</p>
      </div>
    </div>
  );
}
