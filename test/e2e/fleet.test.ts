// The Fleet page in Chromium, as a technician sets it up: two demo nodes (the host's, and one
// started from the Nodes page), a tree built by hand (site, line, a machine with its ISO class,
// speed and a bearing from the built-in table, two measurement points), each node placed on a
// point; after a reload the tree is still there and each point says its state in words.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const STATE_WORDS = /^(Healthy|No model: vibration zone only|Alarm: .+|Vibration zone [CD]: .+|Learning normal running \(\d+ %\)|Running in a condition not seen in training)$/;

async function placeNode(point: Locator, nodeName: string): Promise<void> {
  const select = point.getByTestId('fleet-point-node');
  const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
  const hit = options.find((o) => o.text === nodeName);
  if (!hit) throw new Error(`no option "${nodeName}" in ${JSON.stringify(options)}`);
  await select.selectOption(hit.value);
}

describe('Fleet page in Chromium with two demo nodes', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-fleet-')), viewport: { width: 1440, height: 900 } }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('is the first page in the navigation', async () => {
    await page.goto(host.url);
    await page.waitForSelector('[data-testid="nodes-page"]', { timeout: 15_000 });
    const first = page.locator('nav.sidenav a').first();
    expect(await first.textContent()).toBe('Fleet');
    expect(await first.getAttribute('href')).toBe('#/fleet');
  });

  it('starts a second demo node', async () => {
    await page.locator('.demo-starter select').selectOption('cwru-inner-race');
    await page.locator('.demo-starter button').click();
    await page.waitForSelector('[data-testid="live-page"]', { timeout: 20_000 });
    await page.goto(page.url().replace(/#.*$/, '#/nodes'));
    await expect.poll(() => page.locator('[data-testid="node-card"][data-status="online"]').count(), { timeout: 20_000 }).toBe(2);
  });

  it('builds the tree: site, line, machine with a bearing from the table, two points, and places the nodes', async () => {
    await page.locator('nav.sidenav a[href="#/fleet"]').click();
    await page.getByTestId('fleet-page').waitFor();
    await page.getByText('No site yet').waitFor();
    await page.getByTestId('add-site-name').fill('North plant');
    await page.getByTestId('add-site-add').click();
    await page.getByTestId('add-line-North plant-name').fill('Line 1');
    await page.getByTestId('add-line-North plant-add').click();
    await page.getByTestId('add-machine-Line 1-name').fill('Cooling pump P-101');
    await page.getByTestId('add-machine-Line 1-add').click();
    const machine = page.locator('[data-testid="fleet-machine"][data-name="Cooling pump P-101"]');
    await machine.waitFor();
    await machine.locator('[data-testid$="-edit"]').click();
    await machine.locator('[data-testid$="-group"]').selectOption('2');
    await machine.locator('[data-testid$="-foundation"]').selectOption('flexible');
    await machine.locator('[data-testid$="-rpm"]').fill('1797');
    await machine.locator('[data-testid$="-bearing"]').selectOption('skf-6205-2rs');
    // The defect orders of the chosen bearing, from the table in models/analysis/bearings.ts.
    expect(await machine.locator('[data-testid$="-factors"]').textContent()).toContain('BPFI 5.415');
    await machine.locator('[data-testid$="-save"]').click();
    await machine.getByText('Saved.').waitFor();
    for (const name of ['Drive end', 'Fan end']) {
      await page.getByTestId('add-point-Cooling pump P-101-name').fill(name);
      await page.getByTestId('add-point-Cooling pump P-101-add').click();
      await machine.locator(`[data-testid="fleet-point"][data-name="${name}"]`).waitFor();
    }
    await placeNode(machine.locator('[data-testid="fleet-point"][data-name="Drive end"]'), 'demo-cwru-normal');
    await placeNode(machine.locator('[data-testid="fleet-point"][data-name="Fan end"]'), 'demo-cwru-inner-race');
    await page.getByText('Every known node is placed.').waitFor();
    await page.waitForTimeout(2500);
    await page.screenshot({ path: join(SHOTS, 'fleet-built.png'), fullPage: true });
  });

  it('keeps the tree after a reload, and each placed node says its state in words', async () => {
    await page.reload();
    await page.getByTestId('fleet-page').waitFor({ timeout: 15_000 });
    const machine = page.locator('[data-testid="fleet-machine"][data-name="Cooling pump P-101"]');
    await machine.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="fleet-site"]').getAttribute('data-name')).toBe('North plant');
    expect(await page.locator('[data-testid="fleet-line"]').getAttribute('data-name')).toBe('Line 1');
    const summary = await machine.getByTestId('fleet-machine-summary').textContent();
    expect(summary).toContain('Group 2, flexible');
    expect(summary).toContain('1,797 rpm');
    expect(summary).toContain('SKF 6205-2RS');
    expect(await machine.locator('[data-testid="fleet-point"]').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-name')))).toEqual(['Drive end', 'Fan end']);
    const drive = machine.locator('[data-testid="fleet-point"][data-name="Drive end"]');
    const fan = machine.locator('[data-testid="fleet-point"][data-name="Fan end"]');
    const nodeOf = async (p: Locator) => (await p.getByTestId('fleet-point-node').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent)) ?? '';
    expect(await nodeOf(drive)).toBe('demo-cwru-normal');
    expect(await nodeOf(fan)).toBe('demo-cwru-inner-race');
    // Online and streaming: a state in words (not "offline", not "no node"), and a vibration zone with its meaning.
    for (const p of [drive, fan]) {
      const state = p.getByTestId('fleet-point-state');
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toMatch(STATE_WORDS);
      await expect.poll(() => p.getByTestId('fleet-point-zone').textContent(), { timeout: 15_000 }).toMatch(/^Zone [ABCD]: .+ · \d+\.\d\d mm\/s$/);
    }
    expect(await machine.getByTestId('fleet-machine-state').textContent()).toMatch(STATE_WORDS);
    // No link counters on the fleet rows: those stay on the Nodes page.
    expect(await page.getByTestId('fleet-page').textContent()).not.toMatch(/CRC|bytes|frames dropped/i);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(SHOTS, 'fleet-reloaded.png'), fullPage: true });
  });

  it('draws a placed node\'s live analysis with its machine\'s zones (group 2, flexible)', async () => {
    await page.goto(page.url().replace(/#.*$/, '#/live'));
    const card = page.locator('[data-testid="live-card"]').filter({ hasText: 'demo-cwru-normal' });
    await card.getByTestId('open-node-analysis').click({ timeout: 20_000 });
    const source = page.getByTestId('an-zone-source');
    await expect.poll(() => source.textContent(), { timeout: 10_000 }).toBe('Zones of machine Cooling pump P-101 (point Drive end): group 2, flexible foundation, as set on the Fleet page.');
    expect(await page.getByTestId('an-group').count()).toBe(0);
    await expect.poll(async () => Number(await page.getByTestId('an-velocity').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, 'analysis-live-placed.png'), fullPage: true });
    // Back where the next steps start.
    await page.goto(page.url().replace(/#.*$/, '#/fleet'));
    await page.locator('[data-testid="fleet-machine"][data-name="Cooling pump P-101"]').waitFor({ timeout: 10_000 });
  });

  it('sends the machine\'s shaft speed to its nodes only on the button', async () => {
    const machine = page.locator('[data-testid="fleet-machine"][data-name="Cooling pump P-101"]');
    await machine.locator('[data-testid$="-edit"]').click();
    await machine.locator('[data-testid$="-send-speed"]').click();
    await machine.getByText('Shaft speed sent to 2 nodes.').waitFor({ timeout: 15_000 });
    await page.goto(page.url().replace(/#.*$/, '#/nodes'));
    await page.locator('[data-testid="node-card"]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'fleet-nodes-detail.png'), fullPage: true });
  });

  it('shows a stopped node as offline, known from its stored recording', async () => {
    const card = page.locator('[data-testid="node-card"]', { hasText: 'demo-cwru-inner-race' });
    await card.locator('button', { hasText: 'Stop demo' }).click();
    await expect.poll(() => page.locator('[data-testid="node-card"]').count(), { timeout: 15_000 }).toBe(1);
    await page.locator('nav.sidenav a[href="#/fleet"]').click();
    const fan = page.locator('[data-testid="fleet-point"][data-name="Fan end"]');
    await expect.poll(() => fan.getByTestId('fleet-point-state').textContent(), { timeout: 10_000 }).toBe('Offline: no data now');
    expect(await fan.getByTestId('fleet-point-node').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent)).toBe('demo-cwru-inner-race (from stored recordings)');
    expect(await fan.getByTestId('fleet-point-meta').textContent()).toMatch(/^Seen \d\d:\d\d:\d\d · Firmware \d+\.\d+\.\d+$/);
    expect(await page.locator('[data-testid="fleet-machine"][data-name="Cooling pump P-101"] [data-testid="fleet-machine-state"]').getAttribute('data-kind')).toBe('offline');
    await page.screenshot({ path: join(SHOTS, 'fleet-offline.png'), fullPage: true });
  });

  it('reads without clutter with ten measurement points, in English and in Spanish', async () => {
    await page.locator('nav.sidenav a[href="#/fleet"]').click();
    await page.getByTestId('add-machine-Line 1-name').fill('Cooling tower fan F-7');
    await page.getByTestId('add-machine-Line 1-add').click();
    const fan = page.locator('[data-testid="fleet-machine"][data-name="Cooling tower fan F-7"]');
    await fan.waitFor();
    for (let i = 1; i <= 8; i++) {
      await page.getByTestId('add-point-Cooling tower fan F-7-name').fill(`Point ${i}`);
      await page.getByTestId('add-point-Cooling tower fan F-7-add').click();
      await fan.locator(`[data-testid="fleet-point"][data-name="Point ${i}"]`).waitFor();
    }
    expect(await page.locator('[data-testid="fleet-point"]').count()).toBe(10);
    // One compact row per point: none taller than two lines of text.
    const heights = await page.locator('[data-testid="fleet-point"]').evaluateAll((ps) => ps.map((p) => p.getBoundingClientRect().height));
    for (const h of heights.slice(2)) expect(h).toBeLessThan(60);
    expect(await fan.getByTestId('fleet-machine-state').getAttribute('data-kind')).toBe('unplaced');
    await page.screenshot({ path: join(SHOTS, 'fleet-ten.png'), fullPage: true });
    await page.getByTestId('language').selectOption('es');
    await page.locator('nav.sidenav a[href="#/fleet"]', { hasText: 'Planta' }).waitFor();
    await page.getByRole('heading', { name: 'Planta' }).waitFor();
    await expect.poll(() => page.locator('[data-testid="fleet-machine"][data-name="Cooling tower fan F-7"] [data-testid="fleet-machine-state"]').textContent()).toBe('Ningún nodo colocado');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(SHOTS, 'fleet-es.png'), fullPage: true });
  });

  it('raised no console error', () => {
    expect(problems).toEqual([]);
  });
});
