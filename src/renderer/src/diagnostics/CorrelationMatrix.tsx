// The correlation between latent channels as a matrix: channel numbers along
// both axes, the value of the cell under the pointer (or the keyboard's
// cursor: arrow keys move it) read out below, cool-warm from -1 to +1.
import { useMemo, useState } from 'react';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { divergingRgba } from './diagnostics-images';

export function CorrelationMatrix({ correlation }: { correlation: number[][] }) {
  const n = correlation.length;
  const rgba = useMemo(() => divergingRgba(correlation.flat(), 1), [correlation]);
  const [cell, setCell] = useState<{ row: number; col: number } | null>(null);
  // Label every channel while they fit, else every k-th: columns have less room for two digits than rows.
  const labelsEvery = (k: number) => Array.from({ length: n }, (_, c) => (c % k === 0 ? String(c) : ''));
  const colLabels = labelsEvery(Math.max(1, Math.ceil(n / 8)));
  const rowLabels = labelsEvery(Math.max(1, Math.ceil(n / 16)));
  const at = (e: React.PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const col = Math.floor(((e.clientX - r.left) / r.width) * n);
    const row = Math.floor(((e.clientY - r.top) / r.height) * n);
    setCell(row >= 0 && col >= 0 && row < n && col < n ? { row, col } : null);
  };
  const onKey = (e: React.KeyboardEvent) => {
    const c = cell ?? { row: 0, col: 0 };
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    e.stopPropagation();
    setCell({ row: Math.min(n - 1, Math.max(0, c.row + m[0])), col: Math.min(n - 1, Math.max(0, c.col + m[1])) });
  };
  const readout = cell ? `channel ${cell.row} × channel ${cell.col}: r = ${correlation[cell.row][cell.col].toFixed(3)}` : 'Point at a cell (or focus the matrix and use the arrow keys) to read its correlation.';
  return (
    <figure className="corr" data-testid="correlation">
      <div className="corr__grid" style={{ gridTemplateColumns: 'auto 1fr' }}>
        <span className="corr__corner">row \ col</span>
        <div className="corr__cols" aria-hidden="true" style={{ gridTemplateColumns: `repeat(${n}, 1fr)` }}>
          {colLabels.map((l, c) => (
            <span key={c}>{l}</span>
          ))}
        </div>
        <div className="corr__rows" aria-hidden="true" style={{ gridTemplateRows: `repeat(${n}, 1fr)` }}>
          {rowLabels.map((l, c) => (
            <span key={c}>{l}</span>
          ))}
        </div>
        <div
          className="corr__plot"
          role="img"
          tabIndex={0}
          aria-label={`Correlation matrix of ${n} latent channels; ${readout}`}
          onPointerMove={at}
          onPointerLeave={() => setCell(null)}
          onKeyDown={onKey}
          data-testid="correlation-plot"
        >
          <RgbaCanvas width={n} height={n} rgba={rgba} className="corr__canvas" testId="correlation-canvas" />
          {cell && <span className="corr__cursor" style={{ left: `${(cell.col / n) * 100}%`, top: `${(cell.row / n) * 100}%`, width: `${100 / n}%`, height: `${100 / n}%` }} />}
        </div>
      </div>
      <p className="corr__readout" data-testid="correlation-readout" aria-live="polite">
        {readout}
      </p>
      <figcaption>Correlation between latent channels (row, column: channel number), cool-warm from −1 (blue) to +1 (red).</figcaption>
    </figure>
  );
}
