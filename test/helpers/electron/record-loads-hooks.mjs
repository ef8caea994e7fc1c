// Module resolution hooks for record-loads.mjs: logs every file: URL resolved.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:')) appendFileSync(log, `${fileURLToPath(result.url)}\n`);
  return result;
}
