// Serves the built web renderer (out/renderer-web) read-only, never outside its
// folder: neither through ../ in the URL nor through a symlink that points out.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** True when `full` is `root` itself or lies below it. */
export function isInside(root: string, full: string): boolean {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  return full.startsWith(rootWithSep);
}

/** Resolves a URL path inside root, or undefined when it would escape it. */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = normalize(join(root, rel));
  return isInside(root, full) ? full : undefined;
}

/** The real file behind a URL path, or undefined when it is missing, not a regular file, or (after symlinks) outside the real root. */
export async function resolveRealFile(root: string, urlPath: string): Promise<string | undefined> {
  const file = resolveStaticPath(root, urlPath);
  if (!file) return undefined;
  const [realRoot, realFile] = await Promise.all([realpath(root).catch(() => undefined), realpath(file).catch(() => undefined)]);
  if (!realRoot || !realFile || !isInside(realRoot, realFile)) return undefined;
  const st = await stat(realFile).catch(() => undefined);
  return st?.isFile() ? realFile : undefined;
}

export async function sendStatic(res: ServerResponse, root: string, urlPath: string, extraHeaders: Record<string, string> = {}): Promise<boolean> {
  const file = await resolveRealFile(root, urlPath);
  if (!file) return false;
  const st = await stat(file);
  res.writeHead(200, {
    'content-type': contentTypeOf(file),
    'content-length': String(st.size),
    'cache-control': file.endsWith('.html') ? 'no-store' : 'max-age=3600',
    ...extraHeaders,
  });
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
  return true;
}
