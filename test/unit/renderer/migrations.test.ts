import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { summarize, type packChunk } from '../../../models/dataset/columns';
import { VigilDb } from '../../../renderer/src/db/db';
import { declareSchema, SCHEMA_V1, SCHEMA_VERSION } from '../../../renderer/src/db/schema';
import { v1Rows } from './fixtures/dbV1';

let dbCount = 0;

/** A database at version 1 with rows in every table, as the first schema wrote them. */
async function fillV1(name: string) {
  const v1 = new Dexie(name);
  declareSchema(v1, 1);
  await v1.open();
  const rows = v1Rows();
  for (const [table, list] of Object.entries(rows)) await v1.table(table).bulkAdd(list);
  v1.close();
  return rows;
}

describe('schema migrations', () => {
  it('v1 has a table for every kind of data the issue names', () => {
    for (const t of ['nodes', 'assets', 'sessions', 'featureChunks', 'rawSnapshots', 'events', 'labels', 'models', 'deployments', 'audit']) expect(SCHEMA_V1[t]).toBeTruthy();
  });

  it('upgrades a v1 database to the latest version without losing a row', async () => {
    const name = `mig-${++dbCount}`;
    const before = await fillV1(name);
    const db = new VigilDb(name);
    await db.open();
    expect(db.verno).toBe(SCHEMA_VERSION);
    for (const [table, list] of Object.entries(before)) {
      const after = await db.table(table).toArray();
      expect(after.length, table).toBe(list.length);
      for (const row of list) {
        const key = (row as { id?: string; seq?: number }).id ?? (row as { seq?: number }).seq;
        const got = await db.table(table).get(key!);
        // Every v1 field is still there with its value (v2 only adds fields).
        expect(got, `${table} ${key}`).toMatchObject(row);
      }
    }
    // What v2 adds, built from the v1 rows.
    const chunks = before.featureChunks as unknown as ReturnType<typeof packChunk>[];
    const sums = await db.featureSummaries.orderBy('id').toArray();
    expect(sums.map((s) => s.id)).toEqual(['S1:0', 'S1:1']);
    expect(sums[0]).toEqual(summarize(chunks[0]));
    const session = (await db.sessions.get('S1'))!;
    expect(session.bytes.summaries).toBe(sums[0].bytes + sums[1].bytes);
    expect((await db.labels.get('L1'))!.assetId).toBe('A1');
    expect((await db.labels.get('L2'))!).toMatchObject({ assetId: null, deletedMs: null });
    expect(await db.labels.where('assetId').equals('A1').count()).toBe(1);
    expect(await db.settings.count()).toBe(0);
    db.close();
  });

  it('opens an empty database straight at the latest version', async () => {
    const db = new VigilDb(`mig-${++dbCount}`);
    await db.open();
    expect(db.verno).toBe(SCHEMA_VERSION);
    expect(db.tables.map((t) => t.name).sort()).toContain('featureSummaries');
    db.close();
  });
});
