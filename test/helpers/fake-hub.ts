// A local HTTP server speaking the Hugging Face Hub's file protocol, as
// huggingface_hub's file_download.py reads it, for tests that must not reach
// the real Hub:
//
//   HEAD/GET {hub}/{org}/{name}/resolve/{revision}/{path}
//     small files: 200, ETag "<git blob sha1>", X-Repo-Commit, Content-Length (GET: the bytes, Range honoured)
//     LFS files:   302 to {cdn}/cdn/<sha256>, X-Linked-Etag "<sha256>", X-Linked-Size, X-Repo-Commit
//     errors:      401/403/404 with X-Error-Code RepoNotFound | GatedRepo | RevisionNotFound | EntryNotFound,
//                  401 "Invalid credentials in Authorization header" for an unknown token,
//                  a renamed repo: 307 to a relative /{new}/resolve/… path
//   GET {cdn}/cdn/<sha256>  the bytes, Range honoured (206, Content-Range), 416 past the end
//
// The CDN is a second server (another host), so tests can check that the
// token never reaches it. Faults for the next CDN downloads: cut the
// connection after N bytes, or send wrong bytes of the right length.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepoSpec {
  /** org/name */
  repo: string;
  /** commit → files (path in the repo → bytes) */
  commits: Record<string, Record<string, Buffer>>;
  /** branch or tag → commit */
  refs: Record<string, string>;
  /** Gated: every request needs one of `allowedTokens` (no token: 401, another token: 403). */
  gated?: boolean;
  /** Private: requests without an allowed token see no repo at all (401 RepoNotFound). */
  private?: boolean;
  allowedTokens?: string[];
}

export interface FakeRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
  status: number;
}

export interface FakeHub {
  endpoint: string;
  cdnOrigin: string;
  requests: FakeRequest[];
  /** The next `times` CDN GETs send `afterBytes` bytes and then drop the connection. */
  cutNext(afterBytes: number, times?: number): void;
  /** The next `times` CDN GETs send the right number of wrong bytes. */
  corruptNext(times?: number): void;
  /** The next CDN GET sends at this many bytes a second (to watch progress, or cancel midway). */
  slowNext(bytesPerSecond: number): void;
  /** Tokens the Hub knows at all (others get 401 "Invalid credentials"). */
  knownTokens: Set<string>;
  /** Old repo id → new one (answered with a relative redirect). */
  renamed: Map<string, string>;
  close(): Promise<void>;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
/** A made-up but well-formed commit hash. */
export const fakeCommit = (seed: string) => createHash('sha1').update(`commit ${seed}`).digest('hex');
/** Files the fake Hub keeps in LFS (as the Hub does for weights). */
export const isLfs = (path: string) => /\.(safetensors|bin|onnx)$/.test(path);

function listen(server: Server, host = '127.0.0.1', name = host): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(`http://${name}:${(server.address() as AddressInfo).port}`));
  });
}

/** Sends `body` honouring a `Range: bytes=N-` header; applies a pending fault. */
type Fault = { cut?: number; corrupt?: boolean; bytesPerSecond?: number };

function sendBytes(req: IncomingMessage, res: ServerResponse, body: Buffer, headers: Record<string, string>, fault: Fault): number {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let start = 0;
  if (m) {
    start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return 416;
    }
  }
  let part = body.subarray(start);
  if (fault.corrupt) {
    part = Buffer.from(part);
    for (let i = Math.floor(part.length / 2); i < part.length; i += 4099) part[i] ^= 0xff;
  }
  const status = m ? 206 : 200;
  res.writeHead(status, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(part.length), ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
  if (req.method === 'HEAD') {
    res.end();
    return status;
  }
  if (fault.cut !== undefined && fault.cut < part.length) {
    res.write(part.subarray(0, fault.cut), () => res.socket?.destroy());
    return status;
  }
  if (fault.bytesPerSecond) {
    // 64 KiB at a time at the given rate, until the end or until the client goes away.
    const step = 65536;
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) return clearInterval(timer);
      const next = Math.min(part.length, at + step);
      res.write(part.subarray(at, next));
      at = next;
      if (at >= part.length) {
        clearInterval(timer);
        res.end();
      }
    }, (1000 * step) / fault.bytesPerSecond);
    res.on('close', () => clearInterval(timer));
    return status;
  }
  res.end(part);
  return status;
}

