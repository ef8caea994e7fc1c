// The source's length beside the selection's frame count: the frames that
// decode, and, for a file whose container claims more (an mp4 cut short with
// its index at the front), that claim and the limit it puts on the selection.

/** "of 250", or "of 83 that decode — the container claims 250 …" for a truncated file; `claimed` says which. */
export function sourceFramesText(frames: number, claimedFrames?: number | null): { text: string; claimed: boolean } {
  if (claimedFrames == null || claimedFrames === frames) return { text: `of ${frames}`, claimed: false };
  return {
    text: `of ${frames} that decode — the container claims ${claimedFrames} (the file is truncated or damaged), so a selection ends by frame ${frames - 1}`,
    claimed: true,
  };
}
