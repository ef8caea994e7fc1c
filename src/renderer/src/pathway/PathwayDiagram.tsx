// The pathway diagram: the model's nodes where layout.ts puts them, each with
// a live thumbnail, its energy and range at the current frame, and the edges
// between them as wide as the energy flowing along them (the energy-flow
// shortcuts in their own colour). Hover or focus a node for its shape, dtype
// and range; click it (or Enter) for the big view. Arrow keys move between
// nodes, + / − / 0 zoom, the background drags.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { PathwayEdgeSpec, PathwayFrame, PathwayNodeSpec, PathwaySpec, PathwayNodeValues } from '../../../shared/pathway-contract';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { imageRgba, selectionOptions } from './colorize';
import { edgeWidth, layoutPathway, neighbour, readingOrder, type NodeBox } from './layout';
import { usePanZoom } from './pan-zoom';

export const EDGE_COLORS: Record<PathwayEdgeSpec['kind'], string> = {
  backbone: '#8d98b3',
  inflow: '#f2c14e',
  outflow: '#f2c14e',
  wavelet: '#b48ef0',
};

export interface CarriedByNode {
  states: number;
  frames: number;
  bytes: number;
  energy: number;
}

interface Props {
  spec: PathwaySpec;
  frame: PathwayFrame | null;
  select: Record<string, string>;
  onSelect(node: string, value: string): void;
  onOpen(node: string): void;
  /** What each node's layers carry across the chosen Causal Cache boundary. */
  carried: Map<string, CarriedByNode> | null;
  edgeScale: 'linear' | 'log';
}

export const formatBytes = (b: number) => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

const shapeText = (shape: number[]) => `(${shape.join(', ')})`;

