// End to end, as a technician would do it: two virtual nodes (the firmware's host build on
// pseudo-terminals) connected and paired on the Nodes page, then on the Deploy page a model file
// opened and sent with a canary (the second node starts only after the first confirms), a newer
// model sent to both, one node rolled back to the model before; the Live card and the history show
// what the nodes say they run. Headless Chromium through playwright-core; screenshots in
// test-output/e2e.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';
import { defaultModelBlob, modelFileWithVersion } from '../helpers/modelImage';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Deploy page: canary, rollout, rollback (two virtual nodes)', () => {
  let host: BrowserHost;
  let nodes: VirtualNode[];
  let context: BrowserContext;
  let page: Page;
  let files: string[];
  const problems: string[] = [];
  const card = (n: VirtualNode) => page.locator(`[data-testid="node-card"][data-path="${n.path}"]`);
  const row = (n: VirtualNode) => page.locator(`[data-testid="deploy-row"][data-path="${n.path}"]`);
  const go = (route: string) => page.goto(host.url.replace(/\/\?token=.*$/, `/#/${route}`));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-deploy-'));
    process.env.VIGIL_DATA_DIR = join(dir, 'data');
    const base = defaultModelBlob(ROOT);
    files = [2, 3].map((v) => {
      const f = join(dir, `pump-model-v${v}.vgm`);
      writeFileSync(f, modelFileWithVersion(base, v));
      return f;
    });
    const vn = (i: number) => startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: `deploy-${i}`, store: join(dir, `store-${i}`) });
    [host, ...nodes] = await Promise.all([startBrowserHost(), vn(0), vn(1)]);
    ({ context, page } = await openPage(problems));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    for (const n of nodes ?? []) await n.stop();
    host?.child.kill('SIGTERM');
  });

  it('connects and pairs both nodes', async () => {
    await page.goto(host.url);
    for (const [i, n] of nodes.entries()) {
      await page.getByTestId('connect-path').fill(n.path);
      await page.getByTestId('connect-path').press('Enter');
      await expect.poll(() => card(n).getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
      await card(n).getByTestId('pair-open').click();
      await card(n).getByTestId('pair-name').fill(i === 0 ? 'Pump 1 (canary)' : 'Pump 2');
      await card(n).getByTestId('pair-confirm').click();
      await expect.poll(() => card(n).getByTestId('pair-state').textContent(), { timeout: 10_000 }).toMatch(/^Paired — key held/);
    }
  }, 60_000);

  it('deploys version 2 with a canary: the second node starts only after the first confirms', async () => {
    await go('deploy');
    await page.getByLabel('Open a model file').setInputFiles(files[0]);
    for (const n of nodes) await page.locator(`[data-testid="deploy-node"][data-path="${n.path}"]`).check();
    await page.getByTestId('deploy-canary').selectOption(nodes[0].path);
    await page.getByTestId('deploy-start').click();
    await expect.poll(() => page.getByTestId('deploy-note').textContent()).toMatch(/Canary first: Pump 1 \(canary\)/);
    for (const n of nodes) await expect.poll(() => row(n).getAttribute('data-state'), { timeout: 60_000 }).toBe('confirmed');
    await expect.poll(() => page.getByTestId('deploy-note').textContent()).toBe('The rollout has ended.');
    // The history (IndexedDB deployments): the second node started after the canary confirmed.
    const rows = await page.evaluate(
      () =>
        new Promise<{ nodeName: string; status: string; createdMs: number; updatedMs: number; modelVersion: number; actor: string; runningVersion: number | null }[]>((resolve, reject) => {
          const req = indexedDB.open('vigil');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const all = req.result.transaction('deployments').objectStore('deployments').getAll();
            all.onsuccess = () => resolve(all.result);
            all.onerror = () => reject(all.error);
          };
        }),
    );
    const canary = rows.find((r) => r.nodeName === 'Pump 1 (canary)')!;
    const other = rows.find((r) => r.nodeName === 'Pump 2')!;
    expect(canary).toMatchObject({ status: 'confirmed', modelVersion: 2, runningVersion: 2 });
    expect(other).toMatchObject({ status: 'confirmed', modelVersion: 2, runningVersion: 2 });
    expect(other.createdMs).toBeGreaterThanOrEqual(canary.updatedMs);
    await page.screenshot({ path: join(SHOTS, 'deploy-canary.png'), fullPage: true });
  }, 90_000);

  it('deploys version 3 to both, rolls one back to version 2; the Live page shows what each runs', async () => {
    await page.getByLabel('Open a model file').setInputFiles(files[1]);
    await page.getByTestId('deploy-canary').selectOption('');
    await page.getByTestId('deploy-start').click();
    for (const n of nodes) await expect.poll(() => row(n).locator('td').nth(3).textContent(), { timeout: 60_000 }).toBe('model 3');
    await row(nodes[1]).getByTestId('rollback').click();
    await expect.poll(() => row(nodes[1]).getAttribute('data-state'), { timeout: 20_000 }).toBe('rolled-back');
    await expect.poll(() => row(nodes[1]).locator('td').nth(3).textContent(), { timeout: 10_000 }).toBe('model 2');
    await expect.poll(() => page.getByTestId('deploy-history').locator('tbody tr').count()).toBe(5);
    await page.screenshot({ path: join(SHOTS, 'deploy-rollback.png'), fullPage: true });
    await go('live');
    const model = (n: VirtualNode) => page.locator(`[data-testid="live-card"][data-path="${n.path}"] [data-testid="running-model"]`).textContent();
    await expect.poll(() => model(nodes[0]), { timeout: 10_000 }).toBe('Model 3 (slot 1)');
    await expect.poll(() => model(nodes[1]), { timeout: 10_000 }).toMatch(/^Model 2 \(slot \d\)$/);
    await page.screenshot({ path: join(SHOTS, 'deploy-live.png'), fullPage: false });
  }, 90_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
