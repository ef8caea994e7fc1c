// Engine messages said in the app's terms. The engine's own texts name the
// CLI's flags (--frames, --size); the app's user has the Clip selection panel
// instead, so the session says what to do there.
import { fitFramesText, refusalFacts, type BudgetRefusal } from '../plan/refusal';
import { NoModelError } from '../runtime/model-path';
import { VideoError } from '../video/errors';

/** A decode over the voxel limit, with what to change in the Clip selection panel. */
export function guiTooLarge(d: Readonly<Record<string, number>>): string {
  const fit = d.fitFrames >= 1 ? `at most ${d.fitFrames} frame${d.fitFrames === 1 ? '' : 's'} fit${d.fitFrames === 1 ? 's' : ''} at this size` : 'not even one frame fits at this size';
  return (
    `The clip would be ${d.frames} frames of ${d.width}×${d.height} (${d.voxels.toLocaleString('en-US')} voxels), over the limit of ` +
    `${d.maxVoxels.toLocaleString('en-US')}. In the Clip selection panel, lower Frames (${fit}) or pick a smaller Size such as 256, ` +
    'then press Decode selection.'
  );
}

/** No model named and no demo model: what to type in the Model panel. */
export function guiNoModel(demo: string): string {
  return (
    `No model is loaded and the bundled demo model is not installed (looked for ${demo}). In the Model panel, type the path of a checkpoint folder ` +
    '(with config.json and diffusion_pytorch_model.safetensors), a converted folder or a Hugging Face id (org/name), then press Load.'
  );
}

/** Rewrites an engine error for the app where it has app terms; other errors pass unchanged. */
export function forTheApp(err: unknown): unknown {
  if (err instanceof VideoError && err.code === 'too_large' && err.detail) err.message = guiTooLarge(err.detail);
  else if (err instanceof NoModelError) err.message = guiNoModel(err.demo);
  return err;
}

/**
 * A memory refusal of the planner with what to change in the app: Frames and
 * Size in the Clip selection panel, the chunks in the Chunking view, memory
 * held elsewhere. No CLI flag: the app cannot pass one.
 */
export function guiRefusal(r: BudgetRefusal): string {
  const facts = refusalFacts(r);
  const out = [facts.charAt(0).toUpperCase() + facts.slice(1)];
  if (r.run === 'compare') out.push('The comparison needs the whole-clip run as its ground truth.');
  else if (r.run === 'whole' && r.timeMixing !== null) out.push(`This model cannot run with the Causal Cache exactly (${r.timeMixing}), so the app runs it whole.`);
  else if (r.actions.includes('use-cache')) out.push('Reconstruct runs it with the Causal Cache instead, in memory that does not grow with the clip.');
  const panel: string[] = [];
  if (r.actions.includes('fewer-frames')) panel.push(`lower Frames (${fitFramesText(r.fitFrames)})`);
  if (r.actions.includes('smaller-size')) panel.push(Math.min(r.clip.height, r.clip.width) > 256 ? 'pick a smaller Size such as 256' : 'pick a smaller Size');
  if (panel.length) out.push(`In the Clip selection panel, ${panel.join(' or ')}, then press Decode selection.`);
  if (r.actions.includes('smaller-chunks')) out.push('Or lower Encoder chunk and Decoder chunk in the Chunking view.');
  if (r.actions.includes('more-memory')) {
    out.push(
      r.budget.source === 'WFVAE_MEMORY_BUDGET'
        ? 'The budget is fixed by WFVAE_MEMORY_BUDGET in the environment the app was started with.'
        : 'Closing other clips, tabs or programs frees memory for it.',
    );
  }
  return out.join(' ');
}
