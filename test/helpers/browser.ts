// Shared by the end-to-end tests and the browser benchmarks: Debian's Chromium with the flags this
// machine needs (docs: ../shared/DESIGN.md), and the browser-mode host started as `npm start` does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DemoRecording } from '../../main/api/contract';
import { ROOT } from './firmware';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserHost {
  child: ChildProcess;
  /** The URL with its token, as the host prints it. */
  url: string;
  /** Everything the host has printed so far. */
  output: () => string;
}

/**
 * Starts main/cli/host.ts on a free port; with `demo`, also waits until the demo node streams.
 * Rejects with the host's output when it exits or does not get there within 30 s.
 */
export function startBrowserHost(demo?: DemoRecording): Promise<BrowserHost> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const args = ['--import', tsx, join(ROOT, 'main/cli/host.ts'), ...(demo ? ['--demo', demo] : []), '--no-open', '--port', '0'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start${demo ? ' the demo node' : ''} within 30 s:\n${out}`)), 30_000);
    const check = setInterval(() => {
      const m = /Vigil \(browser mode\): (\S+)/.exec(out);
      if (m && (!demo || /Demo node .* streaming/.test(out))) {
        clearTimeout(timer);
        clearInterval(check);
        resolve({ child, url: m[1], output: () => out });
      } else if (child.exitCode !== null || /did not start/.test(out)) {
        clearTimeout(timer);
        clearInterval(check);
        reject(new Error(`host failed:\n${out}`));
      }
    }, 50);
  });
}
