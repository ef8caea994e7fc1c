// electron-vite builds three bundles: main (with the engine session worker as
// its own file), preload, and the renderer. The renderer sources are the same
// ones vite.renderer.config.ts builds for serve mode.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const SHIM_REQUIRE = 'const require = __shims_module__.createRequire(import.meta.url);';
const OWN_REQUIRE = /^(?:var|let|const) require = createRequire\(import\.meta\.url\);\n/m;

/**
 * electron-vite prepends a CommonJS shim declaring `const require` to ESM chunks
 * that call require(); engine modules that declare their own top-level
 * `const require = createRequire(import.meta.url)` then collide ("Identifier
 * 'require' has already been declared"). Both are createRequire of the same
 * chunk, so the module's own declaration is dropped. Runs in generateBundle,
 * after every renderChunk, and also on the worker bundle `?modulePath` emits
 * as an asset.
 */
function dedupeShimRequire(): Plugin {
  const fix = (code: string) => (code.includes(SHIM_REQUIRE) ? code.replace(OWN_REQUIRE, '') : code);
  return {
    name: 'wfvae:dedupe-shim-require',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk') item.code = fix(item.code);
        else if (item.fileName.endsWith('.js') && typeof item.source === 'string') item.source = fix(item.source);
      }
    },
  };
}

/**
 * The video tool runs as its own Node process (src/engine/video/av-tool.mjs),
 * found beside the code that starts it: emit it next to the bundled worker.
 */
function shipAvTool(): Plugin {
  return {
    name: 'wfvae:ship-av-tool',
    apply: 'build',
    generateBundle() {
      const source = readFileSync(resolve(import.meta.dirname, 'src/engine/video/av-tool.mjs'), 'utf8');
      for (const fileName of ['av-tool.mjs', 'chunks/av-tool.mjs']) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}

export default defineConfig({
  main: {
    plugins: [dedupeShimRequire(), shipAvTool()],
    build: {
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/main/index.ts') },
        // Native and binary-carrying packages stay in node_modules.
        external: ['onnxruntime-node', 'node-av'],
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') },
      },
    },
  },
});
