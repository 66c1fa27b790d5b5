// Checks what the installable app would contain, without downloading the Electron runtime:
// electron-builder --dir (Linux) from electron-builder.yml against a stand-in runtime folder (a
// dummy `electron` script shaped like Electron's dist), then reads app.asar and
// app.asar.unpacked. The fuses hook is left out here (a stand-in has no fuse sentinel; the fuses
// are tested by test/unit/main/fuses.test.ts). Needs dist/ built: node scripts/build.mjs renderer electron.
// Usage: node scripts/package-check.mjs   (npm run package:check)
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');
const asar = require('@electron/asar');
const { build, Platform } = require('electron-builder');

const root = new URL('..', import.meta.url).pathname;
for (const f of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/electron/serialWorker.cjs', 'dist/renderer/index.html']) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run node scripts/build.mjs renderer electron first`);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'vigil-package-check-'));
const standIn = join(work, 'stand-in-electron-dist');
require('node:fs').mkdirSync(standIn);
writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron runtime, not runnable" >&2\nexit 1\n');
chmodSync(join(standIn, 'electron'), 0o755);
writeFileSync(join(standIn, 'LICENSE'), 'stand-in\n');

const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
const problems = [];
if (config.afterPack !== './packaging/fuses.mjs') problems.push('electron-builder.yml: afterPack is not ./packaging/fuses.mjs');
const t0 = Date.now();
try {
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget('dir'),
    config: {
      ...config,
      afterPack: null,
      electronDist: standIn,
      electronVersion: pkg.devDependencies.electron.replace(/^[^\d]*/, ''),
      directories: { ...config.directories, output: join(work, 'out') },
    },
  });
  const resources = join(work, 'out', 'linux-unpacked', 'resources');
  const files = asar.listPackage(join(resources, 'app.asar'), {}).map((f) => f.replace(/\\/g, '/'));
  const unpackedDir = join(resources, 'app.asar.unpacked');
  const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  const unpacked = existsSync(unpackedDir) ? walk(unpackedDir).map((f) => '/' + relative(unpackedDir, f)) : [];
  const extra = walk(resources).filter((f) => !f.includes('app.asar')).map((f) => relative(resources, f));

  for (const f of ['/package.json', '/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/electron/serialWorker.cjs', '/dist/renderer/index.html']) {
    if (!files.includes(f)) problems.push(`app.asar lacks ${f}`);
  }
  if (!unpacked.some((f) => f.includes('/@serialport/bindings-cpp/') && f.endsWith('.node'))) problems.push("serialport's native binding (.node) is not in app.asar.unpacked");
  const all = [...files, ...unpacked];
  for (const f of all) {
    if (/^\/(test|firmware|models|main|renderer|scripts|bench|data)\//.test(f)) problems.push(`source or test file packed: ${f}`);
    if (f.endsWith('.map')) problems.push(`source map packed: ${f}`);
  }
  for (const dev of Object.keys(pkg.devDependencies)) {
    if (all.some((f) => f.startsWith(`/node_modules/${dev}/`))) problems.push(`devDependency packed: ${dev}`);
  }
  // main.cjs requires only these at run time; the renderer's dependencies are bundled by Vite.
  for (const dep of ['serialport', '@serialport/bindings-cpp']) {
    if (!all.some((f) => f.startsWith(`/node_modules/${dep}/`))) problems.push(`dependency missing: ${dep}`);
  }
  for (const dep of ['@tensorflow/tfjs', 'react', 'react-dom', 'dexie']) {
    if (all.some((f) => f.startsWith(`/node_modules/${dep}/`))) problems.push(`renderer-only dependency packed: ${dep}`);
  }
  // Of node_modules only serialport and what it loads (its closure in package-lock.json) may be packed.
  const allowed = serialportClosure();
  const packageOf = (f) => {
    const parts = f.split('/'); // ['', 'node_modules', name or @scope, name in the scope, ...]
    return parts[2].startsWith('@') ? (parts.length > 3 ? `${parts[2]}/${parts[3]}` : null) : parts[2];
  };
  const packed = new Set(all.filter((f) => f.startsWith('/node_modules/')).map(packageOf).filter((n) => n !== null));
  for (const name of packed) if (!allowed.has(name)) problems.push(`package not needed by main.cjs packed: ${name}`);
  const nodeBin = 'firmware/build/host/vigil-node';
  for (const f of extra) {
    if (f.startsWith('firmware/') && f !== nodeBin) problems.push(`firmware output beside the archive: ${f}`);
  }
  const asarBytes = statSync(join(resources, 'app.asar')).size;
  const unpackedBytes = unpacked.reduce((n, f) => n + statSync(join(unpackedDir, f)).size, 0);
  console.log(`package:check: --dir build in ${((Date.now() - t0) / 1000).toFixed(1)} s against a stand-in Electron runtime (no fuses)`);
  console.log(`  app.asar: ${files.length} entries, ${(asarBytes / 1e6).toFixed(1)} MB; app.asar.unpacked: ${unpacked.length} files, ${(unpackedBytes / 1e6).toFixed(1)} MB`);
  console.log(`  unpacked native: ${unpacked.filter((f) => f.endsWith('.node')).join(', ')}`);
  console.log(`  beside the archive: ${extra.join(', ')}`);
  console.log(`  virtual node binary: ${extra.includes(nodeBin) ? 'shipped' : 'NOT shipped (run make -C firmware host before packaging)'}`);
  if (process.env.VIGIL_PACKAGE_LIST) console.log([...files, ...unpacked].join("\n"));
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (problems.length) {
  console.error(`package:check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('package:check: ok');

/** serialport and every package it loads, by package-lock.json (top-level names). */
function serialportClosure() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const find = (from, name) => {
    for (let base = from; ; ) {
      const p = `${base ? base + '/' : ''}node_modules/${name}`;
      if (lock[p]) return p;
      if (!base) return null;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const seen = new Set();
  const visit = (p) => {
    if (!p || seen.has(p)) return;
    seen.add(p);
    const d = lock[p];
    for (const n of Object.keys({ ...d.dependencies, ...d.optionalDependencies })) visit(find(p, n));
  };
  visit('node_modules/serialport');
  return new Set([...seen].map((p) => p.replace(/^node_modules\//, '').split('/node_modules/')[0]));
}
