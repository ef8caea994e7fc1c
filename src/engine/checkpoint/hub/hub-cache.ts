/**
 * The shared Hugging Face cache, in huggingface_hub's layout:
 *
 *   {cache}/models--{org}--{name}/refs/{revision}          the commit hash a branch or tag pointed at
 *   {cache}/models--{org}--{name}/snapshots/{commit}/{path} a relative symlink to ../../blobs/{etag}
 *   {cache}/models--{org}--{name}/blobs/{etag}              the file (etag: sha256 for LFS files, git blob sha1 otherwise)
 *   {cache}/.locks/models--{org}--{name}/{etag}.lock        held while a blob is written
 *
 * Reading follows the symlinks; writing puts the blob in place first, then the
 * snapshot's symlink, then the ref, so a reader never finds a ref or a link to
 * something that is not there yet.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, lstat, mkdir, readFile, readlink, realpath, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

export const COMMIT_HASH = /^[0-9a-f]{40}$/;
/** What an etag may be before it names a file: hex from the Hub; anything else is refused rather than used as a path. */
export const SAFE_ETAG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by WF-VAE Inspector (the Hugging Face hub cache).\n# For information about cache directory tags see https://bford.info/cachedir/\n';

/** `models--org--name`: the repo's folder in the cache and under `.locks`. */
export function repoFolderName(repo: string): string {
  return ['models', ...repo.split('/')].join('--');
}

export class RepoCache {
  readonly storage: string;
  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.storage = join(cacheDir, repoFolderName(repo));
  }

  refPath(revision: string): string {
    return join(this.storage, 'refs', ...revision.split('/'));
  }

  snapshotDir(commit: string): string {
    return join(this.storage, 'snapshots', commit);
  }

  pointerPath(commit: string, file: string): string {
    return join(this.snapshotDir(commit), ...file.split('/'));
  }

  blobPath(etag: string): string {
    return join(this.storage, 'blobs', etag);
  }

  lockPath(etag: string): string {
    return join(this.cacheDir, '.locks', repoFolderName(this.repo), `${etag}.lock`);
  }

  /** The commit a revision names: itself when it is a full hash, else what refs/{revision} holds; null when unknown here. */
  async commitOf(revision: string): Promise<string | null> {
    if (COMMIT_HASH.test(revision)) return revision;
    const text = await readFile(this.refPath(revision), 'utf8').catch(() => null);
    const commit = text?.trim() ?? null;
    return commit && COMMIT_HASH.test(commit) ? commit : null;
  }

  /** The file in a snapshot when it is there and readable (its symlink resolves to a regular file). */
  async cachedFile(commit: string, file: string): Promise<string | null> {
    const p = this.pointerPath(commit, file);
    const s = await stat(p).catch(() => null);
    return s?.isFile() ? p : null;
  }

  /** Why a snapshot file is not usable, for messages: absent, or a link whose blob is gone. */
  async describeMissing(commit: string, file: string): Promise<string> {
    const p = this.pointerPath(commit, file);
    const l = await lstat(p).catch(() => null);
    if (!l) return `${relative(this.storage, p)} is not there`;
    if (l.isSymbolicLink()) return `${relative(this.storage, p)} links to ${await readlink(p).catch(() => '?')}, which is missing`;
    return `${relative(this.storage, p)} is not a regular file`;
  }

  async hasBlob(etag: string): Promise<boolean> {
    return (await stat(this.blobPath(etag)).catch(() => null))?.isFile() ?? false;
  }

  /** Records where a branch or tag pointed (nothing for a commit hash); written atomically, and only when it changed. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const p = this.refPath(revision);
    if ((await readFile(p, 'utf8').catch(() => null)) === commit) return;
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, p).catch(async (err: unknown) => {
      await rm(tmp, { force: true });
      throw err;
    });
  }

  /** snapshots/{commit}/{file} → the blob, as a relative symlink (a copy where the filesystem has no symlinks). */
  async linkSnapshot(commit: string, file: string, etag: string): Promise<string> {
    const pointer = this.pointerPath(commit, file);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const target = relative(dirname(pointer), blob);
    const existing = await lstat(pointer).catch(() => null);
    if (existing) {
      if (existing.isSymbolicLink() && (await realpath(pointer).catch(() => null)) === (await realpath(blob))) return pointer;
      await unlink(pointer);
    }
    try {
      await symlink(target, pointer);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process linked the same blob between our unlink and symlink.
      if (code === 'EEXIST' && (await realpath(pointer).catch(() => null)) === (await realpath(blob))) return pointer;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      await copyFile(blob, pointer);
    }
    return pointer;
  }

  /** Marks the cache folder for backup tools, as huggingface_hub does (best effort). */
  async tagCacheDir(): Promise<void> {
    const tag = join(this.cacheDir, 'CACHEDIR.TAG');
    if (await access(tag, constants.F_OK).then(() => true, () => false)) return;
    await writeFile(tag, CACHEDIR_TAG, { flag: 'wx' }).catch(() => undefined);
  }
}
