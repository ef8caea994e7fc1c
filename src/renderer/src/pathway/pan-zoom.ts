// Pan and zoom of the pathway diagram without re-rendering it: the view
// (offset and scale) lives in a ref and reaches the page as one CSS transform
// on the diagram, written once per animation frame, so dragging and zooming
// only recomposite what is already drawn. Drag the background to pan,
// Ctrl/⌘ + wheel (or a pinch) to zoom about the pointer, a sideways wheel to
// pan; a plain wheel still scrolls the page.
import { useCallback, useEffect, useMemo, useRef, type RefObject } from 'react';

export interface View {
  x: number;
  y: number;
  s: number;
}

export const MIN_SCALE = 0.2;
export const MAX_SCALE = 3;
/** Below this scale the cards show fewer, larger words (semantic zoom): the picture, the name, the energy. */
export const COMPACT_BELOW = 0.78;
/** After a zoom stops, the diagram is drawn again at its new scale (it is composited, not redrawn, while zooming). */
const RERASTER_MS = 180;

export interface PanZoom {
  view: RefObject<View>;
  /** The whole diagram in the viewport. */
  fit(): void;
  /** Diagram x range [x0, x1] across the viewport (an encoder or decoder half), vertically fitted. */
  show(x0: number, x1: number): void;
  zoomBy(factor: number, at?: { x: number; y: number }): void;
  panBy(dx: number, dy: number): void;
  /** Pans just enough to bring a diagram rectangle into view. */
  reveal(r: { x: number; y: number; w: number; h: number }): void;
}

