// A file written where the user said (an export, a PNG, the prefs) appears
// there complete or not at all: it is written beside the target under a
// temporary name, then renamed over it. A failed write (disk full,
// permissions) leaves no truncated file, and never replaces the file that was
// there before with one.
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function saveAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  try {
    await write(tmp);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
