// The browser side of serve mode: POST /api/<method> in the wire codec, the
// token from the page URL in a header, progress from an EventSource. A file
// to open goes up as raw bytes (the server streams it to disk), with the rest
// of its request in a header.
import {
  API_METHOD_NAMES,
  ApiError,
  ERROR_CODES,
  MAX_UPLOAD_BYTES,
  apiErrorSchema,
  parseEvent,
  parseResponse,
  type ApiEvent,
  type ApiMethodName,
  type WfvaeApi,
} from '../../../shared/contract';
import { UPLOAD_REQUEST_HEADER } from '../../../shared/serve-upload';
import { decodeWire, encodeWire } from '../../../shared/wire-codec';
import type { Transport } from './transport';

export const TOKEN_HEADER = 'x-wfvae-token';
/** This page's id on every call and on its event stream: what it uploads stays while it is open, and goes when it closes. */
export const PAGE_HEADER = 'x-wfvae-page';
/** localStorage is per origin (host and port): `wfvae serve --port P` keeps the same one across runs. */
const PREFS_KEY = 'wfvae-inspector.prefs';

function browserDownload(href: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export function httpTransport(baseUrl: string, token: string): Transport {
  const listeners = new Set<(e: ApiEvent) => void>();
  let source: EventSource | undefined;
  const pageId = crypto.randomUUID();

  const requestInit = (method: ApiMethodName, request: unknown): RequestInit => {
    const source = (request as { source?: { kind?: string; name?: string; bytes?: Uint8Array } }).source;
    if (method === 'openVideo' && source?.kind === 'bytes' && source.bytes) {
      const { taskId, options } = request as { taskId: string; options?: unknown };
      const rest = encodeURIComponent(JSON.stringify({ taskId, name: source.name, options }));
      return { method: 'POST', headers: { 'content-type': 'application/octet-stream', [TOKEN_HEADER]: token, [PAGE_HEADER]: pageId, [UPLOAD_REQUEST_HEADER]: rest }, body: source.bytes as BodyInit };
    }
    return { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token, [PAGE_HEADER]: pageId }, body: encodeWire(request) };
  };

  const call = async (method: ApiMethodName, request: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(new URL(`api/${method}`, baseUrl), requestInit(method, request));
    } catch {
      throw new ApiError(ERROR_CODES.internal, 'cannot reach the wfvae serve process: is it still running? Restart it and open the new URL');
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const err = apiErrorSchema.safeParse((parsed as { error?: unknown } | undefined)?.error);
      if (err.success) throw new ApiError(err.data.code, err.data.message);
      throw new ApiError(ERROR_CODES.internal, `the server answered ${res.status} ${res.statusText}`);
    }
    return parseResponse(method, decodeWire(text));
  };

  const api = Object.fromEntries(API_METHOD_NAMES.map((m) => [m, (req: unknown) => call(m, req)])) as unknown as WfvaeApi;
  api.onEvent = (listener) => {
    listeners.add(listener);
    if (!source) {
      source = new EventSource(new URL(`api/events?token=${encodeURIComponent(token)}&page=${pageId}`, baseUrl));
      source.onmessage = (m: MessageEvent<string>) => {
        let raw: unknown;
        try {
          raw = JSON.parse(m.data);
        } catch {
          return;
        }
        const event = parseEvent(raw);
        if (event) for (const l of listeners) l(event);
      };
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && source) {
        source.close();
        source = undefined;
      }
    };
  };

  return {
    kind: 'http',
    api,
    async saveExport(file) {
      // A plain navigation download: the file streams from disk to the browser's Downloads folder.
      browserDownload(new URL(`download/${encodeURIComponent(file.exportId)}?token=${encodeURIComponent(token)}`, baseUrl).href, file.fileName);
      return file.fileName;
    },
    async saveBytes(fileName, bytes, mime) {
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
      browserDownload(url, fileName);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return fileName;
    },
    prefs: {
      async load() {
        const text = localStorage.getItem(PREFS_KEY);
        try {
          return text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          return undefined;
        }
      },
      async save(value) {
        localStorage.setItem(PREFS_KEY, JSON.stringify(value));
      },
    },
    async sourceForFile(file) {
      if (file.size > MAX_UPLOAD_BYTES) {
        throw new ApiError(ERROR_CODES.tooLarge, `"${file.name}" is ${(file.size / 2 ** 20).toFixed(0)} MiB; the browser can upload at most ${MAX_UPLOAD_BYTES / 2 ** 20} MiB. Run \`wfvae serve ${file.name}\` to open it from disk instead`);
      }
      return { kind: 'bytes', name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    },
  };
}
