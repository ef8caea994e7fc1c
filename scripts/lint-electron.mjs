// `npm run lint:electron`: Electronegativity over src/ (main, preload and the
// renderer's HTML), fully offline, failing on any finding. A finding that was
// reviewed and accepted is suppressed where it occurs with an
// `eng-disable CHECK_ID` comment that says why. Two things of the tool are
// kept off the network: the Electron release check (the version is given)
// and its fetch of updated translations (the bundled English ones are used).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ELECTRON_VERSION = require('electron/package.json').version;
const engDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));

// Replace the tool's translation loader (which downloads a locale file) with the bundled English strings.
const i18nModule = join(engDir, 'dist', 'locales', 'i18n.js');
const i18n = require(require.resolve('i18n', { paths: [engDir] }));
require.cache[i18nModule] = {
  id: i18nModule,
  filename: i18nModule,
  loaded: true,
  exports: {
    __esModule: true,
    default: async () => {
      i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: dirname(i18nModule), updateFiles: false, objectNotation: true, register: globalThis });
      i18n.setLocale('en-US');
    },
  },
};
const run = require('@doyensec/electronegativity');

const input = process.argv[2] ?? 'src';
const result = await run(
  { input, electronVersionOverride: ELECTRON_VERSION, excludeFromScan: ['AvailableSecurityFixesGlobalCheck'], isRelative: true },
  false,
);
const issues = result.issues;
for (const e of result.errors) console.error(`electronegativity could not analyse ${e.file}: ${e.message ?? e.error ?? String(e)}`);
if (issues.length === 0 && result.errors.length === 0) {
  console.log(`electronegativity: ${result.globalChecks} global and ${result.atomicChecks} atomic checks over ${input}/ (Electron ${ELECTRON_VERSION}): no findings`);
} else {
  for (const i of issues) console.error(`${i.file}:${i.location.line}:${i.location.column} ${i.id} (${i.severity.name}, ${i.confidence.name}) ${i.description} ${i.shortenedURL}`);
  console.error(`electronegativity: ${issues.length} finding(s). Fix them, or, once reviewed, suppress one on its line with a comment "eng-disable ${issues[0]?.id ?? 'CHECK_ID'}" that says why.`);
  process.exitCode = 1;
}