export function usePanZoom(
  viewport: RefObject<HTMLDivElement | null>,
  content: RefObject<HTMLDivElement | null>,
  size: { width: number; height: number },
  /** Called when the scale changed (once per animation frame at most). */
  onChange?: (v: View) => void,
): PanZoom {
  const view = useRef<View>({ x: 0, y: 0, s: 1 });
  const raf = useRef(0);
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const changed = useRef(onChange);
  changed.current = onChange;
  const drawnScale = useRef(1);
  const reraster = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const apply = useCallback(() => {
    if (raf.current) return;
    raf.current = requestAnimationFrame(() => {
      raf.current = 0;
      const el = content.current;
      const v = view.current;
      if (el) el.style.transform = `translate(${v.x}px, ${v.y}px) scale(${v.s})`;
      const vp = viewport.current;
      // A pan touches nothing but the transform: the scale's readouts change only with the scale.
      if (vp && vp.dataset.scale !== v.s.toFixed(3)) {
        vp.dataset.scale = v.s.toFixed(3);
        const compact = v.s < COMPACT_BELOW;
        if (vp.classList.contains('pathway__viewport--compact') !== compact) vp.classList.toggle('pathway__viewport--compact', compact);
        changed.current?.(v);
      }
      if (el && v.s !== drawnScale.current) {
        // A layer that will change its transform is scaled as a bitmap: sharp again once the zoom rests.
        clearTimeout(reraster.current);
        reraster.current = setTimeout(() => {
          drawnScale.current = view.current.s;
          el.style.willChange = 'auto';
          requestAnimationFrame(() => (el.style.willChange = 'transform'));
        }, RERASTER_MS);
      }
    });
  }, [content, viewport]);

  const set = useCallback(
    (v: View) => {
      const vp = viewport.current;
      const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.s));
      let { x, y } = v;
      if (vp) {
        // Keep at least a quarter of the viewport covered by the diagram.
        const w = sizeRef.current.width * s;
        const h = sizeRef.current.height * s;
        const keepX = Math.min(w, vp.clientWidth) / 4;
        const keepY = Math.min(h, vp.clientHeight) / 4;
        x = Math.min(vp.clientWidth - keepX, Math.max(keepX - w, x));
        y = Math.min(vp.clientHeight - keepY, Math.max(keepY - h, y));
      }
      view.current = { x, y, s };
      apply();
    },
    [apply, viewport],
  );

  const fit = useCallback(() => {
    const vp = viewport.current;
    if (!vp) return;
    const { width, height } = sizeRef.current;
    const s = Math.min(vp.clientWidth / width, vp.clientHeight / height);
    // Centred across, at the top: the room left over goes below, not above the backbone.
    set({ s, x: (vp.clientWidth - width * s) / 2, y: Math.min(8, (vp.clientHeight - height * s) / 2) });
  }, [set, viewport]);

  const show = useCallback(
    (x0: number, x1: number) => {
      const vp = viewport.current;
      if (!vp) return;
      const s = Math.min(vp.clientWidth / (x1 - x0 + 40), vp.clientHeight / sizeRef.current.height);
      set({ s, x: (vp.clientWidth - (x1 - x0) * s) / 2 - x0 * s, y: Math.min(8, (vp.clientHeight - sizeRef.current.height * s) / 2) });
    },
    [set, viewport],
  );

  const zoomBy = useCallback(
    (factor: number, at?: { x: number; y: number }) => {
      const vp = viewport.current;
      const v = view.current;
      const p = at ?? { x: (vp?.clientWidth ?? 0) / 2, y: (vp?.clientHeight ?? 0) / 2 };
      const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.s * factor));
      // The diagram point under p stays under p.
      set({ s, x: p.x - ((p.x - v.x) * s) / v.s, y: p.y - ((p.y - v.y) * s) / v.s });
    },
    [set, viewport],
  );

  const panBy = useCallback((dx: number, dy: number) => set({ ...view.current, x: view.current.x + dx, y: view.current.y + dy }), [set]);

  const reveal = useCallback(
    (r: { x: number; y: number; w: number; h: number }) => {
      const vp = viewport.current;
      if (!vp) return;
      const v = view.current;
      const m = 16;
      let dx = 0;
      let dy = 0;
      const left = v.x + r.x * v.s;
      const right = v.x + (r.x + r.w) * v.s;
      const top = v.y + r.y * v.s;
      const bottom = v.y + (r.y + r.h) * v.s;
      if (left < m) dx = m - left;
      else if (right > vp.clientWidth - m) dx = vp.clientWidth - m - right;
      if (top < m) dy = m - top;
      else if (bottom > vp.clientHeight - m) dy = vp.clientHeight - m - bottom;
      if (dx || dy) panBy(dx, dy);
    },
    [panBy, viewport],
  );

  // Wheel and drag, as native listeners: React's wheel listener is passive and could not stop the page zoom.
  useEffect(() => {
    const vp = viewport.current;
    if (!vp) return;
    const onWheel = (e: WheelEvent) => {
      const r = vp.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey || e.altKey) {
        e.preventDefault();
        zoomBy(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002)), { x: e.clientX - r.left, y: e.clientY - r.top });
      } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
        e.preventDefault();
        panBy(-(e.shiftKey ? e.deltaY : e.deltaX), 0);
      }
    };
    let drag: { x: number; y: number; id: number } | null = null;
    const onDown = (e: PointerEvent) => {
      // Nodes are buttons: a press on one is a click, not a drag.
      if (e.button !== 0 || (e.target as HTMLElement).closest('.pnode')) return;
      drag = { x: e.clientX, y: e.clientY, id: e.pointerId };
      try {
        vp.setPointerCapture(e.pointerId);
      } catch {
        // A pointer the browser does not track (a synthetic one) cannot be captured; the drag still follows it over the diagram.
      }
      vp.classList.add('pathway__viewport--dragging');
    };
    const onMove = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      panBy(e.clientX - drag.x, e.clientY - drag.y);
      drag = { ...drag, x: e.clientX, y: e.clientY };
    };
    const onUp = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      drag = null;
      vp.classList.remove('pathway__viewport--dragging');
    };
    vp.addEventListener('wheel', onWheel, { passive: false });
    vp.addEventListener('pointerdown', onDown);
    vp.addEventListener('pointermove', onMove);
    vp.addEventListener('pointerup', onUp);
    vp.addEventListener('pointercancel', onUp);
    return () => {
      vp.removeEventListener('wheel', onWheel);
      vp.removeEventListener('pointerdown', onDown);
      vp.removeEventListener('pointermove', onMove);
      vp.removeEventListener('pointerup', onUp);
      vp.removeEventListener('pointercancel', onUp);
    };
  }, [viewport, zoomBy, panBy]);

  useEffect(
    () => () => {
      cancelAnimationFrame(raf.current);
      clearTimeout(reraster.current);
    },
    [],
  );

  return useMemo(() => ({ view, fit, show, zoomBy, panBy, reveal }), [fit, show, zoomBy, panBy, reveal]);
}
