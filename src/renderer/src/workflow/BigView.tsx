// One tile, big: a Haar subband, an energy-flow tap tile or a latent channel
// at the current frame, drawn nearest-neighbour with its value range and
// colour scale, and its energy (sum of squares) in every frame of that tensor
// as a timeline. Opened by clicking a tile; Escape or a click outside closes.
import { useEffect, useMemo, useRef } from 'react';
import { colormap, divergingColor, sequentialColor, type ColormapKind } from '../../../shared/colormap';
import { imageRgba, selectionOptions } from '../pathway/colorize';
import { selectionsFor } from '../pathway/pathway-slice';
import { MAX_TAP_TILES_LIMIT, type Latent } from '../../../shared/contract';
import { FrameChart } from '../model/FrameChart';
import { latentSlice } from '../model/latent-slices';
import { useEngineQuery } from '../model/use-engine-query';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { useStore } from '../store';
import type { BigViewTarget } from './comfort-slice';

interface Shown {
  title: string;
  subtitle: string;
  width: number;
  height: number;
  rgba: Uint8Array;
  min: number;
  max: number;
  colormap: ColormapKind | 'rgb';
  /** Energy per frame of the tensor the tile comes from, and the frame shown. */
  energy: number[] | null;
  frame: number;
  frameLabel: string;
}

export function BigView() {
  const target = useStore((s) => s.bigView);
  const close = useStore((s) => s.openBigView);
  const body = useRef<HTMLDivElement>(null);
  const opened = target !== null;
  // A dialog: focus moves into it, and back to what opened it when it closes.
  useEffect(() => {
    if (!opened) return;
    const before = document.activeElement as HTMLElement | null;
    body.current?.focus();
    return () => before?.focus?.();
  }, [opened]);
  if (!target) return null;
  return (
    <div className="modal" onClick={() => close(null)} data-testid="big-view-backdrop">
      <div
        ref={body}
        className="modal__body"
        onClick={(e) => e.stopPropagation()}
        data-testid="big-view"
        data-kind={target.kind}
        role="dialog"
        aria-modal="true"
        aria-labelledby="big-title"
        tabIndex={-1}
      >
        {target.kind === 'subband' && <SubbandBig target={target} />}
        {target.kind === 'tap' && <TapBig target={target} />}
        {target.kind === 'latent' && <LatentBig target={target} />}
        {target.kind === 'node' && <NodeBig target={target} />}
      </div>
    </div>
  );
}

