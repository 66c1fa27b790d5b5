// Shared by the end-to-end tests and the browser benchmarks: Debian's Chromium with the flags this
// machine needs (measured on this project's machines), and the browser-mode host started as `npm start` does.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { DemoRecording } from '../../models/api/contract';
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

export interface PageOptions {
  /** The browser profile folder (a fresh temporary one by default). */
  profile?: string;
  viewport?: { width: number; height: number };
  acceptDownloads?: boolean;
  /** Prefix of the problems this page reports. */
  tag?: string;
  /** Problems are collected only while this says so (default: always). */
  watching?: () => boolean;
}

/**
 * Headless Chromium with a persistent profile and one page, whose console errors and page errors
 * are pushed to `problems` (the tests assert it stays empty).
 */
export async function openPage(problems: string[], o: PageOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(o.profile ?? mkdtempSync(join(tmpdir(), 'vigil-chromium-')), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: o.viewport ?? { width: 1280, height: 900 },
    ...(o.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const tag = o.tag ? `${o.tag} ` : '';
  const watching = o.watching ?? (() => true);
  page.on('console', (m) => {
    if (watching() && m.type() === 'error') problems.push(`${tag}console: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (watching()) problems.push(`${tag}page error: ${e.message}`);
  });
  return { context, page };
}

export interface BrowserHost {
  child: ChildProcess;
  /** The URL with its token, as the host prints it. */
  url: string;
  /** Everything the host has printed so far. */
  output: () => string;
}

/**
 * Starts main/cli/host.ts on a free port; with `demo`, also waits until the demo node streams.
 * Rejects with the host's output when it exits or does not get there within 30 s. The host keeps
 * its pairing keys in $VIGIL_DATA_DIR when the test set one, else in a fresh temporary folder:
 * never in the user's own. `extraArgs` go last (e.g. files to open).
 */
export function startBrowserHost(demo?: DemoRecording, extraArgs: string[] = []): Promise<BrowserHost> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const args = ['--import', tsx, join(ROOT, 'main/cli/host.ts'), ...(demo ? ['--demo', demo] : []), '--no-open', '--port', '0', ...extraArgs];
  const env = { ...process.env, VIGIL_DATA_DIR: process.env.VIGIL_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'vigil-data-')) };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * Drags across a uPlot chart (its .u-over plotting area) at mid height, from `from` to `to` of its
 * width: how a technician selects a time range to label or zoom.
 */
export async function dragAcrossChart(page: Page, chart: Locator, from: number, to: number): Promise<void> {
  const box = (await chart.locator('.u-over').boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * from, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, y, { steps: 5 });
  await page.mouse.up();
}
