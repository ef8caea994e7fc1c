// Serve mode's HTTP server: the web renderer plus the app's API at /api/*,
// on 127.0.0.1 only, every request carrying the session token. The API is the
// same contract as Electron IPC: POST /api/<method> with the request in the
// wire codec, progress as Server-Sent Events on GET /api/events.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
} from '../../shared/contract';
import { decodeWire, encodeWire } from '../../shared/wire-codec';
import { BodyTooLargeError, readBody } from './request-body';
import { sendStatic } from './static-files';
import { DOWNLOAD_PREFIX, sendDownload } from './downloads';
import { createToken, tokenMatches } from './token';

export const SERVE_HOST = '127.0.0.1';
export const TOKEN_HEADER = 'x-wfvae-token';

export interface ServeOptions {
  session: WfvaeApi;
  /** Folder with the built web renderer (index.html). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** Largest accepted request body; base64 makes an upload 4/3 of the file. */
  maxBodyBytes?: number;
}

export interface ServeServer {
  url: string;
  port: number;
  token: string;
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

export function startServeServer(opts: ServeOptions): Promise<ServeServer> {
  const token = opts.token ?? createToken();
  const maxBody = opts.maxBodyBytes ?? Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 64 * 1024;
  const sseClients = new Set<ServerResponse>();
  let port = 0;
  const cookieName = () => `wfvae_token_${port}`;

  const unsubscribe = opts.session.onEvent((event: ApiEvent) => {
    const line = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of sseClients) res.write(line);
  });

  function tokenOf(req: IncomingMessage, url: URL): string | undefined {
    const header = req.headers[TOKEN_HEADER];
    if (typeof header === 'string') return header;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    const q = url.searchParams.get('token');
    if (q) return q;
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === cookieName()) return v.join('=');
    }
    return undefined;
  }

  /** Refuses Host names other than our own: a DNS-rebinding page cannot pose as 127.0.0.1. */
  function hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host;
    return host === `${SERVE_HOST}:${port}` || host === `localhost:${port}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${SERVE_HOST}:${port}`);
    if (!hostAllowed(req) || !tokenMatches(token, tokenOf(req, url))) {
      sendJson(res, 403, { error: { code: ERROR_CODES.forbidden, message: 'missing or wrong token: open the exact URL that `wfvae serve` printed' } });
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    if (url.pathname.startsWith(DOWNLOAD_PREFIX) && req.method === 'GET') {
      await sendDownload(res, opts.session, decodeURIComponent(url.pathname.slice(DOWNLOAD_PREFIX.length)));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await handleApi(req, res, url.pathname.slice('/api/'.length));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: ERROR_CODES.badRequest, message: `${req.method} is not allowed here` } });
      return;
    }
    // The page itself gets the token as a cookie, so the scripts and styles it loads carry it too.
    const cookie = `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    const served = await sendStatic(res, opts.staticDir, url.pathname, url.pathname === '/' ? { 'set-cookie': cookie } : {});
    if (!served) sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no such file: ${url.pathname}` } });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: { code: ERROR_CODES.badRequest, message: 'API calls are POST requests' } });
      return;
    }
    if (!isApiMethod(method)) {
      sendJson(res, 404, { error: { code: ERROR_CODES.badRequest, message: `unknown API method "${method}"` } });
      return;
    }
    try {
      const body = await readBody(req, maxBody);
      let raw: unknown;
      try {
        raw = body.length ? decodeWire(body.toString('utf8')) : {};
      } catch (err) {
        throw new ApiError(ERROR_CODES.badRequest, `request body is not valid: ${(err as Error).message}`);
      }
      const request = parseRequest(method, raw);
      const value = await callMethod(opts.session, method, request);
      const text = encodeWire(value);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
      res.end(text);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: { code: ERROR_CODES.tooLarge, message: err.message } }, true);
        return;
      }
      const shape = toApiErrorShape(err);
      sendJson(res, STATUS_BY_CODE[shape.code] ?? ENGINE_ERROR_STATUS, { error: shape });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: toApiErrorShape(err) });
      else res.destroy();
    });
  });

  // Model runs (reconstruct, compare) can take minutes on long clips; the browser's
  // keep-alive connection must outlive Node's 5 s default so a reused socket is
  // not closed under a request. Only 127.0.0.1 and token holders reach this server.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, SERVE_HOST, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${SERVE_HOST}:${port}/?token=${token}`,
        port,
        token,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            unsubscribe();
            for (const res of sseClients) res.end();
            sseClients.clear();
            server.close(() => done());
            server.closeAllConnections();
          })),
      });
    });
  });
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
    ...(closeConnection ? { connection: 'close' } : {}),
  });
  res.end(text);
}
