/**
 * Vite build for the Vigil UI (renderer/).
 *
 * `base: './'` because the Electron shell loads dist/renderer/index.html from file://, where
 * absolute asset URLs ("/assets/...") would point at the filesystem root. The browser-mode host
 * serves the same files from "/", where relative URLs work too.
 *
 * index.html carries a strict Content-Security-Policy meta tag. It fits the *built* output (one
 * module script, one stylesheet file, no inline code). The dev server injects <style> elements
 * and an inline client, which that policy blocks, so use `vite build` output to check CSP.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  // Vite 8 transforms TS/TSX with Oxc; React 19's automatic runtime needs no `import React`.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // Electron 45 (Chromium 140) and current browsers support module preload natively; the
    // polyfill would only add code.
    modulePreload: { polyfill: false },
  },
});
