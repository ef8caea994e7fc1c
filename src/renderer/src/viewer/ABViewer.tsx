// The A/B viewer: two frame sources at the same frame, side by side, as a
// wipe, or as a difference heatmap (absolute or signed, amplified, with its
// scale), zoomable to single pixels (nearest-neighbour) with both panes moving
// together. Plays at the clip's frame rate, loops, steps, and jumps between
// chunk seams. Frames come from the shared frame cache, so scrubbing draws
// from memory.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { diffHeatmap, diffScale } from '../../../shared/diff-heatmap';
import { divergingColor, sequentialColor } from '../../../shared/colormap';
import type { FrameRef } from '../../../shared/workflow-contract';
import { formatValue } from '../format';
import { useStore } from '../store';
import { frameCacheFor, refKey, type CachedRef } from './frame-cache';
import { activateViewerKeys, registerViewerKeys } from './viewer-keys';

export interface ViewerSource {
  label: string;
  ref: FrameRef;
  /** Changes when the source's frames do (a re-run). */
  version: string;
  /** Test id of this source's canvas in side-by-side mode. */
  testId?: string;
}

interface Props {
  id: string;
  sources: ViewerSource[];
  /** Indices into sources shown as A and B at first. */
  initial?: [number, number];
  frames: number;
  fps: number;
  width: number;
  height: number;
  /** The frame chosen outside (scrubber, chart click): the viewer follows it. */
  t: number;
  /** The viewer's frame after stepping, scrubbing or pausing (not on every played frame). */
  onSettle?: (t: number) => void;
  /** Frames [ and ] jump between (chunk starts). */
  seams?: number[];
  /** File name stem of PNG exports. */
  fileStem: string;
}

const ZOOMS = [1, 2, 4, 8, 16, 32, 64];
/** The viewer's toolbar, transport and readout, and the page's header above a viewer scrolled to the top: what a pane leaves room for. */
const CHROME_HEIGHT = 300;
const MIN_PANE_HEIGHT = 200;

