// Opening files with the app, in Chromium through the browser-mode host: `npm start -- FILE ...`
// hands the host a dataset bundle, a model and two files it must refuse, as a double-click hands
// them to the desktop app (main/files/openedFiles.ts). The page shows the refusals, opens the
// bundle's import preview (and imports it), keeps the model waiting meanwhile, then adds the model
// to the model store on the Training page.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';
import { demoBundle } from '../helpers/reportBundle';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Opening a .vigil bundle and a .vgm model with the app (browser mode, real Chromium)', () => {
  let host: BrowserHost;
  let b: { context: BrowserContext; page: Page };
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-open-'));
  const bundle = join(work, 'site P-101.vigil');
  const model = join(work, 'pump model.vgm');

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(bundle, demoBundle());
    copyFileSync(join(ROOT, 'renderer/public/models/default.vgm'), model);
    writeFileSync(join(work, 'notes.txt'), 'not a Vigil file');
    host = await startBrowserHost(undefined, [bundle, model, join(work, 'gone.vigil'), '--', join(work, 'notes.txt')]);
    // The host checks the files after it prints its address; wait until it has, so the page finds
    // them with files.opened when it starts (a file opened later arrives as file.opened).
    const t0 = Date.now();
    while (!/Opening pump model\.vgm \(model\) in the page/.test(host.output())) {
      if (Date.now() - t0 > 15_000) throw new Error(`the host did not open the files:\n${host.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    b = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-open-profile-')) });
  }, 60_000);

  afterAll(async () => {
    await b?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('the host says which files it opens and why it refuses the others', () => {
    const out = host.output();
    expect(out).toMatch(/Opening site P-101\.vigil \(dataset bundle\) in the page/);
    expect(out).toMatch(/vigil: not opened: "gone\.vigil" does not exist/);
    expect(out).toMatch(/vigil: not opened: Vigil opens dataset bundles \(\.vigil\) and models \(\.vgm\); "notes\.txt" is neither\./);
  });

  it('opens the import preview of the bundle, says why two files were not opened, and keeps the model waiting', async () => {
    const { page } = b;
    await page.goto(host.url);
    await page.getByTestId('import-preview').waitFor({ timeout: 20_000 });
    expect(page.url()).toMatch(/#\/recordings$/);
    expect(await page.getByTestId('import-preview').textContent()).toMatch(/The bundle site P-101\.vigil from .* will:/);
    expect(await page.getByTestId('preview-adds').textContent()).toMatch(/^add 5 recordings, .*1 labels, 2 events/);
    const lines = page.getByTestId('opened-file-status');
    await expect.poll(() => lines.allTextContents(), { timeout: 10_000 }).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Not opened: "gone\.vigil" does not exist/),
        expect.stringMatching(/Not opened: Vigil opens dataset bundles .*"notes\.txt" is neither/),
        expect.stringMatching(/pump model\.vgm is waiting: add it on the Training page once the file open now is done/),
      ]),
    );
    await page.screenshot({ path: join(SHOTS, 'open-file-bundle.png'), fullPage: true });
    await page.getByTestId('import-apply').click();
    await expect.poll(() => page.getByTestId('exchange-message').textContent(), { timeout: 15_000 }).toMatch(/^Imported the bundle from .*5 recordings/);
    await expect.poll(() => page.getByTestId('recording-row').count(), { timeout: 10_000 }).toBe(5);
  });

  it('adds the waiting model to the model store on the Training page, once', async () => {
    const { page } = b;
    await page.goto(page.url().replace(/#.*$/, '#/training'));
    await page.getByTestId('opened-model').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('opened-model').textContent()).toMatch(/Add the model pump model\.vgm\?.*model v1.*autoencoder 64-32-8-32-64.*48000 Hz, window 1024, hop 512, 32 bands.*self-test passes/s);
    // The waiting line went when the Training page took the model; the refusals stay until dismissed.
    await expect.poll(() => page.getByTestId('opened-file-status').allTextContents()).not.toContainEqual(expect.stringMatching(/is waiting/));
    await page.screenshot({ path: join(SHOTS, 'open-file-model.png'), fullPage: true });
    // A change of language remounts the pages: the model waiting for Add or Cancel stays on screen.
    await page.getByTestId('language').selectOption('es');
    await expect.poll(() => page.getByTestId('opened-model').textContent(), { timeout: 10_000 }).toMatch(/pump model\.vgm/);
    expect(await page.getByTestId('opened-model-add').textContent()).not.toMatch(/^Add/);
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.getByTestId('opened-model-add').textContent(), { timeout: 10_000 }).toMatch(/^Add/);
    await page.getByTestId('opened-model-add').click();
    await expect.poll(() => page.getByTestId('opened-model-message').textContent(), { timeout: 10_000 }).toMatch(/^Added pump model\.vgm to the model store as v1\./);
    await page.getByTestId('model-v1').waitFor();
    expect(await page.getByTestId('model-v1').textContent()).toMatch(/Opened from pump model\.vgm\./);
    const dismiss = page.getByTestId('opened-file-status').getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    expect(await page.getByTestId('opened-file-status').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