export function PathwayDiagram({ spec, frame, select, onSelect, onOpen, carried, edgeScale }: Props) {
  const layout = useMemo(() => layoutPathway(spec), [spec]);
  const viewport = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const zoomLabel = useRef<HTMLSpanElement>(null);
  const pz = usePanZoom(viewport, content, layout, (v) => {
    if (zoomLabel.current) zoomLabel.current.textContent = `${Math.round(v.s * 100)}%`;
  });
  const order = useMemo(() => readingOrder(layout), [layout]);
  const [active, setActive] = useState(order[0]);
  const [hover, setHover] = useState<string | null>(null);

  useLayoutEffect(() => pz.fit(), [layout, pz]);

  const values = useMemo(() => new Map((frame?.nodes ?? []).map((n) => [n.id, n])), [frame]);
  const edgeEnergy = useMemo(() => new Map((frame?.edges ?? []).map((e) => [e.id, e.energy])), [frame]);
  const maxEdge = Math.max(0, ...edgeEnergy.values());

  const focusNode = useCallback(
    (id: string) => {
      setActive(id);
      const box = layout.nodes.get(id);
      if (box) pz.reveal(box);
      viewport.current?.querySelector<HTMLButtonElement>(`[data-id="${CSS.escape(id)}"] .pnode__main`)?.focus({ preventScroll: true });
    },
    [layout, pz],
  );

  const onKeyDown = (e: React.KeyboardEvent) => {
    const t = e.target as HTMLElement;
    const inSelect = t.tagName === 'SELECT';
    const dirs: Record<string, 'left' | 'right' | 'up' | 'down'> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    if (dirs[e.key] && e.shiftKey && !inSelect) {
      // Shift + arrows pan the diagram, as a drag of the background does.
      const step = 120;
      const d = { left: [step, 0], right: [-step, 0], up: [0, step], down: [0, -step] }[dirs[e.key]];
      pz.panBy(d[0], d[1]);
    } else if (dirs[e.key] && !inSelect) {
      const next = neighbour(layout, active, dirs[e.key]);
      if (next) focusNode(next);
    } else if ((e.key === '+' || e.key === '=') && !inSelect) pz.zoomBy(1.25);
    else if (e.key === '-' && !inSelect) pz.zoomBy(0.8);
    else if (e.key === '0' && !inSelect) pz.fit();
    else if (e.key === 'Home' && !inSelect) focusNode(order[0]);
    else if (e.key === 'End' && !inSelect) focusNode(order[order.length - 1]);
    else return;
    // The diagram has these keys; the app's own (frame step, viewer keys) must not see them too.
    e.preventDefault();
    e.stopPropagation();
  };

  const side = (s: string) => layout.sides.find((x) => x.side === s);
  const tipNode = hover ? spec.nodes.find((n) => n.id === hover) : undefined;
  const tipBox = hover ? layout.nodes.get(hover) : undefined;

  return (
    <div className="pathway" data-testid="pathway">
      <div className="pathway__toolbar" role="toolbar" aria-label="Pathway diagram">
        <div className="segmented" role="group" aria-label="Show">
          <button className="button" onClick={() => pz.fit()} data-testid="pathway-fit">
            Whole model
          </button>
          <button className="button" onClick={() => pz.show(side('encoder')!.x0 - 80, side('latent')!.x1)} data-testid="pathway-encoder">
            Encoder
          </button>
          <button className="button" onClick={() => pz.show(side('latent')!.x0, side('decoder')!.x1)} data-testid="pathway-decoder">
            Decoder
          </button>
        </div>
        <div className="pathway__zoom">
          <button className="button" aria-label="Zoom out" onClick={() => pz.zoomBy(0.8)} data-testid="pathway-zoom-out">
            −
          </button>
          <span ref={zoomLabel} className="pathway__zoom-label" aria-live="off" data-testid="pathway-zoom">
            100%
          </span>
          <button className="button" aria-label="Zoom in" onClick={() => pz.zoomBy(1.25)} data-testid="pathway-zoom-in">
            +
          </button>
        </div>
        <span className="pathway__legend" aria-label="Edge colours">
          <span>
            <i style={{ background: EDGE_COLORS.backbone }} /> backbone
          </span>
          <span>
            <i style={{ background: EDGE_COLORS.inflow }} /> energy flow (inflow / outflow)
          </span>
          <span>
            <i style={{ background: EDGE_COLORS.wavelet }} /> wavelet low band
          </span>
        </span>
      </div>
      <div
        ref={viewport}
        className="pathway__viewport"
        data-testid="pathway-viewport"
        role="group"
        aria-label="Pathway diagram. Arrow keys move between nodes, Enter opens one big, Shift + arrows pan, plus and minus zoom, 0 fits; drag the background to pan, Ctrl + wheel to zoom."
        onKeyDown={onKeyDown}
      >
        <div ref={content} className="pathway__content" style={{ width: layout.width, height: layout.height }}>
          <svg className="pathway__svg" width={layout.width} height={layout.height} aria-hidden="true">
            <defs>
              {Object.entries(EDGE_COLORS).map(([kind, color]) => (
                <marker key={kind} id={`arrow-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
                  <path d="M0,0 L10,5 L0,10 z" fill={color} />
                </marker>
              ))}
            </defs>
            {layout.sides.map((s) => (
              <g key={s.side}>
                <rect x={s.x0 - 14} y={6} width={s.x1 - s.x0 + 28} height={layout.height - 12} rx={10} className={`pathway__band pathway__band--${s.side}`} />
                <text x={s.x0 - 6} y={22} className="pathway__band-label">
                  {s.side === 'latent' ? 'latent' : s.side}
                </text>
              </g>
            ))}
            {layout.rows.map((r) => (
              <text key={r.level} x={8} y={r.y + r.h / 2} className="pathway__row-label">
                {r.label}
              </text>
            ))}
            {layout.edges.map((e) => {
              const energy = edgeEnergy.get(e.id) ?? 0;
              const w = edgeWidth(energy, maxEdge, edgeScale);
              const spec_ = spec.edges.find((x) => x.id === e.id)!;
              return (
                <path
                  key={e.id}
                  d={e.d}
                  className={`pathway__edge pathway__edge--${e.kind}`}
                  stroke={EDGE_COLORS[e.kind]}
                  strokeWidth={w}
                  markerEnd={`url(#arrow-${e.kind})`}
                  data-testid="pathway-edge"
                  data-id={e.id}
                  data-kind={e.kind}
                  data-energy={energy}
                  data-width={w.toFixed(2)}
                >
                  <title>{`${spec_.label}: energy ${formatValue(energy)}`}</title>
                </path>
              );
            })}
          </svg>
          {spec.nodes.map((n) => (
            <NodeCard
              key={n.id}
              node={n}
              box={layout.nodes.get(n.id)!}
              values={values.get(n.id)}
              select={select[n.id] ?? 'auto'}
              active={active === n.id}
              described={hover === n.id}
              carried={carried?.get(n.id) ?? null}
              onSelect={onSelect}
              onOpen={onOpen}
              onFocusNode={setActive}
              onHover={setHover}
            />
          ))}
        </div>
        {tipNode && tipBox && <Tooltip node={tipNode} box={tipBox} values={values.get(tipNode.id)} view={pz.view.current} />}
      </div>
    </div>
  );
}

interface CardProps {
  node: PathwayNodeSpec;
  box: NodeBox;
  values: PathwayNodeValues | undefined;
  select: string;
  active: boolean;
  /** The tooltip is up for this node. */
  described: boolean;
  carried: CarriedByNode | null;
  onSelect(node: string, value: string): void;
  onOpen(node: string): void;
  onFocusNode(node: string): void;
  onHover(node: string | null): void;
}

const NodeCard = memo(function NodeCard({ node, box, values, select, active, described, carried, onSelect, onOpen, onFocusNode, onHover }: CardProps) {
  const thumb = values?.thumb ?? null;
  const rgba = useMemo(() => (thumb ? imageRgba(thumb) : null), [thumb]);
  const tipId = described ? `pathway-tip-${node.id}` : undefined;
  const energy = values?.available ? `energy ${formatValue(values.energy)}` : values ? 'no values in this run' : 'reading…';
  const style = { left: box.x, top: box.y, width: box.w, height: box.h };
  const common = {
    'data-testid': 'pathway-node',
    'data-id': node.id,
    'data-role': node.role,
    'data-available': values ? String(values.available) : undefined,
    'data-energy': values?.energy,
    'data-frame': values?.tapFrame,
    // Not while a drag pans the diagram across the cards.
    onPointerEnter: (e: React.PointerEvent) => e.buttons === 0 && onHover(node.id),
    onPointerLeave: () => onHover(null),
  };
  if (node.display === 'join') {
    return (
      <div className="pnode pnode--join" style={style} {...common}>
        <button
          className="pnode__main"
          tabIndex={active ? 0 : -1}
          aria-label={`${node.what}: ${node.channels} channels, ${energy}`}
          aria-describedby={tipId}
          onFocus={() => {
            onFocusNode(node.id);
            onHover(node.id);
          }}
          onBlur={() => onHover(null)}
        >
          ⊕
        </button>
      </div>
    );
  }
  const options = selectionOptions(node);
  return (
    <div className={`pnode pnode--${node.role}${values && !values.available ? ' pnode--empty' : ''}`} style={style} {...common}>
      <button
        className="pnode__main"
        tabIndex={active ? 0 : -1}
        aria-label={`${node.label}, ${node.channels} channels, ${energy}. Open it big`}
        aria-describedby={tipId}
        onClick={() => onOpen(node.id)}
        onFocus={() => {
          onFocusNode(node.id);
          onHover(node.id);
        }}
        onBlur={() => onHover(null)}
      >
        <span className="pnode__title">{node.label}</span>
        <span className="pnode__sub">
          {node.channels} ch · t/{node.scale.time} · {node.scale.space === 1 ? 'full size' : `1/${node.scale.space}`}
        </span>
        <span className="pnode__thumb">
          {thumb && rgba ? (
            <RgbaCanvas width={thumb.width} height={thumb.height} rgba={rgba} className="pnode__canvas" testId="pathway-thumb" extra={{ frame: values?.tapFrame ?? 0 }} />
          ) : (
            <span className="pnode__none">{values && !values.available ? 'no values' : '…'}</span>
          )}
        </span>
        <span className="pnode__energy">{values?.available ? `E ${formatValue(values.energy)}` : ' '}</span>
      </button>
      <select
        className="pnode__select"
        tabIndex={active ? 0 : -1}
        value={select === 'auto' ? (values?.select ?? options[0]?.[0]) : select}
        aria-label={`What ${node.label} shows`}
        data-testid="pathway-select"
        onChange={(e) => onSelect(node.id, e.currentTarget.value)}
        onFocus={() => onFocusNode(node.id)}
      >
        {options.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
      {carried && (
        <span className="pnode__carried" data-testid="pathway-carried" title={`carries ${carried.states} state${carried.states === 1 ? '' : 's'} into the next chunk`}>
          ⟳ {carried.frames} f · {formatBytes(carried.bytes)}
        </span>
      )}
    </div>
  );
});

function Tooltip({ node, box, values, view }: { node: PathwayNodeSpec; box: NodeBox; values: PathwayNodeValues | undefined; view: { x: number; y: number; s: number } }) {
  const left = view.x + (box.x + box.w) * view.s + 8;
  const top = view.y + box.y * view.s;
  const ref = useRef<HTMLDivElement>(null);
  const [shift, setShift] = useState(0);
  // Flip to the left of the node where the right edge would cut it off.
  useEffect(() => {
    const el = ref.current;
    const parent = el?.parentElement;
    if (!el || !parent) return;
    setShift(left + el.offsetWidth > parent.clientWidth ? -(el.offsetWidth + box.w * view.s + 16) : 0);
  }, [left, box.w, view.s]);
  return (
    <div ref={ref} className="pathway__tip" role="tooltip" id={`pathway-tip-${node.id}`} style={{ left: left + shift, top: Math.max(4, top) }} data-testid="pathway-tooltip">
      <strong>{node.label}</strong>
      <span className="muted">{node.what}</span>
      {values?.available ? (
        <>
          <span>
            shape {shapeText(values.shape)} · {values.dtype}
          </span>
          <span>
            range [{formatValue(values.min)}, {formatValue(values.max)}] at frame {values.tapFrame} of {values.tapFrames}
          </span>
          <span>energy {formatValue(values.energy)} (sum of squares, all channels)</span>
          {values.thumb && values.thumb.pooled > 1 && (
            <span className="muted">
              thumbnail: {values.thumb.label}, {values.thumb.pooled}×{values.thumb.pooled} pooled
            </span>
          )}
        </>
      ) : (
        <span>{values?.note ?? 'reading…'}</span>
      )}
    </div>
  );
}
