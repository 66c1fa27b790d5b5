// Feature chunks are stored packed (models/dataset/chunkCodec.ts) and chunks already in users'
// IndexedDB keep the old layout (every column in full). Everything that reads chunks must give the
// same values from either: the feature reads, the recording chart, the trends (and so their CSV
// export), the maintenance report, the training loader, retention's rebuilt summaries, dataset
// bundles (which keep carrying the full layout, so an older Vigil imports them and older bundles
// import unchanged). One recording with every irregular case (a gap in window indices, a time step
// that changes, shaft speed changing mid-chunk, NaN speed, NaN values) in two databases, one per
// layout.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../helpers/bytes';
import { storedBandValue } from '../../../models/dataset/bandCodec';
import { decodeBundle, encodeBundle } from '../../../models/dataset/bundle';
import { isPackedChunk, packChunkRow, unpackChunk } from '../../../models/dataset/chunkCodec';
import { codeSummaryRow, decodeSummaryRow } from '../../../models/dataset/summaryCodec';
import { chunkRanges, FeatureColumnsBuilder, LIVE_FIELDS, LIVE_NODE_FIELDS, packChunk, summarize, type FeatureChunk, type FeatureLayout } from '../../../models/dataset/columns';
import { buildReport } from '../../../models/report/model';
import { VigilDb } from '../../../renderer/src/db/db';
import { exportBundle, importBundle } from '../../../renderer/src/db/exchange';
import { readNodeFeatures, sessionSeries } from '../../../renderer/src/db/features';
import { applyRetention, DEFAULT_RULES, levelColumns } from '../../../renderer/src/db/retention';
import { readTrend } from '../../../renderer/src/db/trends';
import type { AssetRow, FeatureChunkRow, LabelRow, NodeRow, SessionRow } from '../../../renderer/src/db/types';
import { reportRows } from '../../../renderer/src/report/rows';
import { scanStored } from '../../../renderer/src/training/stored';

let n = 0;
const freshDb = () => new VigilDb(`chunk-layout-${++n}`);
const DAY = 86_400_000;
const T0 = Date.now() - 5 * DAY;
const LAYOUT: FeatureLayout = { axisCount: 2, fields: LIVE_FIELDS, nodeFields: LIVE_NODE_FIELDS, bandCount: 4 };
const nodeTimeUs = (k: number, hop: number) => Number(((BigInt(k) * BigInt(hop) + 1024n) * 1_000_000n) / 48000n);

/** Three and a half minutes of a 2-axis node at 48 kHz with every irregular case in it. */
function recording(): FeatureChunk[] {
  const b = new FeatureColumnsBuilder(LAYOUT, 20_000);
  const change = 16_500; // the time step halves here (hop 512 -> 256), 4 s before the end of minute 2
  const tChange = nodeTimeUs(change, 512);
  for (let w = 0; w < 19_000; w++) {
    if (w >= 4000 && w < 4040) continue; // 40 windows lost
    const t = w < change ? nodeTimeUs(w, 512) : tChange + Math.floor(((w - change) * 256 * 1e6) / 48000);
    const shaft = w < 2000 ? 29.95 : w < 2500 ? 30.2 : w < 3000 ? NaN : w < 9000 ? 30.2 : 0;
    const v = Math.sin(w / 50);
    // Band values on the stored grid (2^-11: models/dataset/bandCodec.ts, tested in band-codec.test.ts), so either layout reads them bit for bit.
    b.push(w, t, shaft, [0.05 + 0.01 * v, 0.07, 1 + v, w % 997 === 0 ? NaN : 2, 0.5 + v], [v, -v, 2 * v, 0.1].map((x) => storedBandValue(x)));
  }
  return chunkRanges(b.tUs, 0, b.length).map(([a, z]) => packChunk(b, a, z, { sessionId: 'S1', nodeId: 'N1', t0Ms: T0 }));
}

