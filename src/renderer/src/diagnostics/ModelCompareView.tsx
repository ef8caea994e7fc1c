// Model A (the loaded model) against model B on the open clip: B is another
// checkpoint (another training step), A's weights rounded to BF16 or F16, or
// A executed in fp16 (where the runtime offers it). Overlaid per-frame curves,
// an A/B wipe of the two reconstructions with their difference, and how far
// apart the latents are, per channel and per latent frame.
import { useState } from 'react';
import type { ModelB, ModelComparisonView } from '../../../shared/diagnostics-contract';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { useStore } from '../store';
import { FrameChart } from '../model/FrameChart';
import { NeedsModel } from '../model/NeedsResult';
import { useEngineQuery } from '../model/use-engine-query';
import { Stat } from '../model/ReconstructView';
import { XyChart } from './XyChart';
import './diagnostics-views.css';

const A_COLOR = '#5b9cf5';
const B_COLOR = '#f2c14e';
const db = (v: number | null) => (v === null ? '∞ dB' : `${v.toFixed(2)} dB`);

type Choice = 'bf16' | 'f16' | 'fp16' | 'path';

export function ModelCompareView() {
  const clip = useStore((s) => s.clip);
  const model = useStore((s) => s.model);
  const comparison = useStore((s) => s.comparison);
  const error = useStore((s) => s.comparisonError);
  if (!clip) return null;
  const current = comparison && model && comparison.modelId === model.modelId && comparison.clipId === clip.clipId ? comparison : null;
  return (
    <section className="panel model-view" data-testid="models-view">
      <header className="model-view__header">
        <div>
          <h2>Model vs model</h2>
          <p className="muted">Model A is the loaded model. Both run whole-clip on this clip; PSNR on [−1, 1] (range 2).</p>
        </div>
      </header>
      <NeedsModel>
        <BChooser />
        {error && (
          <p className="model-panel__error" role="alert" data-testid="compare-error">
            {error}
          </p>
        )}
        {current && <ComparisonResult c={current} />}
      </NeedsModel>
    </section>
  );
}

function BChooser() {
  const run = useStore((s) => s.runModelCompare);
  const busy = useStore((s) => s.task !== null);
  const [choice, setChoice] = useState<Choice>('bf16');
  const [path, setPath] = useState('');
  const b: ModelB | null =
    choice === 'path' ? (path.trim() ? { kind: 'path', path: path.trim() } : null) : choice === 'fp16' ? { kind: 'execution', precision: 'fp16' } : { kind: 'weights', dtype: choice };
  return (
    <form
      className="ab-controls"
      onSubmit={(e) => {
        e.preventDefault();
        if (b) void run(b);
      }}
    >
      <label className="muted">
        Model B{' '}
        <select value={choice} onChange={(e) => setChoice(e.currentTarget.value as Choice)} data-testid="model-b-kind">
          <option value="bf16">A with BF16 weights</option>
          <option value="f16">A with F16 weights</option>
          <option value="fp16">A executed in fp16</option>
          <option value="path">another checkpoint…</option>
        </select>
      </label>
      {choice === 'path' && (
        <input
          className="text-input"
          type="text"
          placeholder="checkpoint folder of model B"
          value={path}
          spellCheck={false}
          onChange={(e) => setPath(e.currentTarget.value)}
          data-testid="model-b-path"
        />
      )}
      <button className="button button--primary" type="submit" disabled={busy || !b} data-testid="run-compare-models">
        Compare
      </button>
    </form>
  );
}

