// What a technician hit (issue 13, point 7), tried in Chromium on the inner-race demo node, whose
// factory model raises an alarm that stays on: the card says "Online · alarm" and reconciles the
// ISO zone with it; a range dragged on the chart opens the label form with Save in view; leaving
// with the label unsaved asks first (the side nav, and a reload); the saved label records the alarm,
// and the alarm list and the Events page say so; the Nodes page shows the health too.
// Screenshots in test-output/e2e/techfix-*.png.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, dragAcrossChart, openPage, startBrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const NODE = 'demo-cwru-inner-race';
const VIEW = { width: 1280, height: 800 };

describe('A technician labels an alarm on the Live page (Chromium, demo inner-race node)', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const go = (route: string) => page.goto(host.url.replace(/\/\?token=.*$/, `/#/${route}`));
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `techfix-${name}.png`) });
  const card = () => page.locator('[data-testid="live-card"]', { hasText: NODE });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost();
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-techfix-')), viewport: VIEW }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('shows "Online · alarm" in red, and words that reconcile the ISO zone with the alarm', async () => {
    await page.goto(host.url);
    await page.locator('nav.sidenav').waitFor({ timeout: 15_000 });
    await go('live');
    await page.getByTestId('live-page').waitFor({ timeout: 15_000 });
    await page.locator('.demo-starter select').selectOption('cwru-inner-race');
    await page.getByTestId('start-demo').click();
    await card().getByTestId('alarm-state').waitFor({ timeout: 45_000 });
    const health = card().getByTestId('node-health');
    await expect.poll(() => health.getAttribute('data-kind'), { timeout: 10_000 }).toBe('alarm');
    expect(await health.textContent()).toBe('Online · alarm');
    expect(await health.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(163, 27, 27)');
    const words = card().getByTestId('zone-words');
    await words.waitFor({ timeout: 10_000 });
    const zone = await words.getAttribute('data-zone');
    if (zone === 'A') expect(await words.textContent()).toContain('Vibration level is low (zone A) but its pattern is unusual: the anomaly alarm looks at the pattern, not the level');
    else expect(await words.textContent()).toMatch(/^Vibration level is (acceptable|high) \(zone [B-D]\)/);
    await page.screenshot({ path: join(SHOTS, 'techfix-1-live-alarm.png'), fullPage: true });
  }, 60_000);

  it('opens the label form with its Save button in view, and asks before leaving it unsaved', async () => {
    const chart = card().getByTestId('rms-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(300);
    await chart.scrollIntoViewIfNeeded();
    await dragAcrossChart(page, chart, 0.05, 0.95);
    const form = card().getByTestId('label-form');
    await form.waitFor();
    // Save is on screen without the technician scrolling.
    await expect
      .poll(async () => {
        const b = await form.getByTestId('label-save').boundingBox();
        return !!b && b.y >= 0 && b.y + b.height <= VIEW.height;
      })
      .toBe(true);
    await shot('2-label-form');

    // The side nav: the page stays, and asks.
    await page.locator('nav.sidenav a[href="#/nodes"]').click();
    const dialog = page.getByTestId('unsaved-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('This label is not saved');
    expect(await dialog.textContent()).toContain(`If you leave this page now, this is lost: Label`);
    expect(page.url()).toMatch(/#\/live$/);
    await shot('3-unsaved-dialog');
    await page.getByTestId('unsaved-keep').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await form.isVisible()).toBe(true);
    expect(await page.getByTestId('live-page').isVisible()).toBe(true);

    // A reload: the browser asks (beforeunload); dismissed, the form is still there.
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => void d.dismiss().then(() => resolve(d.type()))));
    await page.evaluate(() => setTimeout(() => location.reload(), 0));
    expect(await asked).toBe('beforeunload');
    expect(await form.isVisible()).toBe(true);

    // Discard and leave: on the Nodes page, the form gone.
    await page.locator('nav.sidenav a[href="#/events"]').click();
    await dialog.waitFor();
    await page.getByTestId('unsaved-discard').click();
    await page.getByTestId('events-page').waitFor();
    await go('live');
    await card().waitFor({ timeout: 15_000 });
    expect(await card().getByTestId('label-form').count()).toBe(0);
  }, 90_000);

  it('saves a label over the alarm: the alarm says it is labelled, and the Events page too', async () => {
    const chart = card().getByTestId('rms-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(100);
    await chart.scrollIntoViewIfNeeded();
    await dragAcrossChart(page, chart, 0.05, 0.95);
    const form = card().getByTestId('label-form');
    await form.waitFor();
    await form.getByTestId('label-author').fill('Ben Okafor');
    await form.locator('.label-choice[data-label="inner-race"]').click();
    await form.getByTestId('label-save').click();
    await form.waitFor({ state: 'detached' });
    const line = card().locator('[data-testid="alarm-list"] li[data-active="true"]');
    await expect.poll(() => line.getAttribute('data-labelled'), { timeout: 10_000 }).toBe('true');
    expect(await line.getByTestId('alarm-labelled').textContent()).toBe(' · labelled: Bearing inner race (by Ben Okafor)');
    await page.waitForTimeout(800); // the band and its caption drawn
    await chart.scrollIntoViewIfNeeded();
    await shot('4-labelled-alarm');

    // Navigating now asks nothing: the label is saved.
    await page.locator('nav.sidenav a[href="#/events"]').click();
    await page.getByTestId('events-page').waitFor();
    expect(await page.getByTestId('unsaved-dialog').count()).toBe(0);
    const row = page.locator('[data-testid="events-table"] tbody tr', { hasText: 'Anomaly alarm' }).first();
    await expect.poll(() => row.getByTestId('event-label').getAttribute('data-labelled'), { timeout: 10_000 }).toBe('true');
    expect(await row.getByTestId('event-label').textContent()).toBe('Bearing inner race (by Ben Okafor)');
    await page.screenshot({ path: join(SHOTS, 'techfix-5-events.png'), fullPage: true });
  }, 90_000);

  it('shows the health on the Nodes page too', async () => {
    await page.locator('nav.sidenav a[href="#/nodes"]').click();
    const health = page.locator('[data-testid="node-card"]', { hasText: NODE }).getByTestId('node-health');
    await expect.poll(() => health.textContent(), { timeout: 10_000 }).toBe('Online · alarm');
    await page.screenshot({ path: join(SHOTS, 'techfix-6-nodes.png') });
  });

  it('raised no console error', () => {
    expect(problems).toEqual([]);
  });
});