function session(chunks: FeatureChunk[], bytes: number): SessionRow {
  const count = chunks.reduce((s, c) => s + c.count, 0);
  return {
    id: 'S1', nodeId: 'N1', assetId: 'A1', kind: 'live', name: 'pump 3', startMs: chunks[0].startMs, endMs: chunks[chunks.length - 1].endMs, t0Ms: T0,
    sampleRateHz: 48000, windowLen: 1024, hop: 512, channels: ['DE', 'FE'], layout: LAYOUT, specKey: '', windowCount: count, gapWindows: 40,
    status: 'complete', source: null, bytes: { features: bytes, summaries: 0, raw: 0 }, createdMs: T0, updatedMs: T0,
  };
}

const asset: AssetRow = { id: 'A1', name: 'Pump 3', location: '', notes: '', createdMs: T0, updatedMs: T0 };
const node: NodeRow = { id: 'N1', name: 'P3 DE', kind: 'node', assetId: 'A1', board: 'host', firmware: '0.1.0', channels: ['DE', 'FE'], sampleRateHz: 48000, createdMs: T0, updatedMs: T0 };

async function fill(db: VigilDb, rows: FeatureChunkRow[], full: FeatureChunk[]): Promise<void> {
  await db.assets.put(asset);
  await db.nodes.put(node);
  await db.sessions.put(session(full, rows.reduce((s, r) => s + r.bytes, 0)));
  await db.featureChunks.bulkPut(rows);
  await db.featureSummaries.bulkPut(full.map(summarize));
  const label = (id: string, from: number, to: number, kind: LabelRow['label']): LabelRow => ({ id, nodeId: 'N1', sessionId: 'S1', eventId: null, assetId: 'A1', startMs: from, endMs: to, label: kind, notes: '', author: 'Ana', createdMs: T0, updatedMs: T0, deletedMs: null });
  await db.labels.bulkPut([label('L1', T0 + 10_000, T0 + 50_000, 'normal'), label('L2', T0 + 150_000, T0 + 190_000, 'outer-race')]);
}

