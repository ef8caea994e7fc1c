// The store's pathway part: what each node of the diagram shows (a channel, a
// subband, the RMS over channels), the Causal Cache boundary being looked at,
// and the jump from a boundary to its seam in the Chunking view.
import type { StateCreator } from 'zustand';
import type { ViewName } from '../model/model-slice';

export interface PathwaySlice {
  /** Node id -> selection (pathway-contract's pathwaySelectSchema), for the model it was chosen on. */
  pathwaySelect: { modelId: string | null; byNode: Record<string, string> };
  /** Index into the cache flow's boundaries. */
  cacheBoundary: number;
  setPathwaySelect(modelId: string, node: string, select: string): void;
  setCacheBoundary(index: number): void;
  /** The Chunking view at a seam: its chunk sizes and the video frame where the next chunk starts. */
  openSeam(frame: number, encChunk: number, decChunk: number): void;
}

interface Host {
  setView(view: ViewName): void;
  setChunks(encChunk: number, decChunk: number): void;
  setFrame(t: number): void;
}

export const createPathwaySlice: StateCreator<PathwaySlice & Host, [], [], PathwaySlice> = (set, get) => ({
  pathwaySelect: { modelId: null, byNode: {} },
  cacheBoundary: 0,

  setPathwaySelect(modelId, node, select) {
    const cur = get().pathwaySelect;
    const byNode = cur.modelId === modelId ? cur.byNode : {};
    set({ pathwaySelect: { modelId, byNode: { ...byNode, [node]: select } } });
  },

  setCacheBoundary(index) {
    set({ cacheBoundary: Math.max(0, Math.round(index)) });
  },

  openSeam(frame, encChunk, decChunk) {
    get().setChunks(encChunk, decChunk);
    get().setView('chunking');
    get().setFrame(frame);
  },
});

const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The selections that belong to the loaded model (the same object while they do not change, as a store selector must). */
export function selectionsFor(s: PathwaySlice, modelId: string | undefined): Record<string, string> {
  return s.pathwaySelect.modelId === modelId ? s.pathwaySelect.byNode : NONE;
}
