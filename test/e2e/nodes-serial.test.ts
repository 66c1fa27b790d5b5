// End to end over the cable, as a technician would do it: the browser-mode host, a virtual node
// (the firmware's host build on a pseudo-terminal) connected by typing its path, then Pair (with a
// name), a configuration change (and a refused one, shown in plain words), raw streaming turned on
// and seen as a waveform on the Live page. Headless Chromium through playwright-core.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Nodes page over the cable: pair, configure, stream (virtual node)', () => {
  let host: BrowserHost;
  let node: VirtualNode;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const card = () => page.locator(`[data-testid="node-card"][data-path="${node.path}"]`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-serial-'));
    process.env.VIGIL_DATA_DIR = join(dir, 'data'); // the host's key store: not the user's
    [host, node] = await Promise.all([startBrowserHost(), startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'bench-vnode', store: join(dir, 'store') })]);
    ({ context, page } = await openPage(problems));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await node?.stop();
    host?.child.kill('SIGTERM');
  });

  it('connects the node by path and shows its link, protocol and capabilities', async () => {
    await page.goto(host.url);
    await page.getByTestId('connect-path').fill(node.path);
    await page.getByTestId('connect-path').press('Enter');
    await expect.poll(() => card().getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
    await expect.poll(() => card().getByTestId('link-kind').textContent()).toBe('Cable');
    await expect.poll(() => card().getByTestId('protocol').textContent()).toMatch(/^1\.4/);
    await expect.poll(() => card().getByTestId('pair-state').textContent()).toBe('Not paired');
    // Browser-mode Chromium without the experimental flag: the button says why it is unavailable.
    const hasBt = await page.evaluate(() => 'bluetooth' in navigator);
    if (!hasBt) {
      expect(await page.getByTestId('ble-connect').isDisabled()).toBe(true);
      expect(await page.getByTestId('ble-unavailable').textContent()).toMatch(/no Web Bluetooth/);
    }
  });

  it('pairs the node with a name; the card then says the key is held here', async () => {
    await card().getByTestId('pair-open').click();
    await card().getByTestId('pair-name').fill('Pump 3 DE');
    await card().getByTestId('pair-confirm').click();
    await expect.poll(() => card().getByTestId('pair-state').textContent(), { timeout: 10_000 }).toMatch(/^Paired — key held by this workstation \(key id [0-9a-f]{8}\)$/);
    await expect.poll(() => card().locator('h4').textContent(), { timeout: 10_000 }).toBe('Pump 3 DE');
    // Pairing again warns that it replaces the key.
    await card().getByTestId('pair-open').click();
    expect(await card().getByTestId('pair-replace-warning').textContent()).toMatch(/replaces its key/);
    expect(await card().getByTestId('pair-confirm').textContent()).toBe('Replace the key and pair');
    await card().getByRole('button', { name: 'Cancel' }).click();
  });

  it('changes the configuration; a value out of range is explained in plain words before it is sent', async () => {
    const cfg = card().getByTestId('config-section');
    await expect.poll(() => cfg.getByTestId('config-shaft').count(), { timeout: 10_000 }).toBe(1);
    await cfg.getByTestId('config-shaft').fill('29.95');
    await cfg.getByTestId('config-range').selectOption('8');
    await cfg.getByTestId('config-apply').click();
    await expect.poll(() => cfg.getByTestId('config-saved').textContent(), { timeout: 10_000 }).toMatch(/Stored on the node/);
    await cfg.getByTestId('config-read').click();
    await expect.poll(() => cfg.getByTestId('config-shaft').inputValue(), { timeout: 10_000 }).toMatch(/^29\.9\d*/);
    expect(await cfg.getByTestId('config-range').inputValue()).toBe('8');
    // Checked before sending: a hop longer than the window.
    await cfg.getByTestId('config-hop').fill('5000');
    await cfg.getByTestId('config-apply').click();
    await expect.poll(() => cfg.getByRole('alert').allTextContents()).toContainEqual(expect.stringMatching(/Hop: a whole number of samples from 1 to the window length/));
    await cfg.getByRole('button', { name: 'Undo changes' }).click();
  });

  it('shows a power estimate that follows the hop being edited (docs/power.md)', async () => {
    const cfg = card().getByTestId('config-section');
    const line = cfg.getByTestId('power-line');
    await expect.poll(() => line.textContent(), { timeout: 10_000 }).toMatch(/^Power estimate: [\d.,]+ mA average \([\d,]+ mW\), about [\d,]+ h \([\d.,]+ d\) on 2,600 mAh$/);
    const before = await line.textContent();
    const hop = await cfg.getByTestId('config-hop').inputValue();
    await cfg.getByTestId('config-hop').fill(String(Math.max(1, Math.floor(Number(hop) / 8))));
    await expect.poll(() => line.textContent()).not.toBe(before);
    const mA = (s: string | null) => Number(/([\d.,]+) mA/.exec(s ?? '')?.[1].replace(/,/g, ''));
    expect(mA(await line.textContent())).toBeGreaterThan(mA(before)); // more windows a second cost more
    await cfg.getByTestId('power-details').locator('summary').click();
    expect(await cfg.getByTestId('power-radio').textContent()).toBe('0.00 mA'); // the cable: no radio
    expect(await cfg.getByTestId('power-sources').textContent()).toContain('DS8626');
    expect(await cfg.getByTestId('power-board').textContent()).toMatch(/for an STM32F405 node .* runs the host build/);
    await cfg.getByRole('button', { name: 'Undo changes' }).click();
    await expect.poll(() => line.textContent()).toBe(before);
  });

  it('turns raw streaming on and shows the waveform on the Live page', async () => {
    const st = card().getByTestId('stream-section');
    await st.getByTestId('stream-raw').check();
    await st.getByTestId('stream-decimation').fill('4');
    await st.getByTestId('stream-apply').click();
    await expect.poll(() => st.getByTestId('stream-current').textContent(), { timeout: 10_000 }).toBe('Now: features + raw 1 in 4');
    await card().getByTestId('ping').click();
    await expect.poll(() => card().getByTestId('ping-rtt').textContent(), { timeout: 10_000 }).toMatch(/ms round trip/);
    await expect.poll(() => card().getByTestId('time-offset').textContent(), { timeout: 10_000 }).toMatch(/^stream time 0 = \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    await page.screenshot({ path: join(SHOTS, 'nodes-serial.png'), fullPage: true });

    await page.goto(host.url.replace(/\/\?token=.*$/, '/#/live'));
    const raw = page.locator(`[data-testid="live-card"][data-path="${node.path}"] [data-testid="raw-chart"]`);
    await expect.poll(async () => Number(await raw.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThanOrEqual(1000);
    await expect.poll(() => page.getByTestId('axis-table').count()).toBe(1);
    await expect.poll(() => page.getByTestId('node-log').count(), { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, 'live-raw.png'), fullPage: true });

    // While recording, the raw stream also feeds the scheduled raw snapshot (1 s at the start of the
    // raw stream, docs/storage.md): it lands in IndexedDB at 12 kHz (48 kHz / 4), in g.
    const snapshots = () =>
      page.evaluate(
        () =>
          new Promise<{ reason: string; sampleRateHz: number; count: number; axisCount: number; peak: number }[]>((resolve, reject) => {
            const req = indexedDB.open('vigil');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const all = req.result.transaction('rawSnapshots').objectStore('rawSnapshots').getAll();
              all.onsuccess = () =>
                resolve(
                  (all.result as { reason: string; sampleRateHz: number; count: number; axisCount: number; samples: Float32Array }[]).map((r) => ({
                    reason: r.reason,
                    sampleRateHz: r.sampleRateHz,
                    count: r.count,
                    axisCount: r.axisCount,
                    peak: r.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
                  })),
                );
              all.onerror = () => reject(all.error);
            };
          }),
      );
    await expect.poll(async () => (await snapshots()).length, { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    const [snap] = await snapshots();
    expect(snap).toMatchObject({ reason: 'schedule', sampleRateHz: 12_000, count: 12_000, axisCount: 2 });
    // The CWRU healthy recording peaks at a few tenths of a g: real samples, scaled, not counts.
    expect(snap.peak).toBeGreaterThan(0.05);
    expect(snap.peak).toBeLessThan(2);
  });

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