function NodeBig({ target }: { target: Extract<BigViewTarget, { kind: 'node' }> }) {
  const recon = useStore((s) => s.recon);
  const model = useStore((s) => s.model);
  const t = useStore((s) => s.t);
  const transport = useStore((s) => s.transport);
  const select = useStore((s) => selectionsFor(s, model?.modelId)[target.node]);
  const setSelect = useStore((s) => s.setPathwaySelect);
  const spec = model?.pathway.nodes.find((n) => n.id === target.node);
  const run = recon ? `${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}` : null;
  const q = useEngineQuery(run && `${run}/${target.node}/${t}/${select ?? 'auto'}`, () =>
    transport!.api.getPathwayNode({ clipId: recon!.clipId, node: target.node, t, ...(select ? { select } : {}) }),
  );
  const rgba = useMemo(() => (q.data ? imageRgba(q.data.image) : null), [q.data]);
  if (q.error) return <BigMessage text={q.error} />;
  if (!q.data || !rgba || !spec || !model) return <BigMessage text="Reading the node…" />;
  const n = q.data;
  const img = n.image;
  const [C, T, H, W] = n.shape;
  return (
    <BigBody
      controls={
        <label className="ab__pick">
          Show
          <select value={n.select} onChange={(e) => setSelect(model.modelId, target.node, e.currentTarget.value)} data-testid="big-select">
            {selectionOptions(spec).map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
      }
      shown={{
        title: `${spec.label} · ${img.label}`,
        subtitle:
          `${spec.what} · shape (${C}, ${T}, ${H}, ${W}) ${n.dtype} · node frame ${n.tapFrame} of ${T} (video frame ${t}) · ` +
          `${img.pooled > 1 ? `${img.width}×${img.height}, each pixel the mean of ${img.pooled}×${img.pooled} (kept pooled)` : `${img.width}×${img.height}`} · range over all frames [${formatValue(n.min)}, ${formatValue(n.max)}]`,
        width: img.width,
        height: img.height,
        rgba,
        min: img.min,
        max: img.max,
        colormap: img.colormap,
        energy: n.energy,
        frame: n.tapFrame,
        frameLabel: 'node frame',
      }}
    />
  );
}

function colorize(data: Float32Array, min: number, max: number, kind: ColormapKind): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  for (let i = 0; i < data.length; i++) {
    const [r, g, b] = colormap(data[i], min, max, kind);
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}

function SubbandBig({ target }: { target: Extract<BigViewTarget, { kind: 'subband' }> }) {
  const subbands = useStore((s) => s.subbands);
  const level = subbands?.levels.find((l) => l.level === target.level);
  const tile = level?.tiles.find((x) => x.name === target.name);
  const kind: ColormapKind = target.name === 'LLL' ? 'sequential' : 'diverging';
  const rgba = useMemo(() => (tile ? colorize(tile.data, tile.min, tile.max, kind) : null), [tile, kind]);
  if (!subbands || !level || !tile || !rgba) return <BigMessage text="Computing subbands…" />;
  const energy = subbands.energy.levels.find((l) => l.level === target.level)?.subbands.find((x) => x.name === target.name)?.perFrame.map((p) => p.energy) ?? null;
  return (
    <BigBody
      shown={{
        title: `Level ${target.level} · ${target.name}`,
        subtitle: `luma of the ${target.name} subband · coefficient frame ${level.coefficientFrame} · ${tile.width}×${tile.height}`,
        width: tile.width,
        height: tile.height,
        rgba,
        min: tile.min,
        max: tile.max,
        colormap: kind,
        energy,
        frame: level.coefficientFrame,
        frameLabel: 'coefficient frame',
      }}
    />
  );
}

function TapBig({ target }: { target: Extract<BigViewTarget, { kind: 'tap' }> }) {
  const recon = useStore((s) => s.recon);
  const t = useStore((s) => s.t);
  const transport = useStore((s) => s.transport);
  const run = recon ? `${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}` : null;
  const taps = useEngineQuery(run && `${run}/${t}/all`, () => transport!.api.getTaps({ clipId: recon!.clipId, t, maxTilesPerTap: MAX_TAP_TILES_LIMIT }));
  const timeline = useEngineQuery(run && `${run}/${target.tap}/${target.label}`, () => transport!.api.getTapTimeline({ clipId: recon!.clipId, tap: target.tap, label: target.label }));
  const tap = taps.data?.taps.find((x) => x.name === target.tap);
  const tile = tap?.tiles.find((x) => x.label === target.label);
  const rgba = useMemo(() => (tile ? colorize(tile.data, tile.min, tile.max, tile.colormap) : null), [tile]);
  const error = taps.error ?? timeline.error;
  if (error) return <BigMessage text={error} />;
  if (!tap || !tile || !rgba) return <BigMessage text="Reading the tap…" />;
  return (
    <BigBody
      shown={{
        title: `${tap.name} · ${tile.label}`,
        subtitle: `${tap.what} · tap frame ${tap.tapFrame} of ${tap.tapFrames} · ${tile.width}×${tile.height}${timeline.data ? ` · range over all frames [${formatValue(timeline.data.min)}, ${formatValue(timeline.data.max)}]` : ''}`,
        width: tile.width,
        height: tile.height,
        rgba,
        min: tile.min,
        max: tile.max,
        colormap: tile.colormap,
        energy: timeline.data?.energy ?? null,
        frame: tap.tapFrame,
        frameLabel: 'tap frame',
      }}
    />
  );
}

function latentEnergy(latent: Latent, channel: number): number[] {
  const [, T, h, w] = latent.shape;
  const n = h * w;
  return Array.from({ length: T }, (_, f) => {
    let e = 0;
    const base = (channel * T + f) * n;
    for (let i = base; i < base + n; i++) e += latent.data[i] * latent.data[i];
    return e;
  });
}

function LatentBig({ target }: { target: Extract<BigViewTarget, { kind: 'latent' }> }) {
  const recon = useStore((s) => s.recon);
  const t = useStore((s) => s.t);
  const transport = useStore((s) => s.transport);
  const q = useEngineQuery(recon && `${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}`, () => transport!.api.getLatent({ clipId: recon!.clipId }));
  const latent = q.data;
  const frame = latent?.latentFrameOf[t] ?? 0;
  const rgba = useMemo(() => (latent ? latentSlice(latent, target.channel, frame) : null), [latent, target.channel, frame]);
  const energy = useMemo(() => (latent ? latentEnergy(latent, target.channel) : null), [latent, target.channel]);
  if (q.error) return <BigMessage text={q.error} />;
  if (!latent || !rgba) return <BigMessage text="Reading the latent…" />;
  const [, T, h, w] = latent.shape;
  const r = latent.channelRanges[target.channel];
  return (
    <BigBody
      shown={{
        title: `Latent channel ${target.channel}`,
        subtitle: `encoder mean · latent frame ${frame} of ${T} (video frame ${t}) · ${w}×${h} · range over all latent frames`,
        width: w,
        height: h,
        rgba,
        min: r.min,
        max: r.max,
        colormap: 'diverging',
        energy,
        frame,
        frameLabel: 'latent frame',
      }}
    />
  );
}

function BigMessage({ text }: { text: string }) {
  const close = useStore((s) => s.openBigView);
  return (
    <div className="modal__head">
      <p className="muted" id="big-title">
        {text}
      </p>
      <button className="button button--ghost" aria-label="Close" onClick={() => close(null)}>
        ×
      </button>
    </div>
  );
}

function BigBody({ shown, controls }: { shown: Shown; controls?: React.ReactNode }) {
  const close = useStore((s) => s.openBigView);
  const savePng = useStore((s) => s.savePng);
  const last = useStore((s) => s.lastExport);
  const legend = useMemo(() => {
    if (shown.colormap === 'rgb') return 'linear-gradient(to right, #000, #fff)';
    const stops = Array.from({ length: 11 }, (_, i) => {
      const u = i / 10;
      const [r, g, b] = shown.colormap === 'sequential' ? sequentialColor(u, 0, 1) : divergingColor(2 * u - 1, -1, 1);
      return `rgb(${r} ${g} ${b}) ${i * 10}%`;
    });
    return `linear-gradient(to right, ${stops.join(', ')})`;
  }, [shown.colormap]);
  const m = Math.max(Math.abs(shown.min), Math.abs(shown.max));
  return (
    <>
      <div className="modal__head">
        <div>
          <h2 id="big-title" data-testid="big-title">
            {shown.title}
          </h2>
          <p className="muted">{shown.subtitle}</p>
        </div>
        <div className="selection__actions">
          {controls}
          <button
            className="button"
            data-testid="big-png"
            aria-label="Save this view as PNG"
            onClick={(e) => {
              const c = e.currentTarget.closest('.modal__body')?.querySelector('canvas');
              if (c) void savePng(c, `${shown.title.replace(/[^\w.-]+/g, '_')}.png`, 'big-view');
            }}
          >
            PNG
          </button>
          <button className="button button--ghost" aria-label="Close" data-testid="big-close" onClick={() => close(null)}>
            ×
          </button>
        </div>
      </div>
      {last?.origin === 'big-view' && (
        <p className="export-done" data-testid="big-saved" role="status">
          saved {last.fileName}
          {last.where !== last.fileName ? ` to ${last.where}` : ' (browser downloads)'}
        </p>
      )}
      <RgbaCanvas width={shown.width} height={shown.height} rgba={shown.rgba} className="big__canvas" testId="big-canvas" extra={{ frame: shown.frame }} />
      <span className="big__legend" style={{ background: legend }} />
      <div className="legend__ends" data-testid="big-range">
        <span>{shown.colormap === 'diverging' ? formatValue(-m) : formatValue(shown.min)}</span>
        <span>
          range [{formatValue(shown.min)}, {formatValue(shown.max)}] ·{' '}
          {shown.colormap === 'sequential' ? 'viridis min..max' : shown.colormap === 'rgb' ? 'RGB over the range' : 'cool-warm, symmetric around 0'}
        </span>
        <span>{shown.colormap === 'diverging' ? formatValue(m) : formatValue(shown.max)}</span>
      </div>
      {shown.energy ? (
        <FrameChart
          testId="big-timeline"
          yLabel="energy (sum of squares)"
          xLabel={shown.frameLabel}
          frames={shown.energy.length}
          current={shown.frame}
          series={[{ name: `energy per ${shown.frameLabel}`, color: '#f2c14e', values: shown.energy }]}
          height={170}
        />
      ) : (
        <p className="muted">Reading the energy per frame…</p>
      )}
      <p className="muted">x axis: {shown.frameLabel}s of this tensor (the dashed line is the one shown).</p>
    </>
  );
}
