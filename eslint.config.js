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
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js', 'src/main/engine/video/av-tool.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
  {
    files: ['src/main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'The engine never imports Electron: it is shared by the app, the CLI and serve mode.' },
          { group: ['**/renderer/**', '**/preload/**', '**/cli/**'], message: 'The engine depends on nothing above it.' },
          { group: ['../../main/*', '../index', '**/main/index'], message: 'The engine never imports the Electron wiring.' },
        ],
      }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...nodeImportBan,
          { group: ['electron', 'electron/*'], message: 'The renderer never imports Electron: use window.wfvae from the preload.' },
          { group: ['**/main/**', '**/engine/**', '**/cli/**', 'onnxruntime-node'], message: 'The renderer never imports the engine: use the API in src/shared.' },
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
          { group: ['electron', 'electron/*', '**/main/**', '**/renderer/**', '**/preload/**', '**/cli/**'], message: 'The shared contract depends on nothing but zod.' },
        ],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['electron', 'electron/*'], message: 'The CLI and serve mode run without Electron.' }],
      }],
    },
  },
);
