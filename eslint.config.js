// Lint rules, including the layering of ../shared/DESIGN.md: the engine never
// imports Electron, the renderer never imports Node or the engine, and the
// shared contract depends on nothing but zod.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net', 'stream', 'url', 'util', 'zlib', 'events', 'readline', 'buffer', 'process'];
const nodeImportBan = [
  { group: ['node:*'], message: 'The renderer never imports Node: go through the preload API.' },
  ...nodeBuiltins.map((n) => ({ group: [n, `${n}/*`], message: 'The renderer never imports Node: go through the preload API.' })),
];

// Import patterns naming each room of src/ (relative imports only reach another room by its folder name).
const ELECTRON = ['electron', 'electron/*'];
const ENGINE = ['**/engine/**', '**/engine'];
const HOSTING = ['**/hosting/**'];
const MAIN = ['**/main/**', '../index', '**/main/index'];
const CLI = ['**/cli/**'];
const SERVE = ['**/serve/**'];
const RENDERER = ['**/renderer/**'];
const PRELOAD = ['**/preload/**'];

/** A room of src/ and the rooms it must not import. */
function layer(files, message, banned) {
  return { files: [files], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: banned.flat(), message }] }] } };
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'training/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Plain Node launchers (no TypeScript, no bundler).
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js', 'src/engine/video/av-tool.mjs', 'src/engine/session/tsx-worker-boot.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
  // The layering (README "Architecture"): the engine imports no host; the hosts (Electron main,
  // the CLI, serve) do not import one another, and what two of them need lives in src/hosting,
  // which imports no host either; the renderer imports none of them.
  layer('src/engine/**/*.ts', 'The engine is shared by every host and imports none of them (nor src/hosting, which sits above it).', [ELECTRON, MAIN, CLI, SERVE, HOSTING, RENDERER, PRELOAD]),
  layer('src/hosting/**/*.ts', 'src/hosting is what the hosts share: it imports the engine, never a host.', [ELECTRON, MAIN, CLI, SERVE, RENDERER, PRELOAD]),
  layer('src/main/**/*.ts', 'The Electron host imports no other host: what it shares with them lives in src/hosting or the engine.', [CLI, SERVE, RENDERER]),
  layer('src/cli/**/*.ts', 'The CLI runs without Electron and imports no other host (it starts serve as a process).', [ELECTRON, MAIN, SERVE, RENDERER, PRELOAD]),
  layer('src/serve/**/*.ts', 'The serve host runs without Electron and imports no other host.', [ELECTRON, MAIN, CLI, RENDERER, PRELOAD]),
  layer('src/preload/**/*.ts', 'The preload bridges Electron to the renderer through src/shared only.', [MAIN, CLI, SERVE, HOSTING, ENGINE, RENDERER]),
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...nodeImportBan,
          { group: ELECTRON, message: 'The renderer never imports Electron: use window.wfvae from the preload.' },
          { group: [...ENGINE, ...HOSTING, ...MAIN, ...CLI, ...SERVE, 'onnxruntime-node'], message: 'The renderer never imports the engine or a host: use the API in src/shared.' },
        ],
      }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...nodeImportBan,
          { group: [...ELECTRON, ...ENGINE, ...HOSTING, ...MAIN, ...CLI, ...SERVE, ...RENDERER, ...PRELOAD], message: 'The shared contract depends on nothing but zod.' },
        ],
      }],
    },
  },
);
