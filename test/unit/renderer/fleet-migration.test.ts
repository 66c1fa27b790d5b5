// Schema version 4 adds the fleet's asset tree; a filled version 3 database keeps every row.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { VigilDb } from '../../../renderer/src/db/db';
import { declareSchema, SCHEMA_VERSION } from '../../../renderer/src/db/schema';
import type { FleetItemRow } from '../../../renderer/src/db/types';
import { v1Rows } from './fixtures/dbV1';

let n = 0;

describe('schema version 4: the fleet tree', () => {
  it('upgrades a filled v3 database without losing a row, and the tree table works', async () => {
    const name = `fleet-mig-${++n}`;
    const v3 = new Dexie(name);
    declareSchema(v3, 3);
    await v3.open();
    expect(v3.verno).toBe(3);
    const rows = v1Rows();
    for (const [table, list] of Object.entries(rows)) await v3.table(table).bulkAdd(list);
    await v3.table('settings').put({ key: 'retention.days', value: 30 });
    const before: Record<string, unknown[]> = {};
    for (const t of v3.tables) before[t.name] = await t.toArray();
    v3.close();

    const db = new VigilDb(name);
    await db.open();
    expect(db.verno).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
    for (const [table, list] of Object.entries(before)) {
      if (table in rows || table === 'settings') expect(list.length, table).toBeGreaterThan(0);
      expect(await db.table(table).toArray(), table).toEqual(list);
    }
    expect(await db.fleetItems.count()).toBe(0);

    const now = 1_700_000_000_000;
    const tree: FleetItemRow[] = [
      { id: 's', kind: 'site', parentId: null, name: 'Plant', nodeId: null, createdMs: now, updatedMs: now },
      { id: 'l', kind: 'line', parentId: 's', name: 'Line 1', nodeId: null, createdMs: now, updatedMs: now },
      { id: 'm', kind: 'machine', parentId: 'l', name: 'Pump', nodeId: null, machine: { group: 2, foundation: 'rigid', shaftHz: 29.95, bearing: { kind: 'table', id: 'skf-6205-2rs' } }, createdMs: now, updatedMs: now },
      { id: 'p', kind: 'point', parentId: 'm', name: 'DE', nodeId: 'A1B2C3D4E5F6A1B2C3D4E5F6', createdMs: now, updatedMs: now },
    ];
    await db.fleetItems.bulkAdd(tree);
    expect((await db.fleetItems.where('parentId').equals('m').toArray()).map((r) => r.id)).toEqual(['p']);
    expect(await db.fleetItems.where('nodeId').equals('A1B2C3D4E5F6A1B2C3D4E5F6').count()).toBe(1);
    db.close();

    // Reopened, the tree is still there.
    const again = new VigilDb(name);
    expect(await again.fleetItems.get('m')).toEqual(tree[2]);
    again.close();
  });
});
