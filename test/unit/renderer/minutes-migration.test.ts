// Schema version 5 adds per-minute summaries; a filled version 4 database keeps every row.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { VigilDb } from '../../../renderer/src/db/db';
import { declareSchema, SCHEMA_VERSION } from '../../../renderer/src/db/schema';
import type { FleetItemRow } from '../../../renderer/src/db/types';
import { v1Rows } from './fixtures/dbV1';

describe('schema version 5: per-minute summaries', () => {
  it('upgrades a filled v4 database without losing a row, and the new table works', async () => {
    const name = 'minutes-mig-1';
    const v4 = new Dexie(name);
    declareSchema(v4, 4);
    await v4.open();
    expect(v4.verno).toBe(4);
    const rows = v1Rows();
    for (const [table, list] of Object.entries(rows)) await v4.table(table).bulkAdd(list);
    await v4.table('settings').put({ key: 'retention', value: { liveFeaturesDays: 30, summariesDays: 0, scheduledRawDays: 30, eventRawDays: 0, auditDays: 0 } });
    const point: FleetItemRow = { id: 'p', kind: 'point', parentId: null, name: 'DE', nodeId: 'A1B2C3D4E5F6A1B2C3D4E5F6', createdMs: 1, updatedMs: 1 };
    await v4.table('fleetItems').add(point);
    const before: Record<string, unknown[]> = {};
    for (const t of v4.tables) before[t.name] = await t.toArray();
    v4.close();

    const db = new VigilDb(name);
    await db.open();
    expect(db.verno).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(5);
    for (const [table, list] of Object.entries(before)) {
      if (table in rows || table === 'settings' || table === 'fleetItems') expect(list.length, table).toBeGreaterThan(0);
      expect(await db.table(table).toArray(), table).toEqual(list);
    }
    expect(await db.featureMinutes.count()).toBe(0);
    const m = {
      id: 's:h0',
      sessionId: 's',
      nodeId: 'n',
      hourIndex: 0,
      startMs: 10,
      endMs: 20,
      chunkStartMs: 0,
      buckets: 1,
      tUsOffset: new Uint32Array(1),
      windows: Uint32Array.of(5),
      min: Float32Array.of(1),
      mean: Float32Array.of(2),
      max: Float32Array.of(3),
      bytes: 20,
    };
    await db.featureMinutes.add(m);
    expect(await db.featureMinutes.where('[nodeId+startMs]').between(['n', 0], ['n', 100]).toArray()).toEqual([m]);
    db.close();
  });
});
