// Schema migration in real Chromium: a database created at schema version 1 (the first) and filled
// with rows in every table is opened by the shipped app, which upgrades it to the latest version.
// Every v1 row must still be there, unchanged, and the app must show it. Then a version 2 database
// beside the old model registry database: version 3 copies every registry entry into the model store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_NAME, HIGHEST_MODEL_VERSION_KEY, SCHEMA_V1, SCHEMA_V2_CHANGES, SCHEMA_VERSION } from '../../renderer/src/db/schema';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { v1Rows } from '../unit/renderer/fixtures/dbV1';


/** Typed arrays do not cross page.evaluate: send them as tagged number lists. */
type Wire = unknown;
function toWire(v: unknown): Wire {
  if (ArrayBuffer.isView(v)) return { $ta: v.constructor.name, v: Array.from(v as unknown as ArrayLike<number>) };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

/** Creates a database with Dexie's store syntax, as Dexie itself does (schema version v is IndexedDB version 10 v), filled with rows. */
async function createDb(page: Page, name: string, idbVersion: number, schema: Record<string, string>, rows: Record<string, unknown[]>): Promise<void> {
  await page.evaluate(
    async ({ name, idbVersion, schema, rows }) => {
      const fromWire = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(fromWire);
        if (v && typeof v === 'object') {
          const o = v as { $ta?: string; v?: number[] };
          if (o.$ta) return new (globalThis as unknown as Record<string, new (x: number[]) => unknown>)[o.$ta](o.v!);
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
        }
        return v;
      };
      // Dexie's store syntax, as Dexie itself creates it: version 1 is IndexedDB version 10.
      const keyPath = (spec: string) => (spec.startsWith('[') ? spec.slice(1, -1).split('+') : spec);
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name, idbVersion);
        req.onupgradeneeded = () => {
          const db = req.result;
          for (const [store, spec] of Object.entries(schema)) {
            const [pk, ...indexes] = spec.split(',').map((s) => s.trim());
            const auto = pk.startsWith('++');
            const os = db.createObjectStore(store, { keyPath: keyPath(pk.replace(/^\+\+|^&/, '')), autoIncrement: auto });
            for (const ix of indexes) os.createIndex(ix, keyPath(ix));
          }
          for (const [store, list] of Object.entries(rows)) for (const r of list) req.transaction!.objectStore(store).add(fromWire(r));
        };
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
        req.onerror = () => reject(req.error);
      });
    },
    { name, idbVersion, schema, rows },
  );
}

/** Every row of the given tables of a database, as wire values. */
async function readDb(page: Page, name: string, tables: string[]): Promise<Record<string, unknown[]> & { version: number; stores: string[] }> {
  return (await page.evaluate(
    async ({ name, tables }) => {
      const toWireIn = (v: unknown): unknown => {
        if (ArrayBuffer.isView(v)) return { $ta: v.constructor.name, v: Array.from(v as unknown as ArrayLike<number>) };
        if (Array.isArray(v)) return v.map(toWireIn);
        if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWireIn(x)]));
        return v;
      };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const out: Record<string, unknown> = { version: db.version, stores: Array.from(db.objectStoreNames) };
      for (const t of tables) {
        out[t] = await new Promise((resolve, reject) => {
          const r = db.transaction(t).objectStore(t).getAll();
          r.onsuccess = () => resolve(toWireIn(r.result));
          r.onerror = () => reject(r.error);
        });
      }
      db.close();
      return out;
    },
    { name, tables },
  )) as Record<string, unknown[]> & { version: number; stores: string[] };
}

/** A host and a Chromium with a fresh profile for one describe block. */
function freshBrowser(prefix: string) {
  const b = {
    host: undefined as unknown as BrowserHost,
    context: undefined as BrowserContext | undefined,
    page: undefined as unknown as Page,
    problems: [] as string[],
    /** Off while the fixture is written from the icon page (its missing /favicon.ico is no app problem). */
    watching: false,
  };
  beforeAll(async () => {
    b.host = await startBrowserHost();
    ({ context: b.context, page: b.page } = await openPage(b.problems, { profile: mkdtempSync(join(tmpdir(), prefix)), watching: () => b.watching }));
  }, 60_000);
  afterAll(async () => {
    await b.context?.close();
    b.host?.child.kill('SIGTERM');
  });
  return b;
}

