// The clips of an evaluation, in a fixed order every machine agrees on: a
// folder (searched recursively, sorted by relative path) or a list file (one
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
}

const isVideo = (name: string) => VIDEO_EXTENSIONS.includes(name.split('.').pop()?.toLowerCase() ?? '');

async function walk(dir: string, root: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, root, out);
    else if (e.isFile() && isVideo(e.name)) out.push(relative(root, full).split(sep).join('/'));
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
    const clips: string[] = [];
    await walk(root, root, clips);
    // Code-point order, the same on every machine and locale.
    clips.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (clips.length === 0) throw new Error(`${input} holds no videos (looked for ${VIDEO_EXTENSIONS.map((e) => `.${e}`).join(' ')}, recursively)`);
    return { root, clips, sha256: listHash(clips) };
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
