/**
 * Sweeping temporary files and folders that a killed process left behind
 * (SIGKILL, an OOM kill, a power cut: no handler runs, so nothing cleans up).
 *
 * Temporary names carry the writer's pid. One is stale when that process is
 * gone and nothing in it changed for a while (a process in another pid
 * namespace sharing the folder may look gone while it still writes), or when
 * nothing changed for a day whoever owns it (the pid was reused). A
 * concurrent process's work in progress is never touched.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Quiet time before a dead owner's temporary is removed. */
export const DEAD_OWNER_QUIET_MS = 2 * 60_000;
/** Quiet time after which any temporary is removed, whatever its name says. */
export const ABANDONED_MS = 24 * 3600_000;

/** False only when no process has this pid (EPERM: it exists, owned by someone else). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Newest modification time of a path and, for a folder, of its direct entries. */
async function lastChangeMs(path: string): Promise<number> {
  const s = await stat(path);
  let newest = s.mtimeMs;
  if (s.isDirectory()) {
    for (const name of await readdir(path)) {
      const c = await stat(join(path, name)).catch(() => null);
      if (c && c.mtimeMs > newest) newest = c.mtimeMs;
    }
  }
  return newest;
}

export interface SweepOptions {
  /** The writer's pid from a temporary's name, or null when the name is not one of ours; undefined: ours, but without a pid. */
  ownerOf(name: string): number | null | undefined;
  deadOwnerQuietMs?: number;
  abandonedMs?: number;
  now?: number;
}

/** Removes the stale temporaries directly inside `dir`; returns their paths. Never throws. */
export async function sweepStalePartials(dir: string, o: SweepOptions): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  const now = o.now ?? Date.now();
  for (const name of names) {
    const owner = o.ownerOf(name);
    if (owner === null || owner === process.pid) continue;
    const path = join(dir, name);
    try {
      const quietMs = now - (await lastChangeMs(path));
      const ownerGone = owner !== undefined && !processIsAlive(owner);
      const stale = quietMs >= (o.abandonedMs ?? ABANDONED_MS) || (ownerGone && quietMs >= (o.deadOwnerQuietMs ?? DEAD_OWNER_QUIET_MS));
      if (!stale) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Gone already, or not ours to remove: sweeping is best effort.
    }
  }
  return removed;
}

/** Escapes a file name for use inside a RegExp. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
