// `npm run bench`: benchmarks that take real time and disk, never part of
// `npm test`. `npm run bench -- conversion` runs one; `--keep` keeps temp files.
import { benchConversion, conversionTable } from './conversion';
import { memorySeries, memoryTable } from './memory';
import { referenceRows, referenceTable } from './reference';
import { largestClipTable } from './largest-clip';
import { estimateRows, estimateTable } from './estimates';
import { videoCorpusTable, videoDecodeTable } from './video-tools';
import { coldStartTable } from './cold-start';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));

const benches: Record<string, () => Promise<string>> = {
  conversion: async () => conversionTable(await benchConversion(keep)),
  memory: async () => memoryTable(memorySeries()),
  reference: async () => referenceTable(await referenceRows(keep)),
  'largest-clip': async () => largestClipTable(),
  estimates: async () => estimateTable(await estimateRows(keep)),
  'video-decode': () => videoDecodeTable(keep),
  'video-corpus': () => videoCorpusTable(keep),
  'cold-start': () => coldStartTable(keep),
};

const unknown = only.filter((n) => !(n in benches));
if (unknown.length) {
  console.error(`unknown bench ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const name of only.length ? only : Object.keys(benches)) {
  console.log(`\n== ${name} ==`);
  console.log(await benches[name]());
}
