// Serve mode's HTTP server: the web renderer plus the app's API at /api/*,
// on 127.0.0.1 only. The API is the same contract as Electron IPC:
// POST /api/<method> with the request in the wire codec, progress as
// Server-Sent Events on GET /api/events. Who may call what is access.ts;
// how sockets that never authenticate are kept from crowding it out is
// connection-guard.ts; uploads stream to disk (upload.ts) and stay as long as
// the page that sent them uses them (page-sessions.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ApiError,
  ERROR_CODES,
  MAX_UPLOAD_BYTES,
  isApiMethod,
  parseRequest,
  toApiErrorShape,
  type ApiEvent,
  type ApiMethodName,
  type WfvaeApi,
} from '../shared/contract';
import { decodeWire, encodeWire } from '../shared/wire-codec';
import type { OpenVideoRequest } from '../engine/session/session-core';
import { checkAccess, TOKEN_HEADER, type AccessKeys } from './access';
import { ConnectionGuard, type ConnectionStats } from './connection-guard';
import { BodyStalledError, BodyTooLargeError, formatBytes, readBody } from './request-body';
import { setSecurityHeaders } from '../hosting/security-headers';
import { sendStatic } from '../hosting/static-files';
import { createToken } from './token';
import { isUpload, parseUploadRequest, UPLOAD_ADVICE, UploadStore } from './upload';
import { DOWNLOAD_PREFIX, sendDownload } from './downloads';
import { PAGE_HEADER, pageIdOf, PageSessions } from './page-sessions';

export const SERVE_HOST = '127.0.0.1';
export { TOKEN_HEADER };

/** The engine session serve drives: the contract, plus opening a file it received as an upload. */
export type ServeSession = WfvaeApi & { openUploaded(request: OpenVideoRequest): ReturnType<WfvaeApi['openVideo']> };

export interface ServeLimits {
  /** Largest JSON API body (uploads do not go through JSON). */
  maxBodyBytes: number;
  /** Largest upload. */
  maxUploadBytes: number;
  /** Most sockets at once; past it unauthenticated sockets are shed (silent ones first, oldest first). */
  maxConnections: number;
  /** How long a fresh socket has to present its request before it may be shed to make room. */
  admissionGraceMs: number;
  /** The kernel's queue of connections not yet accepted (the listen backlog): a flood waits there, bounded. */
  acceptBacklog: number;
  /** A socket must carry an authenticated request within this long of connecting. */
  unauthenticatedDeadlineMs: number;
  /** A request body (JSON or upload) that sends nothing for this long is dropped. */
  bodyIdleMs: number;
  /** Request headers must be complete within this long. */
  headersTimeoutMs: number;
  /** The whole request (an upload included) must arrive within this long. */
  requestTimeoutMs: number;
  /** An idle keep-alive socket of a token holder is closed after this long. */
  keepAliveMs: number;
  /** SSE comment lines this often keep the event stream's socket from looking idle. */
  heartbeatMs: number;
  /** A page whose event streams all closed is gone after this long (an EventSource reconnects sooner); its uploads go with it. */
  pageGraceMs: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxBodyBytes: 1024 * 1024,
  maxUploadBytes: MAX_UPLOAD_BYTES,
  maxConnections: 256,
  admissionGraceMs: 250,
  acceptBacklog: 256,
  unauthenticatedDeadlineMs: 10_000,
  bodyIdleMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15 * 60_000,
  keepAliveMs: 30_000,
  heartbeatMs: 15_000,
  pageGraceMs: 10_000,
};

