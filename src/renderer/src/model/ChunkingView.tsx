// Causal Cache vs naive chunking, frame by frame, against whole-clip
// inference (the ground truth). The verdict is said before the run (from the
// model's norms) and measured after it; the chart shows where the chunks
// start, so flicker at naive seams lines up with the D/E marks.
import { useStore } from '../store';
import { RunPlanNote, useRunPlans } from './RunPlanNote';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import type { ChunkComparison, ModelFrame, ModelFrameKind } from '../../../shared/contract';
import { FrameChart, type Mark } from './FrameChart';
import { NeedsModel } from './NeedsResult';
import { useEngineQuery, type QueryState } from './use-engine-query';
import { Stat } from './ReconstructView';
import { ABViewer } from '../viewer/ABViewer';

/** 1e-5, not 1.00e-5: the tolerance is a round number. */
const fmtTolerance = (v: number) => v.toExponential(0);

const CACHED_COLOR = '#5b9cf5';
const NAIVE_COLOR = '#ef6461';

export function ChunkingView() {
  const clip = useStore((s) => s.clip);
  const model = useStore((s) => s.model);
  const chunking = useStore((s) => s.chunking);
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="chunking-view">
      <header className="model-view__header">
        <div>
          <h2>Chunked inference: Causal Cache vs naive</h2>
          <p className="muted">
            Whole-clip inference is the ground truth. Causal Cache carries each causal conv's tail frames between chunks; naive chunking treats every chunk as a
            fresh clip.
          </p>
        </div>
      </header>
      <NeedsModel>
        <ChunkControls />
        {model && (
          <p className={model.chunking.exact ? 'verdict verdict--ok' : 'verdict verdict--warn'} data-testid="verdict-before">
            <strong>Before the run:</strong> {model.chunking.headline}.{' '}
            {!model.chunking.exact && <span className="muted">{model.chunking.message}</span>}
          </p>
        )}
        {chunking && model && chunking.modelId === model.modelId && <ChunkResult r={chunking} />}
      </NeedsModel>
    </section>
  );
}

function ChunkControls() {
  const clip = useStore((s) => s.clip)!;
  const model = useStore((s) => s.model)!;
  const encChunk = useStore((s) => s.encChunk);
  const decChunk = useStore((s) => s.decChunk);
  const setChunks = useStore((s) => s.setChunks);
  const run = useStore((s) => s.runChunking);
  const busy = useStore((s) => s.task !== null);
  const plan = useRunPlans().data?.compare;
  const latentFrames = 1 + Math.floor((clip.frames - 1) / model.temporalCompression);
  const valid = (n: number) => Number.isInteger(n) && n >= 1;
  return (
    <form
      className="chunk-controls"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <label>
        Encoder chunk
        <input type="number" min={1} max={clip.frames} value={encChunk} data-testid="enc-chunk" onChange={(e) => setChunks(Number(e.currentTarget.value), decChunk)} />
        <span className="muted">video frames (of {clip.frames})</span>
      </label>
      <label>
        Decoder chunk
        <input type="number" min={1} max={latentFrames} value={decChunk} data-testid="dec-chunk" onChange={(e) => setChunks(encChunk, Number(e.currentTarget.value))} />
        <span className="muted">latent frames (of {latentFrames})</span>
      </label>
      <button className="button button--primary" type="submit" disabled={busy || !valid(encChunk) || !valid(decChunk) || plan?.fits === false} data-testid="run-chunking">
        Compare
      </button>
      <RunPlanNote plan={plan} testId="compare-plan" />
    </form>
  );
}

function boundaryMarks(r: ChunkComparison): Mark[] {
  return [
    ...r.boundaries.encoder.map((x): Mark => ({ x, label: 'E', color: '#f2c14e', row: 1 })),
    ...r.boundaries.decoder.map((x): Mark => ({ x, label: 'D', color: '#b48ef0', row: 0 })),
  ];
}