function ComparisonResult({ c }: { c: ModelComparisonView }) {
  const t = useStore((s) => s.t);
  const setFrame = useStore((s) => s.setFrame);
  const transport = useStore((s) => s.transport);
  const [split, setSplit] = useState(50);
  const key = `${c.clipId}/${c.modelId}/${c.b.sha256}/${t}`;
  const a = useEngineQuery(`${key}/a`, () => transport!.api.getAbFrame({ clipId: c.clipId, t, kind: 'a' }));
  const b = useEngineQuery(`${key}/b`, () => transport!.api.getAbFrame({ clipId: c.clipId, t, kind: 'b' }));
  const d = useEngineQuery(`${key}/diff`, () => transport!.api.getAbFrame({ clipId: c.clipId, t, kind: 'diff' }));
  const channels = c.latent ? c.latent.perChannel.map((_, i) => i) : [];
  return (
    <>
      <div className="stats" data-testid="compare-stats">
        <Stat label="A" value={`${c.a.className} · ${db(c.clip.psnrA)} · SSIM ${c.clip.ssimA.toFixed(4)}`} testId="psnr-a" />
        <Stat label={`B: ${c.b.label}`} value={`${db(c.clip.psnrB)} · SSIM ${c.clip.ssimB.toFixed(4)}`} testId="psnr-b" />
        <Stat label="A vs B" value={`${db(c.clip.psnrAB)} · max |d| ${formatValue(c.clip.maxAbsAB)}`} testId="psnr-ab" />
        {c.latent && <Stat label="Latent difference" value={`max ${formatValue(c.latent.maxAbs)} · rms ${formatValue(c.latent.rms)} · rel ${formatValue(c.latent.relative)}`} testId="latent-diff" />}
      </div>
      {c.notes.map((n) => (
        <p key={n} className="verdict verdict--warn">
          {n}
        </p>
      ))}
      <FrameChart
        testId="compare-psnr-chart"
        yLabel="PSNR vs original (dB)"
        frames={c.frames}
        current={t}
        onPick={setFrame}
        series={[
          // A wide and translucent underneath, B dashed on top: where the two coincide both stay visible.
          { name: 'A', color: A_COLOR, values: c.perFrame.psnrA, width: 5 },
          { name: 'B', color: B_COLOR, values: c.perFrame.psnrB, dash: '6 4' },
        ]}
        height={180}
      />
      <FrameChart
        testId="compare-delta-chart"
        yLabel="PSNR B − A (dB)"
        frames={c.frames}
        current={t}
        onPick={setFrame}
        series={[{ name: 'B − A per frame', color: B_COLOR, values: c.perFrame.psnrA.map((pa, i) => (pa === null || c.perFrame.psnrB[i] === null ? null : c.perFrame.psnrB[i]! - pa)) }]}
        height={150}
      />
      <div className="ab-view">
        <figure className="ab-wipe" data-testid="ab-wipe">
          <div
            style={{ position: 'relative' }}
            onPointerMove={(e) => {
              // The split follows the pointer, as in the A/B viewer.
              const r = e.currentTarget.getBoundingClientRect();
              setSplit(Math.round(Math.max(0, Math.min(100, ((e.clientX - r.left) / r.width) * 100))));
            }}
          >
            {a.data ? <RgbaCanvas width={a.data.width} height={a.data.height} rgba={a.data.rgba} className="ab-wipe__layer" testId="ab-canvas-a" extra={{ frame: a.data.t }} /> : <div className="pair__placeholder" />}
            {b.data && (
              <div className="ab-wipe__b" style={{ clipPath: `inset(0 0 0 ${split}%)` }}>
                <RgbaCanvas width={b.data.width} height={b.data.height} rgba={b.data.rgba} className="ab-wipe__layer" testId="ab-canvas-b" extra={{ frame: b.data.t }} />
              </div>
            )}
            <div className="ab-wipe__split" style={{ left: `${split}%` }} />
          </div>
          <input type="range" min={0} max={100} value={split} onChange={(e) => setSplit(Number(e.currentTarget.value))} aria-label="A/B split" data-testid="ab-split" />
          <figcaption>
            A left of the line, B right of it · frame {t} · the split follows the pointer (or the slider)
          </figcaption>
        </figure>
        <figure className="ab-diff" data-testid="ab-diff">
          {d.data ? <RgbaCanvas width={d.data.width} height={d.data.height} rgba={d.data.rgba} testId="ab-canvas-diff" extra={{ frame: d.data.t }} /> : <div className="pair__placeholder" />}
          <figcaption data-testid="ab-diff-range">|A − B| per pixel, viridis over [0, {formatValue(d.data?.diff?.maxAbs ?? 0)}]</figcaption>
        </figure>
      </div>
      <FrameChart
        testId="compare-ab-chart"
        yLabel="max |A − B|"
        frames={c.frames}
        current={t}
        onPick={setFrame}
        log
        series={[{ name: 'max |A − B| per frame', color: '#ef6461', values: c.perFrame.maxAbsAB }]}
        height={150}
      />
      {c.latent && (
        <XyChart
          testId="latent-diff-chart"
          kind="bar"
          x={channels}
          xLabel="latent channel"
          yLabel="rms |zA − zB|"
          series={[{ name: 'rms difference of the latent mean', color: '#ef6461', values: c.latent.perChannel.map((p) => p.rms) }]}
          height={170}
        />
      )}
    </>
  );
}
