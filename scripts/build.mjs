#!/usr/bin/env node
// Builds what the app runs: the renderer (Vite -> dist/renderer), the Electron main and preload
// bundles (esbuild -> dist/electron), and the virtual node (make -C firmware host).
// Usage: node scripts/build.mjs [renderer] [electron] [firmware]   (default: all three)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const all = wanted.length === 0;

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    console.error(`build: ${what} failed${r.error ? `: ${r.error.message}` : ''}`);
    process.exit(1);
  }
}

if (all || wanted.includes('firmware')) run('make', ['-s', '-C', 'firmware', 'host'], 'the virtual node (make -C firmware host)');
if (all || wanted.includes('renderer')) run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn', ...(process.env.VIGIL_NO_MINIFY ? ['--minify', 'false'] : [])], 'the renderer (vite build)');
if (all || wanted.includes('electron')) {
  const esbuild = await import('esbuild');
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', external: ['electron', 'serialport', 'ws'] };
  await esbuild.build({ ...common, entryPoints: [join(root, 'main/electron/main.ts')], outfile: join(root, 'dist/electron/main.cjs') });
  // A sandboxed preload may only require('electron'): everything else is bundled in.
  await esbuild.build({ ...common, entryPoints: [join(root, 'main/electron/preload.ts')], outfile: join(root, 'dist/electron/preload.cjs') });
  // The serial reader thread (main/transport/serialThread.ts) runs from a file of its own.
  await esbuild.build({ ...common, entryPoints: [join(root, 'main/transport/serialWorker.ts')], outfile: join(root, 'dist/electron/serialWorker.cjs') });
}
