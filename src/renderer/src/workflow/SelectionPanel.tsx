// The Clip panel's selection: where in the source the clip starts (frame or
// time, or a click on the thumbnail strip), how many frames, every n-th
// frame, at what size; what that gives after the snap to 1 + 4k / 1 + 8k and
// the crop to multiples of 8, and what decoding and reconstructing it will
// cost, all before anything runs. "Decode selection" re-decodes (a task with
// progress and Cancel).
import { useEffect, useState } from 'react';
import type { ClipEstimate, ClipSelection, Cost } from '../../../shared/workflow-contract';
import { useStore } from '../store';
import { useEngineQuery } from '../model/use-engine-query';
import { ThumbnailStrip } from './ThumbnailStrip';
import { sourceFramesText } from './source-frames';
import { formatDuration } from '../../../shared/duration';

const SIZE_PRESETS = [256, 512] as const;

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(bytes >= 100 * 2 ** 20 ? 0 : 1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** An estimate's time, as the engine's planner gave it (the CLI says the same figure). */
export function formatSeconds(s: number | null): string {
  if (s === null) return 'time: after a first run';
  if (s < 1) return `≈ ${s.toFixed(2)} s`;
  if (s < 10) return `≈ ${s.toFixed(1)} s`;
  return `≈ ${formatDuration(s)}`;
}

const sameSelection = (a: ClipSelection, b: ClipSelection) =>
  a.start === b.start && a.frames === b.frames && a.sampleRate === b.sampleRate && a.size === b.size && a.snap === b.snap;

export function SelectionPanel() {
  const clip = useStore((s) => s.clip);
  const draft = useStore((s) => s.selectionDraft);
  const setDraft = useStore((s) => s.setDraft);
  const apply = useStore((s) => s.applySelection);
  const thumbnails = useStore((s) => s.thumbnails);
  const loadThumbnails = useStore((s) => s.loadThumbnails);
  const model = useStore((s) => s.model);
  const busy = useStore((s) => s.task !== null);
  const transport = useStore((s) => s.transport);
  // Measured speeds change after runs: ask again then.
  const runs = useStore((s) => `${s.recon?.encodeSeconds ?? ''}/${s.video?.videoId ?? ''}`);
  const [unit, setUnit] = useState<'frame' | 'time'>('frame');
  const [customSize, setCustomSize] = useState(false);

  useEffect(() => {
    if (clip && !clip.isImage) void loadThumbnails();
  }, [clip, loadThumbnails]);

  const sel = draft ?? clip?.selection ?? null;
  const key = clip && sel ? `${clip.clipId}|${JSON.stringify(sel)}|${model?.modelId ?? ''}|${runs}` : null;
  const q = useEngineQuery<ClipEstimate>(key, () => transport!.api.estimateClip({ clipId: clip!.clipId, selection: sel! }));
  if (!clip || !sel || clip.isImage) return null;
  const fps = clip.source.fps;
  const est = q.data;
  const plan = est?.plan ?? null;
  const sizeChoice = customSize || (typeof sel.size === 'number' && !SIZE_PRESETS.includes(sel.size as 256 | 512)) ? 'custom' : String(sel.size);
  const int = (v: string, min: number) => Math.max(min, Math.round(Number(v) || 0));
  const changed = !sameSelection(sel, clip.selection);
  const sourceFrames = sourceFramesText(clip.source.frames, clip.source.claimedFrames);
  const snapHint = model ? `this ${model.temporalCompression}× model takes 1 + ${model.temporalCompression}k` : 'no model: 1 + 8k keeps 3 Haar levels';

  return (
    <section className="panel selection" data-testid="selection-panel">
      <h3 className="panel__title">Clip selection</h3>
      <ThumbnailStrip
        thumbnails={thumbnails}
        sourceFrames={clip.source.frames}
        fps={fps}
        range={plan ? { first: plan.firstFrame, last: plan.lastFrame } : null}
        onPick={(frame) => setDraft({ start: frame })}
      />
      <div className="selection__grid">
        <label htmlFor="sel-start">Start</label>
        <div className="selection__row">
          <input
            id="sel-start"
            type="number"
            min={0}
            step={unit === 'time' ? (1 / fps).toFixed(4) : 1}
            value={unit === 'time' ? Number((sel.start / fps).toFixed(3)) : sel.start}
            data-testid="sel-start"
            onChange={(e) => setDraft({ start: unit === 'time' ? Math.max(0, Math.round(Number(e.currentTarget.value) * fps)) : int(e.currentTarget.value, 0) })}
          />
          <select value={unit} onChange={(e) => setUnit(e.currentTarget.value as 'frame' | 'time')} data-testid="sel-start-unit" aria-label="Start unit">
            <option value="frame">frame</option>
            <option value="time">seconds</option>
          </select>
        </div>
        <label htmlFor="sel-frames">Frames</label>
        <div className="selection__row">
          <input id="sel-frames" type="number" min={1} value={sel.frames} data-testid="sel-frames" onChange={(e) => setDraft({ frames: int(e.currentTarget.value, 1) })} />
          <span className={sourceFrames.claimed ? 'muted selection__claimed' : 'muted'} data-testid="sel-source-frames">
            {sourceFrames.text}
          </span>
        </div>
        <label htmlFor="sel-rate">Sample rate</label>
        <div className="selection__row">
          <input id="sel-rate" type="number" min={1} max={64} value={sel.sampleRate} data-testid="sel-rate" onChange={(e) => setDraft({ sampleRate: Math.min(64, int(e.currentTarget.value, 1)) })} />
          <span className="muted">every {sel.sampleRate === 1 ? 'frame' : `${sel.sampleRate}th frame`}</span>
        </div>
        <label htmlFor="sel-size">Size</label>
        <div className="selection__row">
          <select
            id="sel-size"
            value={sizeChoice}
            data-testid="sel-size"
            onChange={(e) => {
              const v = e.currentTarget.value;
              setCustomSize(v === 'custom');
              if (v === 'native') setDraft({ size: 'native' });
              else if (v !== 'custom') setDraft({ size: Number(v) });
              else if (typeof sel.size !== 'number') setDraft({ size: Math.max(8, 8 * Math.round(Math.min(clip.source.width, clip.source.height) / 8)) });
            }}
          >
            <option value="256">256 short side</option>
            <option value="512">512 short side</option>
            <option value="native">native ({clip.source.width}×{clip.source.height})</option>
            <option value="custom">number…</option>
          </select>
          {sizeChoice === 'custom' && typeof sel.size === 'number' && (
            <input
              type="number"
              min={8}
              step={8}
              value={sel.size}
              aria-label="Short side in pixels"
              data-testid="sel-size-number"
              onChange={(e) => setDraft({ size: Math.max(8, 8 * Math.round(Number(e.currentTarget.value) / 8)) })}
            />
          )}
        </div>
        <label htmlFor="sel-snap">Snap</label>
        <div className="selection__row">
          <select id="sel-snap" value={sel.snap} data-testid="sel-snap" onChange={(e) => setDraft({ snap: Number(e.currentTarget.value) === 8 ? 8 : 4 })}>
            <option value={4}>1 + 4k frames</option>
            <option value={8}>1 + 8k frames</option>
          </select>
          <span className="muted" title={snapHint}>
            {model ? `model ${model.temporalCompression}×` : ''}
          </span>
        </div>
      </div>
      {plan && (
        <div className="selection__plan" data-testid="sel-plan">
          <div>
            → <strong data-testid="sel-plan-frames">{plan.frames}</strong> frames (source {plan.firstFrame}–{plan.lastFrame}, {plan.startSeconds.toFixed(2)} s + {plan.durationSeconds.toFixed(2)} s) at{' '}
            <strong data-testid="sel-plan-size">
              {plan.width}×{plan.height}
            </strong>
            , {plan.fps.toFixed(plan.fps % 1 ? 2 : 0)} fps
          </div>
          <div className="muted" data-testid="sel-snap-note">
            {plan.frames === plan.wanted ? `${plan.frames} = 1 + ${sel.snap}·${(plan.frames - 1) / sel.snap}: no snap needed` : `${plan.wanted} frames snapped down to ${plan.frames} = 1 + ${sel.snap}·${(plan.frames - 1) / sel.snap}`}
          </div>
          <div className="muted" data-testid="sel-crop">
            {plan.resized ? `resized ${clip.source.width}×${clip.source.height} → ${plan.resized.width}×${plan.resized.height}; ` : ''}
            {plan.crop ? `centre crop to ${plan.crop.width}×${plan.crop.height} at (${plan.crop.x}, ${plan.crop.y})` : 'no crop (sides are multiples of 8)'}
          </div>
        </div>
      )}
      {est?.error && (
        <p className="selection__error" data-testid="sel-error">
          {est.error}
        </p>
      )}
      {q.error && <p className="selection__error">{q.error}</p>}
      {est && (
        <div className="estimate" data-testid="estimate">
          {est.decode && <CostRow label="Decode this selection" cost={est.decode} testId="estimate-decode" />}
          {est.reconstruct && <CostRow label={`Reconstruct it (${est.reconstruct.how})`} cost={est.reconstruct} testId="estimate-reconstruct" />}
          {est.wholeVideo && (
            <CostRow label={`Whole video: ${est.wholeVideo.frames} frames, Causal Cache ${est.wholeVideo.encChunk}/${est.wholeVideo.decChunk} (flat in T)`} cost={est.wholeVideo} testId="estimate-video" />
          )}
          {!est.reconstruct && <p className="muted">{est.model}</p>}
        </div>
      )}
      <div className="selection__actions">
        <button className="button button--primary" disabled={busy || !plan || !changed} onClick={() => void apply()} data-testid="sel-apply">
          Decode selection
        </button>
        {changed && (
          <button className="button" onClick={() => useStore.setState({ selectionDraft: clip.selection })} data-testid="sel-reset">
            Reset
          </button>
        )}
      </div>
    </section>
  );
}

/** "+4.3 MB" for memory a result adds, "peak 0.9 GB" for a run's peak; a peak over the budget is flagged. */
export function formatCostBytes(cost: Cost): string {
  return cost.bytesMeaning === 'added' ? `+${formatBytes(cost.bytes)}` : `peak ${formatBytes(cost.bytes)}`;
}

function CostRow({ label, cost, testId }: { label: string; cost: Cost; testId: string }) {
  return (
    <div className={cost.fits === false ? 'estimate__row estimate__row--over' : 'estimate__row'} data-testid={testId} data-bytes={cost.bytes} data-fits={cost.fits ?? ''} data-seconds={cost.seconds ?? ''}>
      <span>{label}</span>
      <b>
        {formatCostBytes(cost)} · {formatSeconds(cost.seconds)}
      </b>
      {cost.fits === false && <span className="estimate__over">over this machine's memory budget</span>}
      <span className="estimate__basis">{cost.basis}</span>
    </div>
  );
}
