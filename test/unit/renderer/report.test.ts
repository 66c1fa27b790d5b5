// The report page reads the same rows from the database as `vigil report` reads from a bundle:
// a demo bundle imported into the database gives the same report model.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../../models/dataset/bundle';
import { buildReport } from '../../../models/report/model';
import { VigilDb } from '../../../renderer/src/db/db';
import { importBundle } from '../../../renderer/src/db/exchange';
import { reportRows } from '../../../renderer/src/report/rows';
import { ASSET, DAY, demoBundle, T0 } from '../../helpers/reportBundle';

describe('report rows from the database (renderer/src/report/rows.ts)', () => {
  it('an imported demo bundle reports exactly as the bundle itself', async () => {
    const bytes = demoBundle();
    const db = new VigilDb(`report-${Math.random()}`);
    await importBundle(db, bytes, 'test');
    const o = { fromMs: T0 - DAY, toMs: T0 + 11 * DAY, generatedMs: T0 + 12 * DAY };
    const fromDb = buildReport(await reportRows(db, 'asset-1', o.fromMs, o.toMs), { ...o, asset: 'asset-1' });
    const fromBundle = buildReport(decodeBundle(bytes).tables, { ...o, asset: ASSET });
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
});