/**
 * The frames before each seam that the decoder makes with look-ahead (trilinear time upsampling
 * needs the next latent frame): a naive chunk makes them without the next chunk's first latent
 * frame, so naive errors start that many frames before the seam. Frame 0 has no look-ahead.
 */
function lookAheadZones(r: ChunkComparison, lookAhead: number): { from: number; to: number; color: string }[] {
  if (lookAhead <= 0) return [];
  const seams = [...new Set([...r.boundaries.encoder, ...r.boundaries.decoder])].filter((s) => s > 1).sort((a, b) => a - b);
  return seams.map((s) => ({ from: Math.max(1, s - lookAhead), to: s - 1, color: 'rgba(239, 100, 97, 0.13)' }));
}

function ChunkResult({ r }: { r: ChunkComparison }) {
  const t = useStore((s) => s.t);
  const setFrame = useStore((s) => s.setFrame);
  const lookAhead = useStore((s) => s.model?.pathway.decoderLookAhead ?? 0);
  // A frame identical to whole-clip has max |d| = 0, which a log scale cannot place: drawn on the floor.
  const values = (d: ChunkComparison['cached']) => d.perFrame.map((f) => f.maxAbs);
  const within = r.cached.maxAbs <= r.tolerance;
  return (
    <>
      <p className={within ? 'verdict verdict--ok' : 'verdict verdict--warn'} data-testid="verdict-after">
        <strong>Measured:</strong> Causal Cache max |cached − whole| = {formatValue(r.cached.maxAbs)} —{' '}
        {within ? `within ${fmtTolerance(r.tolerance)}: equal to whole-clip inference` : `not within ${fmtTolerance(r.tolerance)}`}. Naive chunking: max |naive −
        whole| = {formatValue(r.naive.maxAbs)}.
      </p>
      <div className="stats">
        <Stat label="Chunks" value={`encoder ${r.encChunk} frames · decoder ${r.decChunk} latent frames`} />
        <Stat label="Cached PSNR vs whole" value={r.cached.psnr === null ? '∞ dB (identical)' : `${r.cached.psnr.toFixed(1)} dB`} />
        <Stat label="Naive PSNR vs whole" value={r.naive.psnr === null ? '∞ dB (identical)' : `${r.naive.psnr.toFixed(1)} dB`} />
        <Stat label="Seconds whole / cached / naive" value={`${r.seconds.whole.toFixed(2)} / ${r.seconds.cached.toFixed(2)} / ${r.seconds.naive.toFixed(2)}`} />
      </div>
      <FrameChart
        testId="chunking-chart"
        yLabel="max |diff| vs whole (log)"
        log
        frames={r.frames}
        current={t}
        onPick={setFrame}
        marks={boundaryMarks(r)}
        zones={lookAheadZones(r, lookAhead)}
        reference={{ y: r.tolerance, label: `tolerance ${fmtTolerance(r.tolerance)}` }}
        series={[
          { name: 'Causal Cache − whole', color: CACHED_COLOR, values: values(r.cached) },
          { name: 'naive − whole', color: NAIVE_COLOR, values: values(r.naive) },
        ]}
        height={250}
      />
      <p className="muted">
        Marks: <span style={{ color: '#f2c14e' }}>E</span> = an encoder chunk runs from this video frame, <span style={{ color: '#b48ef0' }}>D</span> = a decoder
        chunk starts here.{' '}
        {lookAhead > 0 && (
          <span data-testid="lookahead-note">
            Shaded: the {lookAhead} frame{lookAhead === 1 ? '' : 's'} before each seam that the decoder makes with look-ahead (its {lookAhead === 1 ? '' : 'trilinear '}time upsampling
            needs the next latent frame). A naive chunk makes them without the next chunk&apos;s first latent frame, so the naive error starts {lookAhead} frame
            {lookAhead === 1 ? '' : 's'} before the seam; the Causal Cache holds them back until that frame arrives.{' '}
          </span>
        )}
        {[...r.cached.perFrame, ...r.naive.perFrame].some((f) => f.maxAbs === 0) && 'Frames identical to whole-clip (|diff| = 0) sit on the floor marked 0, as hollow points. '}
        Click the chart to jump to a frame.
      </p>
      <ChunkFrames r={r} t={t} />
      <ChunkViewer r={r} t={t} />
    </>
  );
}

