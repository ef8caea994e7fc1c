// The version every result file records, from the package this engine ships in.
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-files';

let cached: { name: string; version: string } | undefined;

export function toolVersion(): { name: string; version: string } {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { name?: string; version?: string };
    cached = { name: pkg.name ?? 'wfvae-inspector', version: pkg.version ?? 'unknown' };
  } catch {
    cached = { name: 'wfvae-inspector', version: 'unknown' };
  }
  return cached;
}
