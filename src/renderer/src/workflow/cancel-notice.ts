// What Cancel kept, said once the task has stopped: the user should not have
// to guess whether the previous result, clip or model survived, or whether
// half a result was left somewhere.

/** Every task's label, made here so that the notice below knows each one the slices start. */
export const TASK_LABELS = {
  open: (name: string) => `Opening ${name}`,
  decodeSelection: (start: number, clipName: string) => `Decoding frames from ${start} of ${clipName}`,
  loadModel: (what: string | undefined) => `Loading model ${what ?? '(default)'}`,
  reconstruct: 'Reconstructing the clip',
  compareChunking: 'Comparing chunked inference',
  wholeVideo: (clipName: string) => `Reconstructing all of ${clipName} (Causal Cache)`,
  export: (what: string) => `Exporting ${what}`,
  compareModels: 'Comparing models',
} as const;

interface Kept {
  clip: { name: string } | null;
  recon: unknown;
  chunking: unknown;
  video: unknown;
  model: { className: string } | null;
  comparison: unknown;
}

/** The notice for a cancelled task (its label, as TASK_LABELS made it) given what the store holds after it stopped. */
export function cancelNotice(task: { label: string }, s: Kept): string {
  const what = task.label.charAt(0).toLowerCase() + task.label.slice(1);
  const head = `Cancelled ${what}.`;
  const l = task.label;
  if (l.startsWith('Opening')) return `${head} ${s.clip ? `${s.clip.name} stays open as it was.` : 'No clip is open.'}`;
  if (l.startsWith('Decoding frames')) return `${head} The clip stays as it was decoded before; nothing of the new selection was kept.`;
  if (l.startsWith('Loading model')) return `${head} ${s.model ? `The ${s.model.className} loaded before stays loaded.` : 'No model is loaded.'} Nothing half-converted was cached.`;
  if (l === 'Reconstructing the clip') return `${head} Nothing of this run was kept; ${s.recon ? 'the previous reconstruction is still shown.' : 'there is no reconstruction yet.'}`;
  if (l.startsWith('Comparing chunked')) return `${head} Nothing of this comparison was kept; ${s.chunking ? 'the previous comparison is still shown.' : 'there is no comparison yet.'}`;
  if (l.startsWith('Reconstructing all of')) return `${head} Its frames written so far were deleted; ${s.video ? 'the previous whole-video result is still there.' : 'there is no whole-video result yet.'}`;
  if (l.startsWith('Exporting')) return `${head} No file was written.`;
  if (l === 'Comparing models') return `${head} ${s.comparison ? 'The previous comparison is still shown.' : 'There is no comparison yet.'}`;
  return `${head} Nothing of it was kept.`;
}