function useViewportHeight(): number {
  const [h, setH] = useState(() => window.innerHeight);
  useEffect(() => {
    const on = () => setH(window.innerHeight);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return h;
}
const GAINS = [1, 2, 4, 8, 16, 32, 64];
const SETTLE_MS = 120;

export function ABViewer({ id, sources, initial = [0, 1], frames, fps, width, height, t: outsideT, onSettle, seams = [], fileStem }: Props) {
  const transport = useStore((s) => s.transport);
  const prefs = useStore((s) => s.prefs.viewer);
  const setViewerPrefs = useStore((s) => s.setViewerPrefs);
  const savePng = useStore((s) => s.savePng);
  const lastExport = useStore((s) => s.lastExport);
  const cache = useMemo(() => (transport ? frameCacheFor(transport.api) : null), [transport]);

  const [a, setA] = useState(initial[0]);
  const [b, setB] = useState(initial[1]);
  const [t, setT] = useState(Math.min(outsideT, frames - 1));
  const [playing, setPlaying] = useState(false);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [wipe, setWipe] = useState(0.5);
  const [stageWidth, setStageWidth] = useState(0);
  const [hover, setHover] = useState<{ x: number; y: number } | null>(null);
  const [, setVersion] = useState(0);
  const [drawn, setDrawn] = useState<number | null>(null);
  const { mode, diffMode, gain, loop } = prefs;

  // Keyed by strings: parents pass new source objects on every render.
  const keyA = refKey(sources[a].ref, sources[a].version);
  const keyB = refKey(sources[b].ref, sources[b].version);
  const refA: CachedRef = useMemo(() => ({ ref: sources[a].ref, key: keyA }), [keyA]);
  const refB: CachedRef = useMemo(() => ({ ref: sources[b].ref, key: keyB }), [keyB]);

  // Frames land: draw again.
  useEffect(() => cache?.subscribe(() => setVersion((v) => v + 1)), [cache]);
  useEffect(() => {
    cache?.want([refA, refB], t, frames);
  }, [cache, refA, refB, t, frames]);

  // Follow the outside frame (not while playing: the viewer leads then).
  const tRef = useRef(t);
  tRef.current = t;
  useEffect(() => {
    if (!playing && outsideT !== tRef.current) setT(Math.max(0, Math.min(frames - 1, outsideT)));
  }, [outsideT]); // only when the outside frame moves

  // Tell the outside where the viewer settled, when the viewer moved. A move of the outside frame
  // must not schedule a report of the viewer's old frame: on a busy machine it could fire before the
  // viewer follows, and send the outside back.
  const outsideRef = useRef(outsideT);
  outsideRef.current = outsideT;
  useEffect(() => {
    if (playing || !onSettle || t === outsideRef.current) return;
    const outsideThen = outsideRef.current;
    const timer = setTimeout(() => {
      // The outside moved meanwhile: it leads, the viewer follows it.
      if (outsideRef.current === outsideThen) onSettle(t);
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [t, playing, onSettle]);

  // Playback at the clip's frame rate; a frame not loaded yet holds the clock.
  useEffect(() => {
    if (!playing || !cache) return;
    let raf = 0;
    let last = performance.now();
    let acc = 0;
    const step = 1000 / Math.max(1, fps);
    const tick = (now: number) => {
      acc += now - last;
      last = now;
      if (acc >= step) {
        const cur = tRef.current;
        let next = cur + 1;
        if (next >= frames) {
          if (!loop) {
            setPlaying(false);
            return;
          }
          next = 0;
        }
        if (cache.get(refA, next) && cache.get(refB, next)) {
          acc = Math.min(acc - step, step);
          setT(next);
        } else acc = step;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, cache, fps, frames, loop, refA, refB]);

  const stage = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = stage.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setStageWidth(el.clientWidth));
    ro.observe(el);
    setStageWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const panes = mode === 'side' ? 2 : 1;
  const viewportHeight = useViewportHeight();
  // Fitted to the stage's width, but never so tall that the transport below falls out of the window.
  const maxPaneHeight = Math.max(MIN_PANE_HEIGHT, viewportHeight - CHROME_HEIGHT);
  const fit = Math.min(Math.max(1, (stageWidth - (panes - 1) * 8) / panes) / width, maxPaneHeight / height);
  const paneWidth = width * fit;
  const scale = fit * zoom;
  const paneHeight = height * fit;
  const clampPan = useCallback(
    (p: { x: number; y: number }, s = scale) => ({
      x: Math.max(0, Math.min(width - paneWidth / s, p.x)),
      y: Math.max(0, Math.min(height - paneHeight / s, p.y)),
    }),
    [scale, width, height, paneWidth, paneHeight],
  );

  // Drawing: straight from the cache into the canvases.
  const canvasA = useRef<HTMLCanvasElement>(null);
  const canvasB = useRef<HTMLCanvasElement>(null);
  const diffBuffer = useRef<ImageData | null>(null);
  const imgA = cache?.get(refA, t);
  const imgB = cache?.get(refB, t);
  useLayoutEffect(() => {
    if (!imgA || !imgB) return;
    const ctxA = canvasA.current?.getContext('2d');
    if (!ctxA) return;
    if (mode === 'side') {
      ctxA.putImageData(imgA, 0, 0);
      canvasB.current?.getContext('2d')?.putImageData(imgB, 0, 0);
    } else if (mode === 'wipe') {
      const x = Math.round(wipe * width);
      ctxA.putImageData(imgA, 0, 0);
      if (x < width) ctxA.putImageData(imgB, 0, 0, x, 0, width - x, height);
    } else {
      if (diffBuffer.current?.width !== width || diffBuffer.current.height !== height) diffBuffer.current = new ImageData(width, height);
      diffHeatmap(imgA.data, imgB.data, diffBuffer.current.data, 4, diffMode, gain);
      ctxA.putImageData(diffBuffer.current, 0, 0);
    }
    setDrawn(t);
  }, [imgA, imgB, mode, wipe, diffMode, gain, width, height, t]);

  const seek = useCallback((next: number) => setT(Math.max(0, Math.min(frames - 1, Math.round(next)))), [frames]);
  const seamKey = seams.join(',');
  const sortedSeams = useMemo(() => [...new Set(seamKey ? seamKey.split(',').map(Number) : [])].sort((x, y) => x - y), [seamKey]);
  const prevSeam = () => [...sortedSeams].reverse().find((s) => s < tRef.current);
  const nextSeam = () => sortedSeams.find((s) => s > tRef.current);

  const zoomTo = useCallback(
    (z: number, at?: { x: number; y: number }) => {
      const nz = Math.max(1, Math.min(ZOOMS[ZOOMS.length - 1], z));
      const ns = fit * nz;
      // Keep the image point under the cursor (or the centre) where it is.
      const cx = at ? at.x : paneWidth / 2;
      const cy = at ? at.y : paneHeight / 2;
      const ix = pan.x + cx / scale;
      const iy = pan.y + cy / scale;
      setZoom(nz);
      setPan(clampPan({ x: ix - cx / ns, y: iy - cy / ns }, ns));
    },
    [fit, pan, scale, paneWidth, paneHeight, clampPan],
  );

  // Keyboard (when this viewer is the active one).
  const keys = useRef<(key: string) => boolean>(() => false);
  const stepTo = (next: number | undefined) => {
    if (next === undefined) return;
    setPlaying(false);
    seek(next);
  };
  keys.current = (key) => {
    if (key === ' ') setPlaying((p) => !p);
    else if (key === 'ArrowRight') stepTo(tRef.current + 1);
    else if (key === 'ArrowLeft') stepTo(tRef.current - 1);
    else if (key === ']') stepTo(nextSeam());
    else if (key === '[') stepTo(prevSeam());
    else if (key === '+' || key === '=') zoomTo(zoom * 2);
    else if (key === '-') zoomTo(zoom / 2);
    else if (key === '0') {
      setZoom(1);
      setPan({ x: 0, y: 0 });
    } else if (key.startsWith('Shift+Arrow') && zoom > 1) {
      // Pan a zoomed view by a quarter of what it shows, as a drag would.
      const dx = paneWidth / scale / 4;
      const dy = paneHeight / scale / 4;
      const d = { 'Shift+ArrowLeft': [-dx, 0], 'Shift+ArrowRight': [dx, 0], 'Shift+ArrowUp': [0, -dy], 'Shift+ArrowDown': [0, dy] }[key];
      if (!d) return false;
      setPan(clampPan({ x: pan.x + d[0], y: pan.y + d[1] }));
    } else if (key === 'w') setViewerPrefs({ mode: 'wipe' });
    else if (key === 's') setViewerPrefs({ mode: 'side' });
    else if (key === 'd') setViewerPrefs({ mode: 'diff' });
    else if (key === 'l') setViewerPrefs({ loop: !loop });
    else return false;
    return true;
  };
  useEffect(() => registerViewerKeys(id, (k) => keys.current(k)), [id]);

  // Ctrl/Alt/⌘ + wheel zooms about the pointer (and so does any wheel once zoomed in); a plain wheel
  // scrolls the page. A native listener, because React's wheel listeners are passive and could not
  // stop the browser's own page zoom on Ctrl + wheel.
  const wheel = useRef<(e: WheelEvent) => void>(() => undefined);
  wheel.current = (e) => {
    if (!(e.ctrlKey || e.altKey || e.metaKey || zoom > 1)) return;
    e.preventDefault();
    const pane = (e.target as HTMLElement).closest('.ab__pane') as HTMLElement | null;
    if (pane) zoomTo(e.deltaY < 0 ? zoom * 2 : zoom / 2, pointerToPane(e, pane));
  };
  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => wheel.current(e);
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const drag = useRef<{ x: number; y: number; pan: { x: number; y: number } } | null>(null);
  const pointerToPane = (e: { clientX: number; clientY: number }, el: HTMLElement) => {
    const r = el.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const canvasStyle: React.CSSProperties = {
    width: `${width * scale}px`,
    height: `${height * scale}px`,
    left: `${-pan.x * scale}px`,
    top: `${-pan.y * scale}px`,
  };
  const pixel = hover ? { a: cache?.get(refA, t), b: cache?.get(refB, t) } : null;
  const readout = (img: ImageData | undefined) => {
    if (!img || !hover) return '–';
    const i = 4 * (hover.y * width + hover.x);
    return `${img.data[i]}, ${img.data[i + 1]}, ${img.data[i + 2]}`;
  };
  const error = cache?.error(refA) ?? cache?.error(refB);

  const pane = (which: 'a' | 'b', canvasTestId: string | undefined) => (
    <div
      className="ab__pane"
      style={{ height: `${paneHeight}px`, width: `${paneWidth}px` }}
      data-testid={`${id}-pane-${which}`}
      onPointerDown={(e) => {
        activateViewerKeys(id);
        if (zoom > 1) {
          drag.current = { x: e.clientX, y: e.clientY, pan };
          e.currentTarget.setPointerCapture(e.pointerId);
        }
      }}
      onPointerMove={(e) => {
        const p = pointerToPane(e, e.currentTarget);
        const x = Math.floor(pan.x + p.x / scale);
        const y = Math.floor(pan.y + p.y / scale);
        setHover(x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null);
        // The wipe's divider follows the pointer (the slider below stays for the keyboard).
        if (mode === 'wipe' && !drag.current) setWipe(Math.max(0, Math.min(1, (pan.x + p.x / scale) / width)));
        if (drag.current) {
          setPan(clampPan({ x: drag.current.pan.x - (e.clientX - drag.current.x) / scale, y: drag.current.pan.y - (e.clientY - drag.current.y) / scale }));
        }
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerLeave={() => setHover(null)}
    >
      <canvas
        ref={which === 'a' ? canvasA : canvasB}
        width={width}
        height={height}
        className="ab__canvas"
        style={canvasStyle}
        data-testid={canvasTestId}
        data-frame={drawn ?? undefined}
        data-zoom={zoom}
      />
      {mode === 'wipe' && which === 'a' && (
        <div className="ab__wipe-line" style={{ left: `${(wipe * width - pan.x) * scale}px` }} data-testid={`${id}-wipe-line`}>
          <span>{sources[a].label}</span>
          <span>{sources[b].label}</span>
        </div>
      )}
      {mode === 'side' && <span className="ab__tag">{which === 'a' ? sources[a].label : sources[b].label}</span>}
      {(!imgA || !imgB) && <span className="ab__loading">loading frame {t}…</span>}
    </div>
  );

  return (
    <section className="ab" data-testid={id} data-mode={mode} data-frame={drawn ?? ''} data-playing={playing} onFocus={() => activateViewerKeys(id)}>
      <div className="ab__toolbar">
        <label className="ab__pick">
          A
          <select value={a} onChange={(e) => setA(Number(e.currentTarget.value))} data-testid={`${id}-a`}>
            {sources.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="ab__pick">
          B
          <select value={b} onChange={(e) => setB(Number(e.currentTarget.value))} data-testid={`${id}-b`}>
            {sources.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="group" aria-label="Compare as">
          {(['side', 'wipe', 'diff'] as const).map((m) => (
            <button key={m} className={mode === m ? 'button button--on' : 'button'} data-testid={`${id}-mode-${m}`} onClick={() => setViewerPrefs({ mode: m })}>
              {m === 'side' ? 'Side by side' : m === 'wipe' ? 'Wipe' : 'Difference'}
            </button>
          ))}
        </div>
        {mode === 'diff' && (
          <>
            <div className="segmented" role="group" aria-label="Difference">
              {(['abs', 'signed'] as const).map((m) => (
                <button key={m} className={diffMode === m ? 'button button--on' : 'button'} data-testid={`${id}-diff-${m}`} onClick={() => setViewerPrefs({ diffMode: m })}>
                  {m === 'abs' ? '|B − A|' : 'B − A'}
                </button>
              ))}
            </div>
            <label className="ab__pick">
              gain
              <select value={gain} onChange={(e) => setViewerPrefs({ gain: Number(e.currentTarget.value) })} data-testid={`${id}-gain`}>
                {GAINS.map((g) => (
                  <option key={g} value={g}>
                    ×{g}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        <div className="ab__zoom">
          <button className="button" onClick={() => zoomTo(zoom / 2)} disabled={zoom <= 1} aria-label="Zoom out" data-testid={`${id}-zoom-out`}>
            −
          </button>
          <span data-testid={`${id}-zoom`}>{zoom === 1 ? 'fit' : `${zoom}× (${(scale).toFixed(1)} px/px)`}</span>
          <button className="button" onClick={() => zoomTo(zoom * 2)} disabled={zoom >= ZOOMS[ZOOMS.length - 1]} aria-label="Zoom in" data-testid={`${id}-zoom-in`}>
            +
          </button>
        </div>
        <button
          className="button"
          data-testid={`${id}-png`}
          onClick={() => {
            const c = composePng(mode, canvasA.current, canvasB.current);
            if (c) void savePng(c, `${fileStem}-${mode === 'diff' ? `diff-${diffMode}-x${gain}` : mode}-${sources[a].label}-vs-${sources[b].label}-f${t}.png`.replace(/\s+/g, '_'), id);
          }}
        >
          PNG
        </button>
        {lastExport?.origin === id && (
          <span className="export-done" data-testid={`${id}-saved`} role="status">
            saved {lastExport.fileName}
            {lastExport.where !== lastExport.fileName ? ` to ${lastExport.where}` : ' (browser downloads)'}
          </span>
        )}
      </div>
      <div ref={stage} className={mode === 'side' ? 'ab__stage ab__stage--side' : 'ab__stage'}>
        {pane('a', mode === 'side' ? sources[a].testId : `${id}-canvas`)}
        {mode === 'side' && pane('b', sources[b].testId)}
      </div>
      {mode === 'wipe' && (
        <input className="ab__wipe" type="range" min={0} max={1000} value={Math.round(wipe * 1000)} aria-label="Wipe position" data-testid={`${id}-wipe`} onChange={(e) => setWipe(Number(e.currentTarget.value) / 1000)} />
      )}
      {mode === 'diff' && <ScaleBar mode={diffMode} gain={gain} testId={`${id}-scale`} />}
      <div className="ab__transport">
        <button className="button" onClick={() => stepTo(t - 1)} aria-label="Previous frame" data-testid={`${id}-prev`}>
          ◀︎|
        </button>
        <button className="button button--primary" onClick={() => setPlaying((p) => !p)} aria-label={playing ? 'Pause' : 'Play'} aria-keyshortcuts="Space" data-testid={`${id}-play`}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button className="button" onClick={() => stepTo(t + 1)} aria-label="Next frame" data-testid={`${id}-next`}>
          |▶︎
        </button>
        <button className={loop ? 'button button--on' : 'button'} onClick={() => setViewerPrefs({ loop: !loop })} data-testid={`${id}-loop`} aria-pressed={loop}>
          Loop
        </button>
        <input
          className="ab__slider"
          type="range"
          min={0}
          max={Math.max(0, frames - 1)}
          value={t}
          aria-label="Viewer frame"
          data-testid={`${id}-slider`}
          onChange={(e) => stepTo(Number(e.currentTarget.value))}
        />
        <span className="ab__frame" data-testid={`${id}-frame`}>
          frame <strong>{t}</strong> / {frames - 1} · {fps.toFixed(fps % 1 ? 2 : 0)} fps
          {sortedSeams.length > 0 && <span className="muted"> · [ ] seams</span>}
        </span>
      </div>
      <p className="muted ab__readout" data-testid={`${id}-readout`}>
        {hover && pixel ? `pixel (${hover.x}, ${hover.y}): ${sources[a].label} ${readout(pixel.a)} · ${sources[b].label} ${readout(pixel.b)}` : 'Hover for pixel values; Ctrl + wheel or + / − to zoom (nearest-neighbour), drag to pan; both panes move together.'}
      </p>
      {error && <p className="model-panel__error">{error}</p>}
    </section>
  );
}

/** The displayed comparison as one canvas: side by side is A and B next to each other. */
function composePng(mode: string, a: HTMLCanvasElement | null, b: HTMLCanvasElement | null): HTMLCanvasElement | null {
  if (!a) return null;
  if (mode !== 'side' || !b) return a;
  const out = document.createElement('canvas');
  out.width = a.width + b.width;
  out.height = Math.max(a.height, b.height);
  const ctx = out.getContext('2d');
  ctx?.drawImage(a, 0, 0);
  ctx?.drawImage(b, a.width, 0);
  return out;
}

function ScaleBar({ mode, gain, testId }: { mode: 'abs' | 'signed'; gain: number; testId: string }) {
  const s = diffScale(mode, gain);
  const stops = Array.from({ length: 11 }, (_, i) => {
    const u = i / 10;
    const [r, g, b] = mode === 'abs' ? sequentialColor(u, 0, 1) : divergingColor(2 * u - 1, -1, 1);
    return `rgb(${r} ${g} ${b}) ${i * 10}%`;
  });
  return (
    <div className="ab__scale" data-testid={testId} data-min={s.min} data-max={s.max}>
      <span className="ab__scale-bar" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <span className="ab__scale-ends">
        <span>{formatValue(s.min)}</span>
        <span>{s.unit} · gain ×{gain}</span>
        <span>{mode === 'abs' ? '≥ ' : ''}{formatValue(s.max)}</span>
      </span>
    </div>
  );
}
