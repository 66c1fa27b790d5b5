// The Report page in Chromium (browser mode, real IndexedDB): a demo bundle is imported, the page
// builds the report of its asset in English and in Spanish, and browser mode's PDF request is
// refused by the host, so the page hands over to the browser's print.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';
import { demoBundle } from '../helpers/reportBundle';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Report page in Chromium', () => {
  let host: BrowserHost;
  let a: { context: BrowserContext; page: Page };
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-report-'));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost();
    a = await openPage(problems, { profile: join(work, 'profile'), acceptDownloads: true, tag: 'report' });
  }, 60_000);
  afterAll(async () => {
    await a?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('builds the report of the imported asset in English and Spanish', async () => {
    const { page } = a;
    const bundlePath = join(work, 'demo.vigil');
    writeFileSync(bundlePath, demoBundle());
    await page.goto(host.url + '#/recordings');
    await page.getByTestId('import-bundle').setInputFiles(bundlePath);
    await page.getByTestId('import-preview').waitFor({ timeout: 15_000 });
    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-undo').waitFor({ timeout: 15_000 });

    await page.goto(host.url + '#/report');
    await page.getByTestId('report-page').waitFor();
    await page.getByTestId('report-asset').selectOption({ label: 'Cooling pump P-101' });
    await page.getByTestId('report-from').fill('2026-03-01');
    await page.getByTestId('report-to').fill('2026-03-10');
    await page.getByTestId('report-build').click();
    const preview = page.getByTestId('report-preview');
    await expect.poll(() => preview.evaluate((el) => el.shadowRoot?.textContent ?? ''), { timeout: 15_000 }).toContain('Bearing inner race');
    const en = await preview.evaluate((el) => el.shadowRoot!.textContent!);
    for (const w of ['Maintenance report', 'Cooling pump P-101', 'Event 1: Anomaly alarm', 'Grinding noise at the drive end', 'No deployment is recorded']) expect(en).toContain(w);
    await page.screenshot({ path: join(SHOTS, 'report-en.png'), fullPage: true });
    await page.getByTestId('report-lang').selectOption('es');
    await page.getByTestId('report-build').click();
    await expect.poll(() => preview.evaluate((el) => el.shadowRoot?.textContent ?? ''), { timeout: 15_000 }).toContain('Pista interior del rodamiento');
    expect(await preview.evaluate((el) => el.shadowRoot!.textContent!)).toContain('Informe de mantenimiento');
    // Browser mode: the host does not print; the page calls window.print() instead of showing an error.
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void (window as unknown as { printed: number }).printed++;
    });
    await page.getByRole('button', { name: 'Save PDF' }).click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    expect(await page.getByTestId('report-error').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