export interface ServeOptions extends Partial<ServeLimits> {
  session: ServeSession;
  /** Folder with the built web renderer (index.html). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
}

export interface ServeServer {
  url: string;
  port: number;
  token: string;
  connections(): ConnectionStats;
  close(): Promise<void>;
}

const STATUS_BY_CODE: Record<string, number> = {
  [ERROR_CODES.badRequest]: 400,
  [ERROR_CODES.forbidden]: 403,
  [ERROR_CODES.unknownClip]: 404,
  [ERROR_CODES.cancelled]: 409,
  [ERROR_CODES.tooLarge]: 413,
  [ERROR_CODES.internal]: 500,
};
/** Codes the engine defines (bad video, missing file, …) are problems with the input. */
const ENGINE_ERROR_STATUS = 422;
/** After a refusal the client gets this long to read the answer before its socket is dropped. */
const REFUSAL_LINGER_MS = 500;

export function startServeServer(opts: ServeOptions): Promise<ServeServer> {
  const limits: ServeLimits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => k in DEFAULT_LIMITS && v !== undefined)) };
  const token = opts.token ?? createToken();
  const keys: AccessKeys = { port: 0, token, assetKey: randomBytes(24).toString('base64url'), cookieName: '' };
  const uploads = new UploadStore(limits.maxUploadBytes, limits.bodyIdleMs);
  const pages = new PageSessions(opts.session, limits.pageGraceMs);
  const sseClients = new Set<ServerResponse>();

  const unsubscribe = opts.session.onEvent((event: ApiEvent) => {
    const line = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of sseClients) res.write(line);
  });
  const heartbeat = setInterval(() => {
    for (const res of sseClients) res.write(': keep-alive\n\n');
  }, limits.heartbeatMs);
  heartbeat.unref();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const method = req.method ?? 'GET';
    const url = requestUrl(req.url, keys.port);
    if (!url) {
      refuse(res, 400, ERROR_CODES.badRequest, `the request target ${JSON.stringify((req.url ?? '').slice(0, 200))} is not a path on this server`);
      return;
    }
    const access = checkAccess(method, url, req.headers, keys);
    if (!access.ok) {
      refuse(res, 403, ERROR_CODES.forbidden, access.message);
      return;
    }
    guard.trust(req.socket);
    if (url.pathname === '/api/events' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      sseClients.add(res);
      const pageId = pageIdOf(url.searchParams.get('page'));
      if (pageId) pages.streamOpened(pageId);
      res.on('close', () => {
        sseClients.delete(res);
        if (pageId) pages.streamClosed(pageId);
      });
      return;
    }
    if (url.pathname.startsWith(DOWNLOAD_PREFIX) && req.method === 'GET') {
      let exportId: string;
      try {
        exportId = decodeURIComponent(url.pathname.slice(DOWNLOAD_PREFIX.length));
      } catch {
        sendJson(res, 400, { error: { code: ERROR_CODES.badRequest, message: `the download path ${JSON.stringify(url.pathname)} is not a valid percent-encoded name: use the link the page made` } });
        return;
      }
      await sendDownload(res, opts.session, exportId);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await handleApi(req, res, url.pathname.slice('/api/'.length));
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      refuse(res, 405, ERROR_CODES.badRequest, `${method} is not allowed here`);
      return;
    }
    // The page gets a cookie with the asset key (not the token), so the scripts and styles it loads are let in.
    const cookie = `${keys.cookieName}=${keys.assetKey}; HttpOnly; SameSite=Strict; Path=/`;
    const served = await sendStatic(res, opts.staticDir, url.pathname, url.pathname === '/' || url.pathname === '/index.html' ? { 'set-cookie': cookie } : {});
    if (!served) sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no such file: ${url.pathname}` } });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') {
      refuse(res, 405, ERROR_CODES.badRequest, 'API calls are POST requests');
      return;
    }
    if (!isApiMethod(method)) {
      refuse(res, 404, ERROR_CODES.badRequest, `unknown API method "${method}"`);
      return;
    }
    let taskId: string | undefined;
    const pageId = pageIdOf(req.headers[PAGE_HEADER]);
    let request: unknown;
    try {
      let pending: Promise<unknown>;
      if (method === 'openVideo' && isUpload(req)) {
        const r = parseUploadRequest(req);
        taskId = r.taskId;
        request = r;
        const path = await uploads.receive(req, r.name);
        // From here the file is the session's: it keeps it while a clip decoded from it is open (the
        // thumbnail strip, another selection, the whole video and exports read it) and deletes it with the
        // last one, or when the job fails or is cancelled, or when it shuts down.
        pending = opts.session.openUploaded({ taskId: r.taskId, source: { kind: 'upload', name: r.name, path }, options: r.options });
      } else {
        const body = await readBody(req, limits.maxBodyBytes, limits.bodyIdleMs);
        let raw: unknown;
        try {
          raw = body.length ? decodeWire(body.toString('utf8')) : {};
        } catch (err) {
          throw new ApiError(ERROR_CODES.badRequest, `request body is not valid: ${(err as Error).message}`);
        }
        request = parseRequest(method, raw);
        taskId = (request as { taskId?: unknown }).taskId as string | undefined;
        pending = callMethod(opts.session, method, request);
      }
      // A long job whose client went away (tab closed, request aborted) is not worth finishing.
      const id = taskId;
      const onClose = () => {
        if (id && !res.writableFinished) void opts.session.cancel({ taskId: id }).catch(() => undefined);
      };
      res.on('close', onClose);
      if (req.socket.destroyed) onClose();
      const value = await pending;
      if (pageId) pages.answered(pageId, method, request, value);
      if (res.destroyed) return;
      const text = encodeWire(value);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
      res.end(text);
    } catch (err) {
      if (res.destroyed) return;
      if (err instanceof BodyTooLargeError) {
        const upload = method === 'openVideo' && isUpload(req);
        const message = upload ? `the file is larger than the ${formatBytes(err.limit)} upload limit; ${UPLOAD_ADVICE}` : err.message;
        refuse(res, 413, ERROR_CODES.tooLarge, message);
        return;
      }
      if (err instanceof BodyStalledError) {
        refuse(res, 408, ERROR_CODES.badRequest, err.message);
        return;
      }
      const shape = toApiErrorShape(err);
      sendJson(res, STATUS_BY_CODE[shape.code] ?? ENGINE_ERROR_STATUS, { error: shape });
    }
  }

  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: toApiErrorShape(err) });
      else res.destroy();
    });
  });
  const guard = new ConnectionGuard(server, limits);
  server.keepAliveTimeout = limits.keepAliveMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 0, host: SERVE_HOST, backlog: limits.acceptBacklog }, () => {
      server.off('error', reject);
      keys.port = (server.address() as AddressInfo).port;
      keys.cookieName = `wfvae_assets_${keys.port}`;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${SERVE_HOST}:${keys.port}/?token=${token}`,
        port: keys.port,
        token,
        connections: () => guard.stats(),
        close: () =>
          (closing ??= new Promise<void>((done) => {
            unsubscribe();
            pages.dispose();
            clearInterval(heartbeat);
            for (const res of sseClients) res.end();
            sseClients.clear();
            server.close(() => void uploads.dispose().finally(done));
            server.closeAllConnections();
          })),
      });
    });
  });
}

/**
 * The request's URL, read as a path on this server (origin-form, as browsers send it). A target that
 * is not a path (absolute-form, "*") or that a URL parser reads otherwise ("//host/..." would name
 * another host) is null.
 */
function requestUrl(target: string | undefined, port: number): URL | null {
  if (!target?.startsWith('/')) return null;
  try {
    const url = new URL(`http://${SERVE_HOST}:${port}${target}`);
    return url.host === `${SERVE_HOST}:${port}` ? url : null;
  } catch {
    return null;
  }
}

function callMethod<M extends ApiMethodName>(api: WfvaeApi, method: M, request: unknown): Promise<unknown> {
  const fn = api[method] as (r: unknown) => Promise<unknown>;
  return fn.call(api, request);
}

function sendJson(res: ServerResponse, status: number, value: unknown, closeConnection = false): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...(closeConnection ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/**
 * Answers and hangs up without reading the rest of the request: a refused
 * client cannot keep the socket by trickling a body. The short linger lets
 * it read the answer before the socket goes.
 */
function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  const socket = res.socket ?? res.req.socket;
  sendJson(res, status, { error: { code, message } }, true);
  res.once('finish', () => {
    if (!socket) return;
    socket.end();
    setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
  });
}
