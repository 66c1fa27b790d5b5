// The interface in Spanish, in Chromium (browser mode, a demo node streaming, a demo bundle
// imported): the language is switched in the top bar, survives a reload, and every page is
// visited. A page fails when a visible text, placeholder, title or label is an English catalogue
// value that differs in Spanish, or holds a common English word. Words that are data (names,
// notes, messages the technician or a node wrote) sit in translate="no" elements or come from the
// bundle, and are left out. A screenshot of each page goes to test-output/e2e/i18n-es-*.png.
// A second host is started with a model file (renderer/public/models/default.vgm), as a double-click
// opens one: the Training page in Spanish shows its summary, and adds it, with no English.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle } from '../../models/dataset/bundle';
import { readVgmFile } from '../../models/nn/modelFile';
import type { AppSection } from '../../models/nn/appSection';
import { CATALOGUES, keyPaths } from '../../models/i18n';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';
import { demoBundle } from '../helpers/reportBundle';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const CWRU_CSV = join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
/** The line of the malformed CSV that holds a word instead of a number. */
const BAD_LINE = 5000;

/** Words that are English and not Spanish: any of them on a Spanish screen is a missed string. */
const ENGLISH_WORDS = (
  'the and with this that from your you have has been will would not into only after before when what where there then than each every because about ' +
  'press choose save cancel delete export import waiting running recorded recording recordings label labels node nodes window windows samples ' +
  'deploy training storage events event settings connect connected online offline show open close edit undo yes none all by of to is are it on at ' +
  'no-one nothing something found empty yet still live stored start stop built-in'
).split(' ');

const lookup = (o: Record<string, unknown>, path: string) => path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o) as string;
/** English catalogue values that Spanish says differently (equal ones, like "Demo" or "RMS (g)", are the same word in both). */
const ENGLISH_VALUES = keyPaths(CATALOGUES.en)
  .filter((k) => lookup(CATALOGUES.en, k) !== lookup(CATALOGUES.es, k))
  .map((k) => lookup(CATALOGUES.en, k).trim())
  .filter((v) => v.length > 1 && !v.includes('{{'));

/** Every string in the imported bundle: data, whatever its language. */
function dataStrings(): string[] {
  const out = new Set<string>(['demo-cwru-normal']);
  const walk = (x: unknown): void => {
    if (typeof x === 'string' && x.trim().length >= 3) out.add(x.trim());
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object' && !(x instanceof Uint8Array)) Object.values(x).forEach(walk);
  };
  for (const rows of decodeBundle(demoBundle()).tables.values()) walk(rows);
  return [...out].sort((a, b) => b.length - a.length);
}

interface Check {
  english: string[];
  words: string[];
  data: string[];
  lang: string;
}

