// The renderer as a plain web app for serve mode (`wfvae serve`): same
// sources as the Electron renderer, built into out/renderer-web. The page
// finds no window.wfvae there and talks HTTP to the serve process instead.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: resolve(import.meta.dirname, 'src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer-web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
