// The report page reads the same rows from the database as `vigil report` reads from a bundle:
// a demo bundle imported into the database gives the same report model.
import 'fake-indexeddb/auto';
import { storedBandValue } from '../../../models/dataset/bandCodec';
import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../../models/dataset/bundle';
import { buildReport } from '../../../models/report/model';
import { VigilDb } from '../../../renderer/src/db/db';
import { importBundle } from '../../../renderer/src/db/exchange';
import { reportRows } from '../../../renderer/src/report/rows';
import { ASSET, DAY, demoBundle, NODE, T0 } from '../../helpers/reportBundle';

describe('report rows from the database (renderer/src/report/rows.ts)', () => {
  it('an imported demo bundle reports exactly as the bundle itself', async () => {
    const bytes = demoBundle();
    const db = new VigilDb(`report-${Math.random()}`);
    await importBundle(db, bytes, 'test');
    const o = { fromMs: T0 - DAY, toMs: T0 + 11 * DAY, generatedMs: T0 + 12 * DAY };
    const fromDb = buildReport(await reportRows(db, 'asset-1', o.fromMs, o.toMs), { ...o, asset: 'asset-1' });
    // The database keeps band energies quantized to 2^-11 (models/dataset/bandCodec.ts): the bundle's chunks as stored.
    const tables = decodeBundle(bytes).tables;
    for (const c of tables.get('featureChunks') ?? []) if (c.bands instanceof Float32Array) c.bands = c.bands.map((x) => storedBandValue(x));
    const fromBundle = buildReport(tables, { ...o, asset: ASSET });
    expect(fromDb.windows).toBe(460);
    expect(fromDb.events.map((e) => [e.id, e.labels.map((l) => l.label), e.envelope?.snapshotId ?? null])).toEqual([
      ['event-1', ['inner-race'], 'snap-1'],
      ['event-2', [], null],
    ]);
    expect(JSON.stringify(fromDb, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v))).toBe(JSON.stringify(fromBundle, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v)));
    // A period with none of the asset's recordings reads no chunks.
    const none = await reportRows(db, 'asset-1', T0 + 50 * DAY, T0 + 51 * DAY);
    expect(none.get('featureChunks')).toEqual([]);
    db.close();
  });

  it('where retention compacted the windows, the summaries are read: the trend keeps every day, the stretch is named', async () => {
    const bytes = demoBundle();
    const db = new VigilDb(`report-${Math.random()}`);
    await importBundle(db, bytes, 'test');
    const o = { fromMs: T0 - DAY, toMs: T0 + 11 * DAY, generatedMs: T0 + 12 * DAY, asset: 'asset-1' };
    const before = buildReport(await reportRows(db, 'asset-1', o.fromMs, o.toMs), o);
    // What compaction leaves of days 0 and 2: the per-second summaries, no feature chunk.
    await db.featureChunks.bulkDelete((await db.featureChunks.toCollection().primaryKeys()).filter((k) => /^session-day[02]:/.test(String(k))));
    const rows = await reportRows(db, 'asset-1', o.fromMs, o.toMs);
    expect(rows.get('featureSummaries')!.length).toBeGreaterThan(0);
    const after = buildReport(rows, o);
    expect(after.windows).toBe(before.windows);
    expect(after.summarised.map((s) => s.lenMs)).toEqual([1000, 1000]);
    expect(after.velocity.filter((p) => p.tMs < T0 + 3 * DAY).every((p) => p.lenMs === 1000)).toBe(true);
    // A period without those days reads none of their summaries.
    const later = await reportRows(db, 'asset-1', T0 + 6 * DAY, T0 + 11 * DAY);
    expect(later.get('featureSummaries')!.every((r) => /^session-day[79]:/.test(String(r.id)))).toBe(true);
    db.close();
  });

  it("the envelope uses the speed and bearing of the machine the node is placed on (Fleet page)", async () => {
    const db = new VigilDb(`report-${Math.random()}`);
    await importBundle(db, demoBundle(), 'test');
    await db.fleetItems.bulkAdd([
      { id: 'm1', kind: 'machine', parentId: null, name: 'Pump P-101', nodeId: null, machine: { group: 2, foundation: 'rigid', shaftHz: 1797 / 60, bearing: { kind: 'table', id: 'skf-6205-2rs' } }, createdMs: T0, updatedMs: T0 },
      { id: 'p1', kind: 'point', parentId: 'm1', name: 'Drive end', nodeId: NODE, createdMs: T0, updatedMs: T0 },
    ]);
    const o = { fromMs: T0 - DAY, toMs: T0 + 11 * DAY, generatedMs: T0 + 12 * DAY, asset: 'asset-1' };
    const e = buildReport(await reportRows(db, 'asset-1', o.fromMs, o.toMs), o).events[0].envelope!;
    expect([e.speedFrom, e.bearing?.from, e.peak?.marker?.label]).toEqual(['fleet', 'fleet', 'BPFI']);
    db.close();
  });
});
