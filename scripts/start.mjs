#!/usr/bin/env node
// npm start [-- --demo [cwru-normal|cwru-inner-race]] [--browser] [--port N] [--no-open]
// Opens the Electron app when its binary is available and a display exists; otherwise says why in
// one line and serves browser mode on 127.0.0.1 (main/cli/host.ts), printing the URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

if (!existsSync(join(root, 'node_modules'))) {
  console.error('vigil: dependencies are not installed; run scripts/setup.sh (or npm ci) first');
  process.exit(1);
}

const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

function electronBinary() {
  // require('electron') downloads the binary on first use; offline, that fails quickly.
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0 && r.stdout && existsSync(r.stdout)) return { path: r.stdout };
  return { why: 'its binary is not downloaded and could not be fetched (offline?)' };
}

let reason;
if (args.includes('--browser')) reason = 'browser mode was asked for';
else if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) reason = 'there is no display';
let electron;
if (!reason) {
  const e = electronBinary();
  if (e.path) electron = e.path;
  else reason = e.why;
}

let child;
if (electron) {
  child = spawn(electron, [join(root, 'dist/electron/main.cjs'), ...args], { cwd: root, stdio: 'inherit' });
} else {
  console.log(`Electron is not available (${reason}): serving Vigil in browser mode instead.`);
  const require = createRequire(import.meta.url);
  const tsx = require.resolve('tsx');
  child = spawn(process.execPath, ['--import', tsx, join(root, 'main/cli/host.ts'), ...args], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
