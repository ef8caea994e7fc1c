/**
 * A Hub model id → a checkpoint folder on disk (a snapshot folder of the
 * shared Hugging Face cache), downloading only what the cache lacks.
 *
 * The cache is asked first: a revision it knows (refs/{revision}, or a commit
 * hash given outright) whose snapshot holds both files is used as it is, with
 * no network. HF_HUB_OFFLINE stops there, with what is missing. Otherwise the
 * Hub is asked for the two files (HEAD, pinned to the commit the first answer
 * names, so both come from one commit), and each blob the cache lacks is
 * downloaded under its lock, checked, and linked into the snapshot; the ref is
 * written last.
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatHubModelId, type HubModelId } from '../../../shared/hub-id';
import { CONFIG_FILE } from '../config';
import { WEIGHTS_FILE } from '../open-checkpoint';
import { downloadBlob } from './blob-download';
import { withCacheLock } from './cache-lock';
import { RepoCache } from './hub-cache';
import { hubSettings, type HubSettings } from './hub-env';
import { HUB_ERROR_CODES, HubError } from './hub-errors';
import { fetchMetadata, type FileMetadata } from './hub-http';

export interface HubProgress {
  /** lookup: asking the Hub; download: bytes of one file; verify: checking its hash; wait: another process holds the file's lock. */
  phase: 'lookup' | 'download' | 'verify' | 'wait';
  file: string;
  done: number;
  total: number;
  /** For `wait`: who holds the lock. */
  holder?: string;
}

export interface ResolvedHubModel {
  id: HubModelId;
  /** The checkpoint folder: snapshots/{commit}[/{subfolder}]. */
  dir: string;
  commit: string;
  /** True when the cache had everything (no request was made). */
  fromCache: boolean;
  /** Bytes downloaded by this call. */
  downloadedBytes: number;
  cacheDir: string;
}

export interface ResolveHubOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (p: HubProgress) => void;
}

/** The files a checkpoint needs, as paths in the repo. */
export function checkpointFiles(id: HubModelId): string[] {
  return [CONFIG_FILE, WEIGHTS_FILE].map((f) => (id.subfolder ? `${id.subfolder}/${f}` : f));
}

const WRITE_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT']);

function cacheWriteError(err: unknown, settings: HubSettings): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || !WRITE_ERRORS.has(e.code ?? '')) return err;
  const why = e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'the disk is full' : 'it is not writable';
  return new HubError(HUB_ERROR_CODES.cacheWrite, `cannot write to the Hugging Face cache ${settings.cacheDir}: ${why} (${e.code}: ${e.path ?? ''}). Free space, fix its permissions, or set HF_HUB_CACHE to another folder.`, { cause: err });
}

async function offlineError(id: HubModelId, cache: RepoCache, settings: HubSettings, commit: string | null, files: string[]): Promise<HubError> {
  const where = `the Hugging Face cache ${settings.cacheDir} (${settings.cacheDirSource === 'the default' ? 'the default location' : `from ${settings.cacheDirSource}`})`;
  const fix = 'Download it once with the network (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE (or HF_HOME) at a cache that has it.';
  const name = formatHubModelId(id);
  if (!commit) {
    const what = /^[0-9a-f]{40}$/.test(id.revision) ? `no snapshots/${id.revision}` : `no ${relative(settings.cacheDir, cache.refPath(id.revision))} (the revision "${id.revision}" was never downloaded here)`;
    return new HubError(HUB_ERROR_CODES.offlineMissing, `HF_HUB_OFFLINE is set and ${name} is not in ${where}: ${what}. ${fix}`);
  }
  const missing: string[] = [];
  for (const f of files) if (!(await cache.cachedFile(commit, f))) missing.push(await cache.describeMissing(commit, f));
  return new HubError(HUB_ERROR_CODES.offlineMissing, `HF_HUB_OFFLINE is set and ${name} (commit ${commit}) is incomplete in ${where}: ${missing.join('; ')}. ${fix}`);
}

export async function resolveHubModel(id: HubModelId, opts: ResolveHubOptions = {}): Promise<ResolvedHubModel> {
  const settings = hubSettings(opts.env);
  const cache = new RepoCache(settings.cacheDir, id.repo);
  const files = checkpointFiles(id);
  const signal = opts.signal ?? new AbortController().signal;
  const result = (commit: string, fromCache: boolean, downloadedBytes: number): ResolvedHubModel => ({
    id,
    dir: id.subfolder ? join(cache.snapshotDir(commit), ...id.subfolder.split('/')) : cache.snapshotDir(commit),
    commit,
    fromCache,
    downloadedBytes,
    cacheDir: settings.cacheDir,
  });

  const known = await cache.commitOf(id.revision);
  if (known && (await Promise.all(files.map((f) => cache.cachedFile(known, f)))).every(Boolean)) return result(known, true, 0);
  if (settings.offline) throw await offlineError(id, cache, settings, known, files);

  let commit: string | null = null;
  let downloaded = 0;
  const metas: FileMetadata[] = [];
  for (const file of files) {
    opts.onProgress?.({ phase: 'lookup', file, done: 0, total: 0 });
    // Every file from the commit the first answer named, even if the branch moves meanwhile.
    const meta = await fetchMetadata(settings, { repo: id.repo, revision: commit ?? id.revision, file }, signal);
    commit ??= meta.commit;
    metas.push(meta);
  }
  try {
    await mkdir(join(cache.storage, 'blobs'), { recursive: true });
    await cache.tagCacheDir();
    for (const [i, file] of files.entries()) {
      const meta = metas[i];
      if (await cache.cachedFile(commit!, file)) continue;
      if (!(await cache.hasBlob(meta.etag))) {
        const ref = { repo: id.repo, revision: commit!, file };
        await withCacheLock(
          cache.lockPath(meta.etag),
          {
            timeoutS: settings.lockTimeoutS,
            signal,
            what: `${file} of ${id.repo}`,
            onWait: (holder) => opts.onProgress?.({ phase: 'wait', file, done: 0, total: 0, holder }),
          },
          async () => {
            // Whoever held the lock may have written it meanwhile.
            if (await cache.hasBlob(meta.etag)) return;
            downloaded += await downloadBlob({
              settings,
              ref,
              meta,
              dest: cache.blobPath(meta.etag),
              signal,
              onProgress: (p) => opts.onProgress?.({ phase: p.stage, file, done: p.done, total: p.total }),
            });
          },
        );
      }
      await cache.linkSnapshot(commit!, file, meta.etag);
    }
    await cache.writeRef(id.revision, commit!);
  } catch (err) {
    throw cacheWriteError(err, settings);
  }
  return result(commit!, false, downloaded);
}
