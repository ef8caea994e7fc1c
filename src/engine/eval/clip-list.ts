// The clips of an evaluation, in a fixed order every machine agrees on: a
// folder (searched recursively through links, sorted by relative path) or a list file (one
// path per line, relative to the list, in the list's order). The order is the
// clips' global index, which sharding and merging rely on.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const VIDEO_EXTENSIONS = ['mp4', 'avi', 'webm', 'mkv', 'mov', 'm4v', 'mpg', 'mpeg', 'ts', 'flv', 'wmv', 'ogv', 'y4m', 'gif'];

export interface ClipList {
  /** Folder the clip names are relative to. */
  root: string;
  /** Relative paths with '/' separators (absolute where a list file gave one). */
  clips: string[];
  /** SHA-256 of the names in order: shards of one dataset must agree on it. */
  sha256: string;
  /** What the folder scan left out and why (loops, broken links, a file reached twice). */
  notes?: string[];
}

const isVideo = (name: string) => VIDEO_EXTENSIONS.includes(name.split('.').pop()?.toLowerCase() ?? '');

interface Walk {
  root: string;
  /** Every file found: its name (relative, '/' separators) and the real file it is. */
  found: { name: string; id: string }[];
  /** Real folders on the current path (device:inode), to refuse a link back into one of them. */
  ancestors: Set<string>;
  notes: string[];
}

const idOf = (st: { dev: number | bigint; ino: number | bigint }) => `${st.dev}:${st.ino}`;

/**
 * Dataset folders and Hugging Face caches are farms of symbolic links: links are followed, to files
 * and to folders, and a link that leads back into a folder being walked (a loop) is refused.
 */
async function walk(dir: string, w: Walk): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      let st;
      try {
        st = await stat(full);
      } catch {
        w.notes.push(`${relative(w.root, full).split(sep).join('/')}: a broken symbolic link, left out`);
        continue;
      }
      isDir = st.isDirectory();
      isFile = st.isFile();
    }
    if (isDir) {
      const id = idOf(await stat(full));
      if (w.ancestors.has(id)) {
        w.notes.push(`${relative(w.root, full).split(sep).join('/')}: a link back into a folder it is inside (a loop), not followed`);
        continue;
      }
      w.ancestors.add(id);
      await walk(full, w);
      w.ancestors.delete(id);
    } else if (isFile && isVideo(e.name)) {
      w.found.push({ name: relative(w.root, full).split(sep).join('/'), id: idOf(await stat(full)) });
    }
  }
}

function listHash(clips: readonly string[]): string {
  return createHash('sha256').update(clips.join('\n')).digest('hex');
}

export async function listClips(input: string): Promise<ClipList> {
  let st;
  try {
    st = await stat(input);
  } catch (err) {
    throw new Error(`cannot read ${input} (${(err as NodeJS.ErrnoException).code ?? String(err)}): pass a folder of videos or a text file listing them, one per line`);
  }
  if (st.isDirectory()) {
    const root = resolve(input);
    const w: Walk = { root, found: [], ancestors: new Set([idOf(await stat(root))]), notes: [] };
    await walk(root, w);
    // Code-point order, the same on every machine and locale; each real file once, under its first name.
    w.found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const seen = new Map<string, string>();
    const clips: string[] = [];
    for (const f of w.found) {
      const first = seen.get(f.id);
      if (first !== undefined) {
        w.notes.push(`${f.name}: the same file as ${first}, counted once`);
        continue;
      }
      seen.set(f.id, f.name);
      clips.push(f.name);
    }
    if (clips.length === 0) throw new Error(`${input} holds no videos (looked for ${VIDEO_EXTENSIONS.map((e) => `.${e}`).join(' ')}, recursively, following links)`);
    return { root, clips, sha256: listHash(clips), notes: w.notes };
  }
  const root = dirname(resolve(input));
  const text = await readFile(input, 'utf8');
  if (text.includes('\u0000')) throw new Error(`${input} is not a text list of videos; pass a folder, or a list file with one video path per line`);
  const clips: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const name = isAbsolute(line) ? line : line.split(sep).join('/');
    const before = seen.get(name);
    if (before !== undefined) throw new Error(`${input} lists ${name} twice (lines ${before} and ${i + 1}); every clip must appear once`);
    seen.set(name, i + 1);
    clips.push(name);
  });
  if (clips.length === 0) throw new Error(`${input} lists no videos (one path per line, # for comments)`);
  return { root, clips, sha256: listHash(clips) };
}

export function clipPath(list: ClipList, clip: string): string {
  return isAbsolute(clip) ? clip : join(list.root, clip);
}
