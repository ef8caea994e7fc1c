// What Cancel says it kept, for every task the app can cancel, with and
// without an earlier result: the labels come from TASK_LABELS, the very
// builders the store's slices start their tasks with.
import { describe, expect, it } from 'vitest';
import { cancelNotice, TASK_LABELS } from '../../../src/renderer/src/workflow/cancel-notice';

const NOTHING = { clip: null, recon: null, chunking: null, video: null, model: null, comparison: null };
const EVERYTHING = { clip: { name: 'walk.mp4' }, recon: {}, chunking: {}, video: {}, model: { className: 'WFVAE2Model' }, comparison: {} };
const notice = (label: string, kept: typeof NOTHING | typeof EVERYTHING) => cancelNotice({ label }, kept);

describe('the cancel notice', () => {
  it('opening a clip: the clip open before stays, or none is', () => {
    expect(notice(TASK_LABELS.open('run.mp4'), EVERYTHING)).toBe('Cancelled opening run.mp4. walk.mp4 stays open as it was.');
    expect(notice(TASK_LABELS.open('run.mp4'), NOTHING)).toBe('Cancelled opening run.mp4. No clip is open.');
  });

  it('decoding a new selection: the clip stays as decoded before', () => {
    expect(notice(TASK_LABELS.decodeSelection(40, 'walk.mp4'), EVERYTHING)).toBe(
      'Cancelled decoding frames from 40 of walk.mp4. The clip stays as it was decoded before; nothing of the new selection was kept.',
    );
  });

  it('loading a model: the model loaded before stays, or none is; nothing half-converted is cached', () => {
    expect(notice(TASK_LABELS.loadModel('wfvae-l'), EVERYTHING)).toBe('Cancelled loading model wfvae-l. The WFVAE2Model loaded before stays loaded. Nothing half-converted was cached.');
    expect(notice(TASK_LABELS.loadModel(undefined), NOTHING)).toBe('Cancelled loading model (default). No model is loaded. Nothing half-converted was cached.');
  });

  it('reconstructing the clip: nothing of the run kept; the previous reconstruction, if any, still shown', () => {
    expect(notice(TASK_LABELS.reconstruct, EVERYTHING)).toBe('Cancelled reconstructing the clip. Nothing of this run was kept; the previous reconstruction is still shown.');
    expect(notice(TASK_LABELS.reconstruct, NOTHING)).toBe('Cancelled reconstructing the clip. Nothing of this run was kept; there is no reconstruction yet.');
  });

  it('comparing chunked inference: the previous comparison, if any, still shown', () => {
    expect(notice(TASK_LABELS.compareChunking, EVERYTHING)).toBe('Cancelled comparing chunked inference. Nothing of this comparison was kept; the previous comparison is still shown.');
    expect(notice(TASK_LABELS.compareChunking, NOTHING)).toBe('Cancelled comparing chunked inference. Nothing of this comparison was kept; there is no comparison yet.');
  });

  it('reconstructing the whole video: its frames were deleted; the previous result, if any, is still there', () => {
    expect(notice(TASK_LABELS.wholeVideo('walk.mp4'), EVERYTHING)).toBe(
      'Cancelled reconstructing all of walk.mp4 (Causal Cache). Its frames written so far were deleted; the previous whole-video result is still there.',
    );
    expect(notice(TASK_LABELS.wholeVideo('walk.mp4'), NOTHING)).toBe(
      'Cancelled reconstructing all of walk.mp4 (Causal Cache). Its frames written so far were deleted; there is no whole-video result yet.',
    );
  });

  it('exporting: no file was written', () => {
    expect(notice(TASK_LABELS.export('side by side'), EVERYTHING)).toBe('Cancelled exporting side by side. No file was written.');
  });

  it('comparing models: the previous model comparison, if any, still shown', () => {
    expect(notice(TASK_LABELS.compareModels, EVERYTHING)).toBe('Cancelled comparing models. The previous comparison is still shown.');
    expect(notice(TASK_LABELS.compareModels, NOTHING)).toBe('Cancelled comparing models. There is no comparison yet.');
  });

  it('a task it does not know: nothing of it kept', () => {
    expect(notice('Measuring the pathway', EVERYTHING)).toBe('Cancelled measuring the pathway. Nothing of it was kept.');
  });

  it('a clip named like another task is still read by its own label', () => {
    expect(notice(TASK_LABELS.open('Reconstructing the clip'), NOTHING)).toBe('Cancelled opening Reconstructing the clip. No clip is open.');
    expect(notice(TASK_LABELS.decodeSelection(0, 'Exporting.mp4'), EVERYTHING)).toMatch(/The clip stays as it was decoded before/);
  });
});
