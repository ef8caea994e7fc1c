/**
 * Private folders in the temp folder that name their owner: uploads, results
 * kept on disk (whole-video frames, exports), onnxruntime's placement
 * profiles. A process killed outright (SIGKILL, the OOM killer) runs no clean
 * up, so the next process to start sweeps the folders whose owner is gone.
 *
 * The name holds the owner's pid and its pid namespace
 * (`wfvae-upload-4026531836-1234-AbC123`): a pid is only meaningful in its own
 * namespace, and a container sharing the temp folder has another. A folder of
 * this namespace whose pid is gone is removed at once; one of another
 * namespace (or of an older version, without a pid) only once nothing in it
 * changed for a day (stale-partials.ts).
 */
import { readlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeRegExp, sweepStalePartials } from './stale-partials';

/** Every prefix of ours: the folders a sweep considers. */
export const OWNED_TEMP_PREFIXES = ['wfvae-upload-', 'wfvae-results-', 'wfvae-profile-'] as const;
export type OwnedTempPrefix = (typeof OWNED_TEMP_PREFIXES)[number];

let namespace: string | undefined;

/** This process's pid namespace (the inode of /proc/self/ns/pid), or "0" where there is no /proc. */
export function pidNamespace(): string {
  if (namespace === undefined) {
    try {
      namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
    } catch {
      namespace = '0';
    }
  }
  return namespace;
}

/** A new private folder in the temp folder, named for this process. */
export function makeOwnedTempDir(prefix: OwnedTempPrefix): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}${pidNamespace()}-${process.pid}-`));
}

/** Removes the owned temp folders whose owner is gone; returns their paths. Never throws, never touches a live owner's. */
export function sweepOwnedTempDirs(dir = tmpdir()): Promise<string[]> {
  const ours = new RegExp(`^(?:${OWNED_TEMP_PREFIXES.map(escapeRegExp).join('|')})(?:(\\d+)-(\\d+)-)?[A-Za-z0-9]{6}$`);
  const ns = pidNamespace();
  return sweepStalePartials(dir, {
    ownerOf: (name) => {
      const m = ours.exec(name);
      if (!m) return null;
      // Another namespace's pid, or none (an older version's folder): judged by age alone.
      return m[1] === ns ? Number(m[2]) : undefined;
    },
    deadOwnerQuietMs: 0,
  });
}