describe('schema migration from version 1 in Chromium', () => {
  const b = freshBrowser('vigil-mig-');

  it('the app upgrades a filled v1 database without losing or changing a row', async () => {
    const { page, host } = b;
    const rows = toWire(v1Rows()) as Record<string, unknown[]>;
    // Same origin as the app, but a page that does not open the database: the icon.
    await page.goto(host.url.replace(/\/\?token=.*$/, '/favicon.svg'));
    await createDb(page, DB_NAME, 10, SCHEMA_V1, rows);

    // Open the app: it declares every version and runs the upgrade.
    await page.goto('about:blank');
    b.watching = true;
    await page.goto(host.url + '#/storage');
    await page.getByTestId('storage-counts').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('count-featureSummaries').textContent(), { timeout: 10_000 }).toBe('2');
    expect(await page.getByTestId('count-sessions').textContent()).toBe('1');
    expect(await page.getByTestId('count-labels').textContent()).toBe('2');

    const after = await readDb(page, DB_NAME, [...Object.keys(rows), 'featureSummaries']);

    expect(after.version).toBe(SCHEMA_VERSION * 10);
    expect(after.stores).toContain('featureSummaries');
    for (const [table, list] of Object.entries(rows)) {
      const got = after[table] as Record<string, unknown>[];
      const key = table === 'audit' ? 'seq' : 'id';
      // The app may have added rows of its own (the audit log); every v1 row is there, unchanged.
      for (const r of list as Record<string, unknown>[]) expect(got.find((g) => g[key] === r[key]), `${table} ${String(r[key])}`).toMatchObject(r);
      if (table !== 'audit') expect(got.length, table).toBe(list.length);
    }
    const labels = after.labels as { id: string; assetId: string | null }[];
    expect(labels.find((l) => l.id === 'L1')!.assetId).toBe('A1');
    expect((after.featureSummaries as { id: string }[]).map((s) => s.id).sort()).toEqual(['S1:0', 'S1:1']);

    // And the technician sees the upgraded data.
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    await page.getByTestId('recording-row').first().locator('a').click();
    await expect.poll(() => page.getByTestId('history-chart').getAttribute('data-points'), { timeout: 10_000 }).toBe('150');
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(1);
  });

  it('raised no console error', () => {
    expect(b.problems).toEqual([]);
  });
});

describe('schema migration from version 2 in Chromium: the old model registry moves into the model store', () => {
  const b = freshBrowser('vigil-mig3-');

  it('the app upgrades a filled v2 database and copies every registry entry, losing nothing', async () => {
    const { page, host } = b;
    const v1 = v1Rows();
    const v2: Record<string, Record<string, unknown>[]> = {
      ...v1,
      labels: v1.labels.map((l) => ({ ...l, assetId: l.nodeId === 'N1' ? null : 'A1', deletedMs: null })),
      settings: [{ key: 'retention', value: { days: 30 } }],
    };
    const rows = toWire(v2) as Record<string, unknown[]>;
    const entry = (version: number, status: string, deployedMs: number | null) => ({
      version,
      createdMs: 1000 + version,
      file: Uint8Array.from([version, 2, 3]),
      blobBytes: 3,
      architecture: '64-32-8-32-64',
      channels: ['DE_accel', 'FE_accel'],
      lineage: { tool: 'Vigil app (Training page)', data: [{ name: 'normal.csv', label: 'normal', use: 'train' }], params: { seed: version }, training: { epochsRun: 10 } },
      summary: { auc_min: 0.99 },
      status,
      deployedMs,
      note: `note ${version}`,
    });
    const registry = [entry(1, 'retired', 5000), entry(2, 'deployed', 6000), entry(3, 'candidate', null)];
    await page.goto(host.url.replace(/\/\?token=.*$/, '/favicon.svg'));
    await createDb(page, DB_NAME, 20, { ...SCHEMA_V1, ...SCHEMA_V2_CHANGES }, rows);
    await createDb(page, 'vigil-model-registry', 10, { models: 'version, createdMs, status', meta: 'key' }, toWire({ models: registry, meta: [{ key: 'highestVersion', value: 4 }] }) as Record<string, unknown[]>);

    await page.goto('about:blank');
    b.watching = true;
    await page.goto(host.url + '#/training');
    await page.getByTestId('model-store').waitFor({ timeout: 15_000 });
    for (const v of [1, 2, 3]) await page.getByTestId(`model-v${v}`).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('deployments-v1').textContent()).toMatch(/marked deployed \(old registry\)/);

    const after = await readDb(page, DB_NAME, [...Object.keys(rows)]);
    expect(after.version).toBe(SCHEMA_VERSION * 10);
    for (const [table, list] of Object.entries(rows)) {
      const got = after[table] as Record<string, unknown>[];
      const key = table === 'audit' ? 'seq' : table === 'settings' ? 'key' : 'id';
      for (const r of list as Record<string, unknown>[]) expect(got.find((g) => g[key] === r[key]), `${table} ${String(r[key])}`).toEqual(r);
    }
    const models = after.models as { id: string; version: number; blob: unknown; note: string; lineage: unknown }[];
    for (const e of registry) {
      const m = models.find((x) => x.id === `registry-v${e.version}`)!;
      expect(m).toMatchObject({ version: e.version, note: e.note, lineage: e.lineage, blob: toWire(e.file) });
    }
    expect((after.deployments as { status: string }[]).filter((d) => d.status === 'marked')).toHaveLength(2);
    expect((after.settings as { key: string; value: unknown }[]).find((x) => x.key === HIGHEST_MODEL_VERSION_KEY)!.value).toBe(4);
  });

  it('raised no console error', () => {
    expect(b.problems).toEqual([]);
  });
});