export async function startFakeHub(repos: FakeRepoSpec[]): Promise<FakeHub> {
  const requests: FakeRequest[] = [];
  const blobs = new Map<string, Buffer>();
  for (const r of repos) for (const files of Object.values(r.commits)) for (const [p, b] of Object.entries(files)) if (isLfs(p)) blobs.set(sha256(b), b);
  const faults: Fault[] = [];
  const knownTokens = new Set<string>(repos.flatMap((r) => r.allowedTokens ?? []));
  const renamed = new Map<string, string>();
  let cdnOrigin = '';

  const log = (server: FakeRequest['server'], req: IncomingMessage, status: number) =>
    requests.push({ server, method: req.method!, path: req.url!, range: req.headers.range, authorization: req.headers.authorization, status });

  const hub = createServer((req, res) => {
    const fail = (status: number, code: string | null, message: string, extra: Record<string, string> = {}) => {
      log('hub', req, status);
      res.writeHead(status, { ...(code ? { 'x-error-code': code } : {}), 'x-error-message': message, 'content-type': 'application/json', ...extra });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ error: message }));
    };
    const m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]);
    if (!m || (req.method !== 'HEAD' && req.method !== 'GET')) return fail(404, null, 'Not Found');
    const repoId = `${m[1]}/${m[2]}`;
    const revision = decodeURIComponent(m[3]);
    const file = m[4].split('/').map(decodeURIComponent).join('/');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (token !== undefined && !knownTokens.has(token)) return fail(401, null, 'Invalid credentials in Authorization header');
    const moved = renamed.get(repoId);
    if (moved) {
      log('hub', req, 307);
      res.writeHead(307, { location: `/${moved}/resolve/${m[3]}/${m[4]}` }).end();
      return;
    }
    const repo = repos.find((r) => r.repo === repoId);
    const allowed = token !== undefined && (repo?.allowedTokens ?? []).includes(token);
    if (!repo || (repo.private && !allowed)) return fail(token ? 404 : 401, 'RepoNotFound', 'Repository not found');
    if (repo.gated && !allowed) return fail(token ? 403 : 401, 'GatedRepo', `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
    const commit = /^[0-9a-f]{40}$/.test(revision) && repo.commits[revision] ? revision : repo.refs[revision];
    if (!commit) return fail(404, 'RevisionNotFound', 'Invalid rev id: ' + revision);
    const body = repo.commits[commit][file];
    if (!body) return fail(404, 'EntryNotFound', `${file} does not exist on "${revision}"`, { 'x-repo-commit': commit });
    if (isLfs(file)) {
      const oid = sha256(body);
      log('hub', req, 302);
      res.writeHead(302, {
        location: `${cdnOrigin}/cdn/${oid}?expires=9999999999&signature=test`,
        'x-repo-commit': commit,
        'x-linked-etag': `"${oid}"`,
        'x-linked-size': String(body.length),
        // The redirect's own ETag and length are not the file's: a client must prefer the linked ones.
        etag: 'W/"6e-redirect"',
        'content-length': '0',
      });
      res.end();
      return;
    }
    log('hub', req, req.headers.range ? 206 : 200);
    sendBytes(req, res, body, { 'x-repo-commit': commit, etag: `"${gitSha1(body)}"`, 'content-type': 'application/octet-stream' }, {});
  });

  const cdn = createServer((req, res) => {
    const m = /^\/cdn\/([0-9a-f]{64})/.exec(req.url ?? '');
    const body = m ? blobs.get(m[1]) : undefined;
    if (!body || (req.method !== 'GET' && req.method !== 'HEAD')) {
      log('cdn', req, 404);
      res.writeHead(404).end();
      return;
    }
    const fault = faults.shift() ?? {};
    const status = sendBytes(req, res, body, { 'content-type': 'application/octet-stream', etag: `"${m![1]}"` }, fault);
    log('cdn', req, status);
  });

  const endpoint = await listen(hub);
  // Another host, not only another port (huggingface_hub follows a HEAD's redirect within one host):
  // 127.0.0.2 where the loopback answers it (Linux), else "localhost".
  cdnOrigin = await listen(cdn, '127.0.0.2').catch(() => listen(cdn, '127.0.0.1', 'localhost'));
  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    endpoint,
    cdnOrigin,
    requests,
    knownTokens,
    renamed,
    cutNext(afterBytes, times = 1) {
      for (let i = 0; i < times; i++) faults.push({ cut: afterBytes });
    },
    corruptNext(times = 1) {
      for (let i = 0; i < times; i++) faults.push({ corrupt: true });
    },
    slowNext(bytesPerSecond) {
      faults.push({ bytesPerSecond });
    },
    close: async () => {
      await Promise.all([close(hub), close(cdn)]);
    },
  };
}
