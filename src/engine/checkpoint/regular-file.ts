/**
 * Opening checkpoint files without trusting what the path names. A FIFO would
 * block open() (and one libuv thread) until a writer appears, /dev/zero never
 * ends, a folder cannot be read: each is refused from stat() before anything
 * is opened, and the open itself is non-blocking so a path swapped for a FIFO
 * in between cannot hang either.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { CheckpointError, ioError } from './errors';

/** O_NONBLOCK where the platform has it: for regular files it changes nothing. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The error for a path that names something other than a regular file. */
export function notRegular(path: string, what: string, s: Stats): CheckpointError {
  return new CheckpointError('io', `${what} ${path} is ${kindOf(s)}, not a regular file; pass the path of the file itself (copy it to a file first if it comes from a pipe or device).`);
}

/** Opens `path` for reading after checking it is a regular file; returns the handle and its size. */
export async function openRegularFile(path: string, what: string): Promise<{ fh: FileHandle; size: number }> {
  let before: Stats;
  try {
    before = await stat(path);
  } catch (err) {
    throw ioError(err, path, what);
  }
  if (!before.isFile()) throw notRegular(path, what, before);
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (err) {
    throw ioError(err, path, what);
  }
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw notRegular(path, what, s);
    return { fh, size: s.size };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err instanceof CheckpointError ? err : ioError(err, path, what);
  }
}

/** The whole content of a small regular file; refuses files over `maxBytes` before reading them. */
export async function readSmallRegularFile(path: string, maxBytes: number, what: string, tooBigHint: string): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path, what);
  try {
    if (size > maxBytes) {
      throw new CheckpointError('io', `${what} ${path} is ${size} bytes, more than the ${maxBytes}-byte limit; ${tooBigHint}`);
    }
    // One byte more than allowed: a file that grew since stat() is caught too.
    const buf = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw new CheckpointError('io', `${what} ${path} grew past the ${maxBytes}-byte limit while it was read; ${tooBigHint}`);
    return buf.subarray(0, n);
  } catch (err) {
    throw err instanceof CheckpointError ? err : ioError(err, path, what);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