/** Typed arrays as base64 of their bytes (bit for bit: NaN, −0), everything else as it is. */
const bits = (x: unknown) =>
  JSON.stringify(x, (_k, v: unknown) => (ArrayBuffer.isView(v) ? `${v.constructor.name}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

async function everyRead(db: VigilDb) {
  const s = (await db.sessions.get('S1'))!;
  const from = T0 - 1000;
  const to = T0 + DAY;
  const o = { fromMs: from, toMs: to, generatedMs: to };
  return {
    features: await readNodeFeatures(db, 'N1', from, to),
    featuresPart: await readNodeFeatures(db, 'N1', T0 + 70_000, T0 + 130_000),
    rms: await sessionSeries(db, s, 'rms'),
    velocity: await sessionSeries(db, s, 'velocityRmsMmS'),
    trend: (await readTrend(db, 'N1', from, to, 'window', 2)).points,
    report: buildReport(await reportRows(db, 'A1', from, to), { ...o, asset: 'A1' }),
    reportChunks: (await reportRows(db, 'A1', from, to)).get('featureChunks'),
    training: (await scanStored(db, { targetNodeId: 'N1', nodeIds: ['N1'], fromMs: from, toMs: to, unlabelledAsNormal: false })).assembled,
  };
}

describe('packed and old-layout feature chunks read the same', () => {
  it('every reader gives identical values from either layout, and the packed one is smaller', async () => {
    const full = recording();
    expect(full.length).toBe(4);
    const oldDb = freshDb();
    await fill(oldDb, full, full);
    const packed = full.map((c) => packChunkRow(c));
    const newDb = freshDb();
    await fill(newDb, packed, full);
    expect((await newDb.featureChunks.toArray()).every(isPackedChunk)).toBe(true);
    expect((await oldDb.featureChunks.toArray()).some(isPackedChunk)).toBe(false);
    // The index, time and speed columns: 12 bytes a window before; runs, lines and exceptions now.
    const windows = full.reduce((s, c) => s + c.count, 0);
    const before = full.reduce((s, c) => s + c.bytes, 0);
    const after = packed.reduce((s, c) => s + c.bytes, 0);
    expect(before - after).toBeGreaterThan(windows * 12 * 0.85);
    // The irregular cases are in the packed rows: the gap (minute 0), the speeds, the step change (minute 2).
    expect(packed[0].windowRuns!.length).toBe(4);
    expect(packed[0].shaftRuns!.length / 2).toBe(4);
    expect(packed[2].timeExceptions!.length / 2).toBeGreaterThan(500);
    expect(packed[3].timeExceptions!.length).toBe(0);

    const a = await everyRead(oldDb);
    const b = await everyRead(newDb);
    expect(a.features.tMs.length).toBe(windows);
    expect(a.rms.resolution).toBe('full');
    expect(a.training.runs.length).toBeGreaterThan(0);
    expect(a.report.windows).toBeGreaterThan(0);
    for (const k of Object.keys(a) as (keyof typeof a)[]) expect(bits(b[k]), k).toBe(bits(a[k]));
    // The report reads chunks in the full layout, bit for bit as they were recorded.
    expect(bits(b.reportChunks)).toBe(bits(full));
    oldDb.close();
    newDb.close();
  });

  it('retention rebuilds a missing summary from a packed chunk as from an old one', async () => {
    const full = recording();
    const out: string[] = [];
    for (const rows of [full, full.map((c) => packChunkRow(c))]) {
      const db = freshDb();
      await fill(db, rows, full);
      await db.labels.clear(); // nothing protected: every chunk is compacted
      await db.featureSummaries.bulkDelete(['S1:1', 'S1:3']);
      const r = await applyRetention(db, { ...DEFAULT_RULES, perSecondDays: 0, summariesDays: 0 }, T0 + 3 * DAY);
      expect(r).toMatchObject({ summariesRebuilt: 2, featureChunks: 4 });
      // Read back as they were written; `bytes` says what each row takes as stored (retention codes old summaries: renderer/src/db/retention.ts).
      const read = (await db.featureSummaries.toArray()).sort((x, y) => x.chunkIndex - y.chunkIndex);
      read.forEach((row, i) => expect(row.bytes).toBeLessThan(summarize(full[i]).bytes));
      out.push(bits(read.map(({ bytes: _, ...rest }) => rest)));
      db.close();
    }
    expect(out[1]).toBe(out[0]);
    // As retention stores a summary no label is on: the RMS and velocity within 2^-14 (rounded, the same from either layout), the rest as written.
    expect(out[0]).toBe(bits(full.map(summarize).map((s) => decodeSummaryRow(codeSummaryRow(s, levelColumns({ layout: LAYOUT })))).map(({ bytes: _, ...rest }) => rest)));
  });

  it('bundles carry the full layout: an export from packed rows is the old export, and either imports packed', async () => {
    const full = recording();
    const oldDb = freshDb();
    await fill(oldDb, full, full);
    const newDb = freshDb();
    await fill(newDb, full.map((c) => packChunkRow(c)), full);
    const rowsOf = async (db: VigilDb) => {
      const { blob } = await exportBundle(db, { actor: 'Ana' });
      return decodeBundle(new Uint8Array(await blob.arrayBuffer())).tables;
    };
    const fromOld = await rowsOf(oldDb);
    const fromNew = await rowsOf(newDb);
    expect(bits(fromNew.get('featureChunks'))).toBe(bits(fromOld.get('featureChunks')));
    expect(bits(fromNew.get('featureChunks'))).toBe(bits(full));
    expect(fromNew.get('featureChunks')!.some((r) => 'packing' in r)).toBe(false);

    // A bundle as an older Vigil wrote it (schema 5, chunks in the full layout) into a fresh database.
    const older = concatBytes(
      encodeBundle(
        [
          { table: 'assets', rows: [asset] },
          { table: 'nodes', rows: [node] },
          { table: 'sessions', rows: [session(full, 0)] },
          { table: 'featureChunks', rows: full },
          { table: 'featureSummaries', rows: full.map(summarize) },
        ],
        { createdMs: Date.now(), createdBy: 'Ben', schemaVersion: 5 },
      ),
    );
    const imported = freshDb();
    const r = await importBundle(imported, older, 'Ana');
    expect(r.tables.featureChunks).toMatchObject({ added: 4, conflicts: 0 });
    const stored = await imported.featureChunks.toArray();
    expect(stored.every(isPackedChunk)).toBe(true);
    expect(bits(stored.sort((x, y) => x.chunkIndex - y.chunkIndex).map(unpackChunk))).toBe(bits(full));
    // The same bundle again changes nothing; a longer chunk over a stored packed one extends it.
    expect((await importBundle(imported, older, 'Ana')).tables.featureChunks).toMatchObject({ added: 0, updated: 0, unchanged: 4, conflicts: 0 });
    const b = new FeatureColumnsBuilder(LAYOUT, 10);
    const last = full[3];
    for (let i = 0; i < last.count; i++) b.push(last.windowIndex[i], last.chunkIndex * 60e6 + last.tUsOffset[i], last.shaftHz[i], Array.from({ length: 5 }, (_, c) => last.values[c * last.count + i]), Array.from({ length: 8 }, (_, c) => last.bands![c * last.count + i]));
    const w = last.windowIndex[last.count - 1] + 1;
    b.push(w, last.chunkIndex * 60e6 + last.tUsOffset[last.count - 1] + 5333, 0, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 7, 8]);
    const longer = packChunk(b, 0, b.length, { sessionId: 'S1', nodeId: 'N1', t0Ms: T0 });
    const ext = concatBytes(encodeBundle([{ table: 'featureChunks', rows: [longer] }], { createdMs: Date.now(), createdBy: 'Ben', schemaVersion: 5 }));
    expect((await importBundle(imported, ext, 'Ana')).tables.featureChunks).toMatchObject({ updated: 1, conflicts: 0 });
    expect(bits(unpackChunk((await imported.featureChunks.get('S1:3'))!))).toBe(bits(longer));
    for (const db of [oldDb, newDb, imported]) db.close();
  });

  it('a bundle of float32 bands off the stored grid (an older Vigil’s) imports quantized, and a longer chunk of it still extends the stored one', async () => {
    const full = recording().map((c) => ({ ...c, bands: c.bands!.map((x, i) => x + ((i % 7) + 1) / 9000) }));
    const older = concatBytes(
      encodeBundle(
        [
          { table: 'assets', rows: [asset] },
          { table: 'nodes', rows: [node] },
          { table: 'sessions', rows: [session(full, 0)] },
          { table: 'featureChunks', rows: full.slice(0, 3) },
        ],
        { createdMs: Date.now(), createdBy: 'Ben', schemaVersion: 5 },
      ),
    );
    const db = freshDb();
    expect((await importBundle(db, older, 'Ana')).tables.featureChunks).toMatchObject({ added: 3, conflicts: 0 });
    const stored = (await db.featureChunks.get('S1:2'))!;
    expect(stored.bands).toBeNull();
    const back = unpackChunk(stored).bands!;
    let maxErr = 0;
    for (let i = 0; i < back.length; i++) {
      if (Number.isNaN(full[2].bands[i])) expect(back[i]).toBeNaN(); // the series the frames did not fill
      else maxErr = Math.max(maxErr, Math.abs(back[i] - full[2].bands[i]));
    }
    expect(maxErr).toBeGreaterThan(0);
    expect(maxErr).toBeLessThanOrEqual(1 / 4096);
    // The same chunk with more windows, as the older Vigil recorded on: it extends the stored one (compared as it would be stored).
    const c = full[2];
    const b = new FeatureColumnsBuilder(LAYOUT, c.count + 1);
    for (let i = 0; i < c.count; i++) b.push(c.windowIndex[i], c.chunkIndex * 60e6 + c.tUsOffset[i], c.shaftHz[i], Array.from({ length: 5 }, (_, k) => c.values[k * c.count + i]), Array.from({ length: 8 }, (_, k) => c.bands[k * c.count + i]));
    b.push(c.windowIndex[c.count - 1] + 1, c.chunkIndex * 60e6 + Math.floor((c.tUsOffset[c.count - 1] + 60e6) / 2), 0, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 7, 8]);
    const longer = packChunk(b, 0, b.length, { sessionId: 'S1', nodeId: 'N1', t0Ms: T0 });
    const ext = concatBytes(encodeBundle([{ table: 'featureChunks', rows: [longer] }], { createdMs: Date.now(), createdBy: 'Ben', schemaVersion: 5 }));
    expect((await importBundle(db, ext, 'Ana')).tables.featureChunks).toMatchObject({ updated: 1, conflicts: 0 });
    expect((await db.featureChunks.get('S1:2'))!.count).toBe(c.count + 1);
    db.close();
  });
});
