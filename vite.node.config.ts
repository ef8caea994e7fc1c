// The CLI as plain JavaScript for Node (`npm run build:node`, part of `npm run
// build`): what `npm pack`, the bundle and the container ship, and what the
// tests run through bin/wfvae.mjs. One flat folder, out/node, so every file the
// engine starts lies beside the code that starts it (src/engine/package-files.ts):
//   cli.js      the CLI (src/cli/main.ts)
//   serve.js    the serve host, started by `wfvae serve` (src/serve/main.ts)
//   worker.js   the engine worker, in its session and compute roles (src/engine/session/worker.ts)
//   av-tool.mjs the video tool, run by Node as a child process (copied as it is)
//   *-[hash].js chunks they share
// onnxruntime-node and node-av (native code, found at run time wherever npm
// put them) stay outside; everything else, zod included, is bundled.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const root = import.meta.dirname;
const NATIVE = ['onnxruntime-node', 'node-av'];

function shipAvTool(): Plugin {
  return {
    name: 'wfvae:ship-av-tool',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'av-tool.mjs', source: readFileSync(resolve(root, 'src/engine/video/av-tool.mjs'), 'utf8') });
    },
  };
}

export default defineConfig({
  // No .env files, no public folder: this is a Node program.
  envDir: false,
  publicDir: false,
  logLevel: 'warn',
  plugins: [shipAvTool()],
  ssr: { target: 'node', noExternal: true },
  build: {
    ssr: true,
    outDir: resolve(root, 'out/node'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    reportCompressedSize: false,
    copyPublicDir: false,
    rolldownOptions: {
      input: {
        cli: resolve(root, 'src/cli/main.ts'),
        serve: resolve(root, 'src/serve/main.ts'),
        worker: resolve(root, 'src/engine/session/worker.ts'),
      },
      external: [...NATIVE.flatMap((m) => [m, new RegExp(`^${m}/`)]), ...builtinModules, /^node:/],
      output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
});