/** Runs in the page: the visible texts that are not in the page's language. */
function untranslated({ english, words, data, lang }: Check): string[] {
  const englishSet = new Set(english);
  const wordSet = new Set(words);
  const problems: string[] = [];
  const skip = (el: Element | null): boolean => {
    if (!el || el.closest('script, style, [translate="no"]')) return true;
    const langEl = el.closest('[lang]');
    if (langEl && langEl.getAttribute('lang') !== lang) return true;
    const shown = el.closest('option') ? el.closest('select') : el;
    return !shown || shown.getClientRects().length === 0 || !(shown as HTMLElement).checkVisibility({ visibilityProperty: true });
  };
  const check = (raw: string, where: string) => {
    let text = raw.replace(/\s+/g, ' ').trim();
    if (englishSet.has(text)) return void problems.push(`${where}: "${text}" is an English catalogue value`);
    for (const d of data) text = text.split(d).join(' ');
    const hits = (text.toLowerCase().match(/[a-z][a-z'-]*/g) ?? []).filter((w) => wordSet.has(w));
    if (hits.length > 0) problems.push(`${where}: "${raw.trim()}" has English words (${hits.join(', ')})`);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (/[A-Za-z]/.test(n.textContent ?? '') && !skip(n.parentElement)) check(n.textContent!, n.parentElement!.tagName.toLowerCase());
  }
  for (const el of document.body.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'title', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v && /[A-Za-z]/.test(v)) check(v, `${el.tagName.toLowerCase()}[${a}]`);
    }
  }
  return problems;
}

describe('the interface in Spanish, every page', () => {
  let host: BrowserHost;
  let a: { context: BrowserContext; page: Page };
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-i18n-'));
  const check: Check = { english: ENGLISH_VALUES, words: ENGLISH_WORDS, data: dataStrings(), lang: 'es' };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    a = await openPage(problems, { profile: join(work, 'profile'), tag: 'i18n' });
  }, 60_000);
  afterAll(async () => {
    await a?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('switches to Spanish, keeps it after a reload, and shows no English on any page', async () => {
    const { page } = a;
    const go = (route: string) => page.goto(`${host.url}#/${route}`);
    const bundlePath = join(work, 'demo.vigil');
    writeFileSync(bundlePath, demoBundle());
    // The same bundle with one byte of its table of contents changed, and a CSV with a word in it.
    const badBundlePath = join(work, 'damaged.vigil');
    const damaged = demoBundle().slice();
    damaged[20] ^= 0xff;
    writeFileSync(badBundlePath, damaged);
    const badCsvPath = join(work, 'bad.csv');
    const good = Array.from({ length: BAD_LINE - 2 }, (_, i) => `${(Math.sin(i / 3) * 0.1).toFixed(4)},${(Math.cos(i / 5) * 0.1).toFixed(4)}`);
    writeFileSync(badCsvPath, ['DE_accel,FE_accel', ...good, 'abc,0.1', '0.2,0.3', ''].join('\n'));
    await go('recordings');
    await page.getByTestId('import-bundle').setInputFiles(bundlePath);
    await page.getByTestId('import-preview').waitFor({ timeout: 15_000 });
    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-undo').waitFor({ timeout: 15_000 });

    // The check can fail: in English the same page is full of English.
    await go('nodes');
    await page.getByTestId('node-card').first().waitFor({ timeout: 15_000 });
    expect((await page.evaluate(untranslated, { ...check, lang: 'en' })).length).toBeGreaterThan(5);

    await page.getByTestId('language').selectOption('es');
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('Nodos');
    await page.reload();
    await page.getByTestId('nodes-page').waitFor();
    expect(await page.evaluate(() => [document.documentElement.lang, localStorage.getItem('vigil.language')])).toEqual(['es', 'es']);

    const pages: { name: string; open: () => Promise<unknown> }[] = [
      { name: 'nodes', open: () => page.getByTestId('node-card').first().getByTestId('link-counters').waitFor({ timeout: 15_000 }) },
      { name: 'fleet', open: async () => (await go('fleet'), page.getByTestId('fleet-page').waitFor()) },
      { name: 'live', open: async () => (await go('live'), page.getByTestId('axis-table').first().waitFor({ timeout: 15_000 })) },
      {
        // One node's live analysis, opened from its card: trends, zones, the spectrum note, the waterfall.
        name: 'live-analysis',
        open: async () => {
          await page.getByTestId('open-node-analysis').first().click();
          await page.getByTestId('node-analysis').waitFor({ timeout: 15_000 });
          await expect.poll(async () => Number(await page.getByTestId('an-velocity').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(5);
        },
      },
      { name: 'recordings', open: async () => (await go('recordings'), page.getByTestId('recording-row').first().waitFor()) },
      {
        name: 'recording',
        open: async () => {
          await page.locator('[data-testid="recording-row"] a').last().click();
          await page.getByTestId('history-chart').locator('.u-axis').first().waitFor({ timeout: 15_000 });
        },
      },
      {
        name: 'import-dialog',
        open: async () => {
          await go('recordings');
          await page.getByTestId('import-csv').click();
          await page.locator('#import-title').waitFor();
        },
      },
      { name: 'events', open: async () => (await go('events'), page.getByTestId('events-table').waitFor()) },
      {
        name: 'label-form',
        open: async () => {
          await page.getByTestId('events-table').getByRole('button').first().click();
          await page.getByTestId('label-notes').waitFor();
        },
      },
      // Leaving with the label unsaved asks first, in Spanish; discarding goes on to the Storage page.
      { name: 'unsaved-dialog', open: async () => (await page.locator('nav.sidenav a[href="#/storage"]').click(), page.getByTestId('unsaved-dialog').waitFor()) },
      { name: 'storage', open: async () => (await page.getByTestId('unsaved-discard').click(), page.getByTestId('storage-counts').waitFor()) },
      { name: 'training', open: async () => (await go('training'), page.getByTestId('stored-picker').waitFor({ timeout: 15_000 })) },
      { name: 'deploy', open: async () => (await go('deploy'), page.locator('#deploy-title').waitFor()) },
      {
        name: 'report',
        open: async () => {
          await go('report');
          await page.getByTestId('report-asset').selectOption({ label: 'Cooling pump P-101' });
          await page.getByTestId('report-from').fill('2026-03-01');
          await page.getByTestId('report-to').fill('2026-03-10');
          await page.getByTestId('report-build').click();
          await expect.poll(() => page.getByTestId('report-preview').evaluate((el) => el.shadowRoot?.textContent ?? ''), { timeout: 15_000 }).toContain('Informe de mantenimiento');
        },
      },
      {
        name: 'analysis-list',
        open: async () => (await go('analysis'), page.locator('[data-testid="snapshot-list"], [data-testid="snapshot-list-empty"]').first().waitFor()),
      },
      {
        name: 'analysis',
        open: async () => {
          // A raw recording (the CWRU CSV) gives a snapshot: its list, then its analysis with every chart.
          await go('recordings');
          await page.getByTestId('import-csv').click();
          await page.getByTestId('import-file').setInputFiles(CWRU_CSV);
          await page.getByTestId('import-mapping').waitFor();
          await page.getByTestId('import-start').click();
          await page.getByTestId('import-done').waitFor({ timeout: 20_000 });
          await go('analysis');
          await page.getByTestId('open-analysis').first().click();
          await page.getByTestId('envelope-peak').waitFor({ timeout: 15_000 });
        },
      },
      {
        // A damaged bundle: refused in Spanish, nothing imported.
        name: 'bad-bundle',
        open: async () => {
          await go('recordings');
          await page.getByTestId('import-bundle').setInputFiles(badBundlePath);
          const m = page.getByTestId('exchange-message');
          await expect.poll(() => m.textContent(), { timeout: 15_000 }).toBe('El paquete está dañado: su índice no coincide con su suma de verificación.');
        },
      },
      {
        // A CSV with a word among its numbers: the parser's error, in Spanish, names the line and column.
        name: 'bad-csv',
        open: async () => {
          await go('recordings');
          await page.getByTestId('import-csv').click();
          await page.getByTestId('import-file').setInputFiles(badCsvPath);
          await page.getByTestId('import-mapping').waitFor();
          await page.getByTestId('import-start').click();
          await expect.poll(() => page.getByTestId('import-error').textContent(), { timeout: 20_000 }).toBe(`Línea ${BAD_LINE}, columna 1 (DE_accel): "abc" no es un número.`);
        },
      },
    ];
    const found: string[] = [];
    for (const p of pages) {
      await p.open();
      await page.waitForTimeout(1000); // a few frames of live data and chart redraws
      found.push(...(await page.evaluate(untranslated, check)).map((x) => `${p.name}: ${x}`));
      await page.screenshot({ path: join(SHOTS, `i18n-es-${p.name}.png`), fullPage: true });
    }
    expect(found).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);
});

describe('an opened .vgm model on the Training page, in Spanish', () => {
  let host: BrowserHost;
  let a: { context: BrowserContext; page: Page };
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-i18n-vgm-'));
  const modelPath = join(work, 'modelo bomba.vgm');
  const source = join(ROOT, 'renderer/public/models/default.vgm');

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    copyFileSync(source, modelPath);
    host = await startBrowserHost(undefined, [modelPath]);
    const t0 = Date.now();
    while (!/Opening modelo bomba\.vgm \(model\) in the page/.test(host.output())) {
      if (Date.now() - t0 > 15_000) throw new Error(`the host did not open the model:\n${host.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    a = await openPage(problems, { profile: join(work, 'profile'), tag: 'i18n-vgm' });
    // Spanish from the first load: a reload would lose the opened file (the page reads it once).
    await a.page.addInitScript(() => localStorage.setItem('vigil.language', 'es'));
  }, 60_000);
  afterAll(async () => {
    await a?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('shows the model summary, adds it and says so, with no English', async () => {
    const { page } = a;
    // The names written in the file are data: its channels, labels and the tool that made it.
    const lineage = readVgmFile<AppSection>(new Uint8Array(readFileSync(source))).app!.lineage;
    const data = ['modelo bomba.vgm', ...lineage.channels, ...lineage.labels, lineage.tool].sort((x, y) => y.length - x.length);
    const check: Check = { english: ENGLISH_VALUES, words: ENGLISH_WORDS, data, lang: 'es' };
    await page.goto(host.url.replace(/#.*$/, '') + '#/training');
    const panel = page.getByTestId('opened-model');
    await panel.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
    const summary = await page.getByTestId('opened-model-summary').textContent();
    expect(summary).toMatch(/modelo v1.*autocodificador 64-32-8-32-64 sobre DE_accel \+ FE_accel; características 48000 Hz, ventana 1024, salto 512, 32 bandas.*la autoprueba pasa.*entrenado por .* el 1 ene 2025/s);
    // The check can fail: the English summary's sentences hold words it looks for.
    const englishSummary = ['files.panel.architecture', 'files.panel.detector', 'files.panel.lineage_other'].map((k) => lookup(CATALOGUES.en, k)).join(' ');
    expect((englishSummary.toLowerCase().match(/[a-z][a-z'-]*/g) ?? []).filter((w) => ENGLISH_WORDS.includes(w)).length).toBeGreaterThan(3);
    const found = (await page.evaluate(untranslated, check)).map((x) => `opened model: ${x}`);
    await page.screenshot({ path: join(SHOTS, 'i18n-es-opened-model.png'), fullPage: true });

    await page.getByTestId('opened-model-add').click();
    await expect.poll(() => page.getByTestId('opened-model-message').textContent(), { timeout: 15_000 }).toMatch(/^modelo bomba\.vgm se añadió al almacén de modelos como v\d+\./);
    await page.getByTestId('model-store').getByRole('row').nth(1).waitFor();
    found.push(...(await page.evaluate(untranslated, check)).map((x) => `model added: ${x}`));
    await page.screenshot({ path: join(SHOTS, 'i18n-es-opened-model-added.png'), fullPage: true });
    expect(found).toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);
});
