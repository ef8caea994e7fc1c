// Folder scans (eval, latent-stats) follow symbolic links, as dataset
// folders and Hugging Face caches are built of them: links to files and to
// folders are followed, each real file is listed once, a link back into a
// folder being walked (a loop) and a broken link are left out with a note.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listClips } from '../../../src/engine/eval/clip-list';

const work = mkdtempSync(join(tmpdir(), 'wfvae-cliplist-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('listClips over a farm of symbolic links', () => {
  it('follows links to files and folders, lists each real file once, refuses loops', async () => {
    const blobs = join(work, 'blobs');
    mkdirSync(blobs);
    for (const n of ['1', '2', '3']) writeFileSync(join(blobs, n), `video ${n}`);
    const data = join(work, 'dataset');
    mkdirSync(join(data, 'real'), { recursive: true });
    writeFileSync(join(data, 'real', 'plain.mp4'), 'a regular file');
    symlinkSync(join(blobs, '1'), join(data, 'a.mp4'));
    symlinkSync(join(blobs, '2'), join(data, 'b.webm'));
    symlinkSync(join(blobs, '1'), join(data, 'z-same-as-a.mp4'));
    const snapshot = join(work, 'snapshot');
    mkdirSync(snapshot);
    symlinkSync(join(blobs, '3'), join(snapshot, 'c.mkv'));
    symlinkSync(snapshot, join(data, 'linked-folder'));
    symlinkSync(data, join(data, 'real', 'loop'));
    symlinkSync(join(work, 'nowhere.mp4'), join(data, 'broken.mp4'));
    const list = await listClips(data);
    expect(list.clips).toEqual(['a.mp4', 'b.webm', 'linked-folder/c.mkv', 'real/plain.mp4']);
    const notes = list.notes ?? [];
    expect(notes).toContain('z-same-as-a.mp4: the same file as a.mp4, counted once');
    expect(notes.some((n) => /^real\/loop: a link back into a folder it is inside \(a loop\), not followed$/.test(n))).toBe(true);
    expect(notes).toContain('broken.mp4: a broken symbolic link, left out');
  });

  it('a folder holding only links is not "a folder with no videos"', async () => {
    const only = join(work, 'only-links');
    mkdirSync(only);
    symlinkSync(join(work, 'blobs', '2'), join(only, 'x.mp4'));
    expect((await listClips(only)).clips).toEqual(['x.mp4']);
  });
});
