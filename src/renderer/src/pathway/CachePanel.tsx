// The Causal Cache made visible: a slider over the chunk boundaries of a
// Causal Cache run (the Chunking view's comparison, else the Reconstruct
// run), and at the chosen one what every causal layer carries into the next
// chunk (frames, shape, bytes, energy), beside the naive run's nothing. A
// boundary's mark opens its seam in the Chunking view.
import { useMemo } from 'react';
import type { CacheFlow, PathwaySpec } from '../../../shared/pathway-contract';
import { formatValue } from '../format';
import { useStore } from '../store';
import { formatBytes, type CarriedByNode } from './PathwayDiagram';

export type CacheBoundary = CacheFlow['boundaries'][number];

/** What each node's layers carry across one boundary. */
export function carriedByNode(flow: CacheFlow, b: CacheBoundary): Map<string, CarriedByNode> {
  const out = new Map<string, CarriedByNode>();
  flow.states[b.side].forEach((s, i) => {
    if (!s.node) return;
    const cur = out.get(s.node) ?? { states: 0, frames: 0, bytes: 0, energy: 0 };
    out.set(s.node, { states: cur.states + 1, frames: Math.max(cur.frames, s.frames), bytes: cur.bytes + s.bytes, energy: cur.energy + b.energy[i] });
  });
  return out;
}

const sideLetter = (b: CacheBoundary) => (b.side === 'encoder' ? 'E' : 'D');

export function CachePanel({ flow, spec, index }: { flow: CacheFlow; spec: PathwaySpec; index: number }) {
  const setBoundary = useStore((s) => s.setCacheBoundary);
  const openSeam = useStore((s) => s.openSeam);
  const i = Math.min(index, flow.boundaries.length - 1);
  const b = flow.boundaries[i];
  const states = flow.states[b.side];
  const label = (node: string | null) => spec.nodes.find((n) => n.id === node)?.label ?? '—';
  const totals = useMemo(() => states.reduce((a, s, k) => ({ bytes: a.bytes + s.bytes, energy: a.energy + b.energy[k] }), { bytes: 0, energy: 0 }), [states, b]);
  const unit = b.side === 'encoder' ? 'video frames' : 'latent frames';
  const run = flow.run === 'chunking' ? 'the Chunking view\'s comparison' : 'the Reconstruct run';
  return (
    <section className="cache" data-testid="cache-panel" data-run={flow.run} aria-labelledby="cache-title">
      <h3 id="cache-title">The Causal Cache across chunk boundaries</h3>
      <p className="muted">
        From {run} (encoder chunks of {flow.encChunk} frames, decoder chunks of {flow.decChunk} latent frames): after every chunk each causal layer keeps what
        the next chunk needs. Naive chunking keeps nothing: every chunk starts afresh, its first frame replicated as a clip's first frame is.
      </p>
      <div className="cache__slider">
        <input
          type="range"
          min={0}
          max={flow.boundaries.length - 1}
          value={i}
          onChange={(e) => setBoundary(Number(e.currentTarget.value))}
          aria-label="Chunk boundary"
          aria-valuetext={`${b.side} boundary ${i + 1} of ${flow.boundaries.length}, at video frame ${b.videoFrame}`}
          data-testid="cache-slider"
        />
        <div className="cache__marks" aria-label="Open a seam in the Chunking view">
          {flow.boundaries.map((x, k) => (
            <button
              key={`${x.side}-${x.chunk}`}
              className={k === i ? 'cache__mark cache__mark--on' : 'cache__mark'}
              data-testid="cache-mark"
              data-side={x.side}
              data-frame={x.videoFrame}
              aria-label={`Open the ${x.side} seam at video frame ${x.videoFrame} in the Chunking view`}
              title={`${x.side} seam at video frame ${x.videoFrame}: open it in the Chunking view`}
              onClick={() => openSeam(x.videoFrame, flow.encChunk, flow.decChunk)}
            >
              {sideLetter(x)}
              {x.videoFrame}
            </button>
          ))}
        </div>
      </div>
      <p className="cache__summary" data-testid="cache-summary">
        <strong>
          {b.side === 'encoder' ? 'Encoder' : 'Decoder'} boundary {i + 1} of {flow.boundaries.length}:
        </strong>{' '}
        after chunk {b.chunk} ({unit} {b.input[0]}–{b.input[1] - 1}), into the chunk that starts at video frame {b.videoFrame}. Causal Cache carries{' '}
        <strong>
          {states.length} states · {formatBytes(totals.bytes)} · energy {formatValue(totals.energy)}
        </strong>
        ; naive carries <strong data-testid="cache-naive">0 B</strong>.{' '}
        <button className="button" data-testid="cache-open-seam" onClick={() => openSeam(b.videoFrame, flow.encChunk, flow.decChunk)}>
          Open this seam in the Chunking view
        </button>
      </p>
      <div className="cache__table-wrap" tabIndex={0} role="region" aria-label={`What each ${b.side} layer carries across this boundary`}>
        <table className="diag-table cache__table" data-testid="cache-table">
          <thead>
            <tr>
              <th scope="col">node</th>
              <th scope="col">layer</th>
              <th scope="col">kind</th>
              <th scope="col">frames</th>
              <th scope="col">shape</th>
              <th scope="col">bytes</th>
              <th scope="col">energy</th>
              <th scope="col">naive</th>
            </tr>
          </thead>
          <tbody>
            {states.map((s, k) => (
              <tr key={s.name} data-testid="cache-row">
                <td>{label(s.node)}</td>
                <td>
                  <code>{s.name}</code>
                </td>
                <td>{s.kind === 'conv' ? 'causal conv tail' : s.kind === 'upsample' ? 'upsampler last frame' : 'stream delay'}</td>
                <td>{s.frames}</td>
                <td>({s.shape.join(', ')})</td>
                <td>{formatBytes(s.bytes)}</td>
                <td>{formatValue(b.energy[k])}</td>
                <td className="muted">0</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
