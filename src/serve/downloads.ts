// GET /download/<exportId>: a file the engine prepared (prepareExport), sent as
// an attachment so the browser saves it under its own name. Only ids the
// session handed out resolve; the file streams from disk.
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { toApiErrorShape, type WfvaeApi } from '../shared/contract';

export const DOWNLOAD_PREFIX = '/download/';

/** RFC 6266: an ASCII fallback name and the UTF-8 one. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function sendDownload(res: ServerResponse, session: WfvaeApi, exportId: string): Promise<void> {
  let info;
  try {
    info = await session.exportInfo({ exportId });
  } catch (err) {
    const text = JSON.stringify({ error: toApiErrorShape(err) });
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
    return;
  }
  res.writeHead(200, {
    'content-type': info.mime,
    'content-length': String(info.bytes),
    'content-disposition': contentDisposition(info.fileName),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  await new Promise<void>((resolve, reject) => {
    createReadStream(info.path).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
}
