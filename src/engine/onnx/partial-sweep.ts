/**
 * Conversions write into `.<entry>.partial-<pid>-<hex>` beside their target
 * and move a replaced entry aside as `<entry>.old-<pid>-<hex>` (convert.ts).
 * A conversion killed outright leaves those behind, up to a checkpoint's size
 * each; the next conversion into the same folder sweeps the stale ones.
 */
import { escapeRegExp, sweepStalePartials } from '../fs/stale-partials';

const SHA = '[0-9a-f]{64}';
const swept = new Set<string>();

/**
 * Sweeps `parent` once per process. With `entryName` (a folder given as --out)
 * only that entry's temporaries match; without it, any cache entry's do.
 */
export async function sweepConversionPartials(parent: string, entryName?: string): Promise<string[]> {
  const key = `${parent}\0${entryName ?? ''}`;
  if (swept.has(key)) return [];
  swept.add(key);
  const entry = entryName === undefined ? SHA : escapeRegExp(entryName);
  const pattern = new RegExp(`^(?:\\.${entry}\\.partial|${entry}\\.old)-(\\d+)-[0-9a-f]{8}$`);
  return sweepStalePartials(parent, {
    ownerOf: (name) => {
      const m = pattern.exec(name);
      return m ? Number(m[1]) : null;
    },
  });
}
