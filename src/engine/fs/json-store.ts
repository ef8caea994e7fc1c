// A small JSON file of facts the engine keeps between runs (frame counts,
// measured speeds). Written to a temporary name and renamed into place, so a
// reader never sees half a file; processes writing at once lose each other's
// newest entries at worst, never the file. Unreadable files count as empty.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function readJsonStore<T>(path: string): Promise<Record<string, T>> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {};
  } catch {
    return {};
  }
}

/** Writes the entries, keeping the `keep` most recently added ones (insertion order). */
export async function writeJsonStore<T>(path: string, entries: Record<string, T>, keep = 5000): Promise<void> {
  const keys = Object.keys(entries);
  const kept = keys.length > keep ? Object.fromEntries(keys.slice(keys.length - keep).map((k) => [k, entries[k]])) : entries;
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
    await writeFile(tmp, JSON.stringify(kept) + '\n');
    await rename(tmp, path);
  } catch {
    // A read-only or full cache folder costs the next run a recount, nothing more.
  }
}