/** Whole vs Causal Cache vs naive in the A/B viewer; [ and ] jump between the encoder and decoder seams. */
function ChunkViewer({ r, t }: { r: ChunkComparison; t: number }) {
  const clip = useStore((s) => s.clip)!;
  const setFrame = useStore((s) => s.setFrame);
  const version = `${r.modelId}/${r.encChunk}/${r.decChunk}/${r.seconds.whole}`;
  const ref = (layer: 'whole' | 'cached' | 'naive') => ({ kind: 'clip' as const, clipId: r.clipId, layer });
  return (
    <ABViewer
      id="chunk-viewer"
      sources={[
        { label: 'Whole clip', ref: ref('whole'), version },
        { label: 'Causal Cache', ref: ref('cached'), version },
        { label: 'Naive chunks', ref: ref('naive'), version },
      ]}
      initial={[0, 2]}
      frames={r.frames}
      fps={clip.fps}
      width={clip.width}
      height={clip.height}
      t={t}
      onSettle={setFrame}
      seams={[...r.boundaries.encoder, ...r.boundaries.decoder]}
      fileStem={`${clip.name.replace(/\.[^.]+$/, '')}-chunks-e${r.encChunk}-d${r.decChunk}`}
    />
  );
}

function useChunkFrame(r: ChunkComparison, t: number, kind: ModelFrameKind): QueryState<ModelFrame> {
  const transport = useStore((s) => s.transport);
  return useEngineQuery(`${r.clipId}/${r.modelId}/${r.encChunk}/${r.decChunk}/${r.seconds.whole}/${t}/${kind}`, () =>
    transport!.api.getModelFrame({ clipId: r.clipId, t, kind }),
  );
}

function ChunkFrames({ r, t }: { r: ChunkComparison; t: number }) {
  const whole = useChunkFrame(r, t, 'whole');
  const cached = useChunkFrame(r, t, 'cached');
  const naive = useChunkFrame(r, t, 'naive');
  const dCached = useChunkFrame(r, t, 'diff-cached');
  const dNaive = useChunkFrame(r, t, 'diff-naive');
  return (
    <div className="chunk-frames" data-testid="chunk-frames">
      <FrameCell q={whole} title="Whole clip" testId="chunk-frame-whole" />
      <FrameCell q={cached} title="Causal Cache" testId="chunk-frame-cached" />
      <FrameCell q={naive} title="Naive chunks" testId="chunk-frame-naive" />
      <FrameCell q={dCached} title="|cached − whole|" testId="diff-cached" />
      <FrameCell q={dNaive} title="|naive − whole|" testId="diff-naive" />
    </div>
  );
}

function FrameCell({ q, title, testId }: { q: QueryState<ModelFrame>; title: string; testId: string }) {
  const f = q.data;
  return (
    <figure className="chunk-frames__cell" data-testid={testId}>
      {f ? <RgbaCanvas width={f.width} height={f.height} rgba={f.rgba} className="pair__canvas" extra={{ frame: f.t }} /> : <div className="pair__placeholder" />}
      <figcaption>
        <strong>{title}</strong>
        {f?.diff && (
          <span className="tile__range" data-testid="diff-range">
            {f.diff.maxAbs === 0 ? 'identical (0)' : `[0, ${formatValue(f.diff.maxAbs)}] · ×${formatValue(f.diff.gain)} to full scale`}
          </span>
        )}
        {f && !f.diff && <span className="tile__range">frame {f.t}</span>}
        {q.error && <span className="model-panel__error">{q.error}</span>}
      </figcaption>
    </figure>
  );
}
