// A really full disk for write-failure tests: a small tmpfs mounted on a fresh
// folder (needs root, as in CI), topped up with a filler file so that exactly
// the asked-for number of bytes is free. Where mounting is not allowed, tests
// fall back to RLIMIT_FSIZE (prlimit) or skip, saying why.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  dir: string;
  /** Leaves about `bytes` free (rounded down to whole pages) and empties everything else. */
  leaveFree(bytes: number): void;
  /** Names in the disk's root, the filler excluded. */
  entries(): string[];
  unmount(): void;
}

const FILLER = '.filler';

function free(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Mounts a tmpfs of `size` bytes, or returns the reason it cannot. */
export function mountSmallDisk(size: number): SmallDisk | string {
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-small-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()})`;
  }
  const clear = () => {
    for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
  };
  return {
    dir,
    leaveFree(bytes) {
      clear();
      writeFileSync(join(dir, FILLER), Buffer.alloc(Math.max(0, free(dir) - bytes)));
    },
    entries: () => readdirSync(dir).filter((n) => n !== FILLER),
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when util-linux's prlimit can cap a child's file size. */
export const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;
