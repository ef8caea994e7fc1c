// `wfvae eval merge`: shard outputs into the result one unsharded run gives.
// Every shard must come from the same settings (model, protocol, dataset,
// tool version), all n shards must be there exactly once, and every clip of
// the list must be in exactly one of them; then the records are sorted by
// their global index and summarised by the same function a single run uses.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildResults, RESULTS_FILE, RESULTS_FORMAT, type EvalHeader, type EvalResults } from './results';

export async function readResults(dir: string): Promise<EvalResults> {
  let text: string;
  try {
    text = await readFile(join(dir, RESULTS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${dir} has no ${RESULTS_FILE}: that shard has not finished (run its wfvae eval command again; it resumes from its journal)`);
    }
    throw err;
  }
  const r = JSON.parse(text) as EvalResults;
  if (r.format !== RESULTS_FORMAT) throw new Error(`${join(dir, RESULTS_FILE)} is not a wfvae eval result (format ${String(r.format)})`);
  return r;
}

const IDENTITY: (keyof EvalHeader)[] = ['format', 'version', 'tool', 'model', 'protocol', 'settings', 'dataset'];

export function mergeResults(parts: readonly { dir: string; results: EvalResults }[]): EvalResults {
  if (parts.length === 0) throw new Error('nothing to merge: give the output folders of the shards');
  const first = parts[0];
  for (const p of parts.slice(1)) {
    const diff = IDENTITY.filter((k) => JSON.stringify(p.results[k]) !== JSON.stringify(first.results[k]));
    if (diff.length) throw new Error(`${p.dir} was evaluated with other ${diff.join(', ')} than ${first.dir}; only shards of one evaluation can be merged`);
  }
  const unsharded = parts.filter((p) => p.results.shard === null);
  if (unsharded.length) throw new Error(`${unsharded[0].dir} is not a shard (it was run without --shard); it already holds the whole result`);
  const n = first.results.shard!.count;
  const seen = new Map<number, string>();
  for (const p of parts) {
    const s = p.results.shard!;
    if (s.count !== n) throw new Error(`${p.dir} is shard ${s.index}/${s.count} but ${first.dir} is one of ${n}; shards of one evaluation share the count`);
    const other = seen.get(s.index);
    if (other) throw new Error(`shard ${s.index}/${n} is given twice (${other} and ${p.dir})`);
    seen.set(s.index, p.dir);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing: merge needs all ${n} shard folders`);
  const records = parts.flatMap((p) => p.results.clips);
  const byIndex = new Map<number, number>();
  for (const r of records) byIndex.set(r.index, (byIndex.get(r.index) ?? 0) + 1);
  const total = first.results.dataset.clips;
  const dup = [...byIndex.entries()].filter(([, c]) => c > 1).map(([i]) => i);
  if (dup.length) throw new Error(`clips ${dup.slice(0, 5).join(', ')} appear in more than one shard`);
  const absent = Array.from({ length: total }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (absent.length) throw new Error(`${absent.length} of ${total} clips are in no shard (first: index ${absent[0]}); were the shards run on the same clip list?`);
  const r0 = first.results;
  const header: EvalHeader = {
    format: r0.format,
    version: r0.version,
    tool: r0.tool,
    model: r0.model,
    protocol: r0.protocol,
    settings: r0.settings,
    dataset: r0.dataset,
    shard: null,
  };
  const probe = parts.find((p) => p.results.shard!.index === 0)?.results.probe ?? null;
  return buildResults(header, records, probe);
}
