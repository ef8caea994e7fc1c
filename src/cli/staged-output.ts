// All-or-nothing output files for commands that write several (subbands:
// level PNGs and energy.json). Everything is written into a hidden staging
// folder inside the output folder, then renamed into place together; a
// failed write (a full disk) or an interruption leaves none of them, and
// staging folders of killed runs are swept on the next run.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../hosting/errors';
import { sweepStalePartials } from '../engine/fs/stale-partials';

const STAGING = /^\.wfvae-staging-(\d+)-[0-9a-f]{8}$/;

function writeError(err: unknown, file: string, dir: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const why =
    code === 'ENOSPC' ? `the disk holding ${dir} is full; free some space or pick another --out`
      : code === 'EFBIG' ? "the file reached this process's file-size limit (ulimit -f)"
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `${dir} is not writable; pick another --out`
          : 'check the folder exists and is writable';
  return new UsageError(`cannot write ${file} (${code}): ${why}; nothing was written to ${dir}`, 1);
}

export class StagedOutput {
  private readonly names: string[] = [];

  private constructor(
    readonly dir: string,
    private readonly staging: string,
  ) {}

  static async create(dir: string): Promise<StagedOutput> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw writeError(err, dir, dir);
    }
    await sweepStalePartials(dir, { ownerOf: (name) => (STAGING.exec(name) ? Number(STAGING.exec(name)?.[1]) : null) });
    const staging = join(dir, `.wfvae-staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(staging);
    } catch (err) {
      throw writeError(err, staging, dir);
    }
    return new StagedOutput(dir, staging);
  }

  /** Writes one file into staging; it appears in the output folder on publish(). */
  async write(name: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFile(join(this.staging, name), data);
    } catch (err) {
      throw writeError(err, join(this.dir, name), this.dir);
    }
    this.names.push(name);
  }

  /** Moves every staged file into the output folder; returns their final paths. */
  async publish(): Promise<string[]> {
    const moved: string[] = [];
    try {
      for (const name of this.names) {
        await rename(join(this.staging, name), join(this.dir, name));
        moved.push(join(this.dir, name));
      }
    } catch (err) {
      // Renames within one folder need no space; if one fails anyway, take back the others so no half set is left.
      await Promise.all(moved.map((p) => rm(p, { force: true })));
      throw writeError(err, this.dir, this.dir);
    } finally {
      await this.discard();
    }
    return moved;
  }

  /** Drops everything staged. Safe to call twice. */
  async discard(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
