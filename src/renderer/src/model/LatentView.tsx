// The latent mean (L, t, h, w): a 3D stack of latent frames for one channel
// (or channels 0-2 as RGB), the scrubber's latent frame highlighted, and a 2D
// grid of every channel at that latent frame (which also stands in for the 3D
// view where WebGL is unavailable).
import { lazy, Suspense, useMemo, useState } from 'react';
import type { Latent } from '../../../shared/contract';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { useStore } from '../store';
import { latentSlice, type LatentChannel } from './latent-slices';
import { NeedsModel, NeedsReconstruction } from './NeedsResult';
import { useEngineQuery } from './use-engine-query';

// three.js is most of the bundle: load it when the latent view first opens.
const LatentScene = lazy(() => import('./LatentScene').then((m) => ({ default: m.LatentScene })));

export function LatentView() {
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="latent-view">
      <header className="model-view__header">
        <div>
          <h2>Latent</h2>
          <p className="muted">The encoder's mean, decoded from as is. Drag to orbit, wheel to zoom, right-drag to pan.</p>
        </div>
      </header>
      <NeedsModel>
        <NeedsReconstruction what="The latent">
          <LatentBody />
        </NeedsReconstruction>
      </NeedsModel>
    </section>
  );
}

function LatentBody() {
  const recon = useStore((s) => s.recon)!;
  const t = useStore((s) => s.t);
  const transport = useStore((s) => s.transport);
  const [channel, setChannel] = useState<LatentChannel>('rgb');
  const q = useEngineQuery(`${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}`, () => transport!.api.getLatent({ clipId: recon.clipId }));
  if (q.error) return <p className="model-panel__error">{q.error}</p>;
  const latent = q.data;
  if (!latent) return <p className="muted">Reading the latent…</p>;
  const [L, T, h, w] = latent.shape;
  const frame = latent.latentFrameOf[t] ?? 0;
  return (
    <>
      <div className="latent-controls">
        <label className="level-picker">
          Show
          <select
            data-testid="latent-channel"
            value={String(channel)}
            onChange={(e) => setChannel(e.currentTarget.value === 'rgb' ? 'rgb' : Number(e.currentTarget.value))}
          >
            <option value="rgb">channels 0–2 as RGB (each normalised)</option>
            {Array.from({ length: L }, (_, c) => (
              <option key={c} value={c}>
                channel {c}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="latent-shape">
          mean ({L}, {T}, {h}, {w}) · video frame {t} → latent frame <strong>{frame}</strong> of {T}
        </span>
      </div>
      <Suspense fallback={<div className="latent-scene" />}>
        <LatentScene latent={latent} channel={channel} highlight={frame} />
      </Suspense>
      <LatentGrid latent={latent} frame={frame} />
    </>
  );
}

function LatentGrid({ latent, frame }: { latent: Latent; frame: number }) {
  const [L, , h, w] = latent.shape;
  return (
    <div className="latent-grid-wrap">
      <h3>
        All {L} channels at latent frame {frame}
      </h3>
      <p className="muted">Cool-warm, symmetric around 0 over each channel's ±max|v| across all latent frames.</p>
      <div className="latent-grid" data-testid="latent-grid">
        {Array.from({ length: L }, (_, c) => (
          <LatentTile key={c} latent={latent} channel={c} frame={frame} w={w} h={h} />
        ))}
      </div>
    </div>
  );
}

function LatentTile({ latent, channel, frame, w, h }: { latent: Latent; channel: number; frame: number; w: number; h: number }) {
  const rgba = useMemo(() => latentSlice(latent, channel, frame), [latent, channel, frame]);
  const r = latent.channelRanges[channel];
  const openBigView = useStore((s) => s.openBigView);
  return (
    <figure className="tile tile--clickable" data-testid="latent-tile">
      <button className="tile__open" title="Open it big, with its energy per latent frame" aria-label={`Latent channel ${channel}: open it big`} onClick={() => openBigView({ kind: 'latent', channel })}>
        <RgbaCanvas width={w} height={h} rgba={rgba} className="tile__canvas" />
      </button>
      <figcaption>
        <span className="tile__name">ch {channel}</span>
        <span className="tile__range">
          [{formatValue(r.min)}, {formatValue(r.max)}]
        </span>
      </figcaption>
    </figure>
  );
}
