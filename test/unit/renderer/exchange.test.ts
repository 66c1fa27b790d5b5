// Importing a dataset bundle adds, never silently replaces (renderer/src/db/exchange.ts): rows far
// in the future are refused, a feature chunk replaces the stored one only where it truly extends
// it, a row's fixed fields never change, the plan shows what would change before anything is
// written, and the last import can be undone. A malformed bundle is refused in plain words.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../helpers/bytes';
import { BundleError, encodeBundle } from '../../../models/dataset/bundle';
import { crc32 } from '../../../models/protocol/crc32';
import { VigilDb } from '../../../renderer/src/db/db';
import { applyImport, exportBundle, importBundle, planImport, undoImport } from '../../../renderer/src/db/exchange';
import type { FeatureChunkRow, FeatureMinuteRow, LabelRow, SessionRow } from '../../../renderer/src/db/types';

let n = 0;
const freshDb = () => new VigilDb(`exchange-${++n}`);
const NOW = Date.now();
const T0 = NOW - 10 * 86_400_000;
const YEAR = 365 * 86_400_000;

function session(over: Partial<SessionRow> = {}): SessionRow {
  return {
    id: 'S1', nodeId: 'N1', assetId: null, kind: 'import', name: 'pump 3', startMs: T0, endMs: T0 + 2000, t0Ms: T0,
    sampleRateHz: 48000, windowLen: 1024, hop: 512, channels: ['x'], layout: { scalars: ['rms'] } as unknown as SessionRow['layout'],
    specKey: 'k', windowCount: 3, gapWindows: 0, status: 'complete', source: null, bytes: { features: 0, summaries: 0, raw: 0 },
    createdMs: T0, updatedMs: T0, ...over,
  };
}

/** A chunk of `count` windows, 2 scalar columns (column-major), values from `v`. */
function chunk(count: number, v = (c: number, i: number) => c * 100 + i): FeatureChunkRow {
  const values = new Float32Array(count * 2);
  for (let c = 0; c < 2; c++) for (let i = 0; i < count; i++) values[c * count + i] = v(c, i);
  return {
    id: 'S1:0', sessionId: 'S1', nodeId: 'N1', chunkIndex: 0, startMs: T0, endMs: T0 + count * 10, count,
    windowIndex: Uint32Array.from({ length: count }, (_, i) => i), tUsOffset: Uint32Array.from({ length: count }, (_, i) => i * 10_000),
    shaftHz: new Float32Array(count), values, bands: null, bytes: 0,
  } as FeatureChunkRow;
}

function label(over: Partial<LabelRow> = {}): LabelRow {
  return { id: 'L1', nodeId: 'N1', sessionId: 'S1', eventId: null, assetId: null, startMs: T0 + 100, endMs: T0 + 200, label: 'inner-race', notes: 'ours', author: 'Ana', createdMs: T0, updatedMs: T0, deletedMs: null, ...over } as LabelRow;
}

const bundle = (tables: Record<string, object[]>) =>
  concatBytes(encodeBundle(Object.entries(tables).map(([table, rows]) => ({ table, rows })), { createdMs: NOW, createdBy: 'Ben', schemaVersion: 2 }));

async function seed() {
  const db = freshDb();
  await db.sessions.put(session());
  await db.featureChunks.put(chunk(3));
  await db.labels.put(label());
  return db;
}

describe('bundle import adds, never silently replaces', () => {
  it('refuses a row dated far in the future: the local label stays', async () => {
    const db = await seed();
    const bytes = bundle({ labels: [label({ notes: 'theirs', updatedMs: NOW + 10 * YEAR, deletedMs: NOW + 10 * YEAR })] });
    const plan = await planImport(db, bytes);
    expect(plan.tables.labels).toMatchObject({ added: 0, updated: 0, refused: 1 });
    expect(plan.issues[0]).toMatchObject({ table: 'labels', id: 'L1' });
    expect(plan.issues[0].reason).toMatch(/future/);
    await applyImport(db, plan, 'Ben');
    expect(await db.labels.get('L1')).toMatchObject({ notes: 'ours', deletedMs: null });
  });

  it('a "longer" chunk with other values is a conflict; one that truly extends the stored one is taken', async () => {
    const db = await seed();
    const other = await importBundle(db, bundle({ featureChunks: [chunk(5, () => 7)] }), 'Ben');
    expect(other.tables.featureChunks).toMatchObject({ updated: 0, conflicts: 1 });
    expect(Array.from((await db.featureChunks.get('S1:0'))!.values!)).toEqual([0, 1, 2, 100, 101, 102]);
    const longer = await importBundle(db, bundle({ featureChunks: [chunk(5)] }), 'Ben');
    expect(longer.tables.featureChunks).toMatchObject({ updated: 1, conflicts: 0 });
    expect((await db.featureChunks.get('S1:0'))!.count).toBe(5);
  });

  it('never changes a row\'s fixed fields: an imported recording stays an import', async () => {
    const db = await seed();
    const r = await importBundle(db, bundle({ sessions: [session({ kind: 'live', windowCount: 99, updatedMs: NOW - 1000 })] }), 'Ben');
    expect(r.tables.sessions).toMatchObject({ updated: 0, conflicts: 1 });
    expect((await db.sessions.get('S1'))!.kind).toBe('import');
  });

  it('shows the plan before writing, applies it, and undoes the last import by its id', async () => {
    const db = await seed();
    const bytes = bundle({ labels: [label({ notes: 'theirs, newer', updatedMs: NOW - 1000 }), label({ id: 'L2', notes: 'new' })] });
    const plan = await planImport(db, bytes);
    expect(plan.tables.labels).toMatchObject({ added: 1, updated: 1 });
    expect(await db.labels.count()).toBe(1); // planning writes nothing
    const r = await applyImport(db, plan, 'Ben');
    expect(r.importId).toMatch(/\S/);
    expect((await db.labels.get('L1'))!.notes).toBe('theirs, newer');
    expect(await db.labels.count()).toBe(2);
    await expect(undoImport(db, 'not-that-one', 'Ben')).rejects.toThrow(BundleError);
    await undoImport(db, r.importId, 'Ben');
    expect((await db.labels.get('L1'))!.notes).toBe('ours');
    expect(await db.labels.get('L2')).toBeUndefined();
    const actions = (await db.audit.toArray()).map((a) => a.action);
    expect(actions).toEqual(['bundle.import', 'bundle.undo']);
  });
});

/**
 * The per-minute row of session S1's hour 0: one bucket per minute in `minutes` (minute numbers),
 * 2 columns (column-major), values from `v`.
 */
function minutes(list: number[], v = (c: number, k: number) => c * 10 + k): FeatureMinuteRow {
  const nb = list.length;
  const col = (f: (c: number, m: number) => number) => {
    const a = new Float32Array(nb * 2);
    for (let c = 0; c < 2; c++) list.forEach((m, k) => (a[c * nb + k] = f(c, m)));
    return a;
  };
  return {
    id: 'S1:h0', sessionId: 'S1', nodeId: 'N1', hourIndex: 0, startMs: T0 + list[0] * 60_000, endMs: T0 + (list[nb - 1] + 1) * 60_000 - 10, chunkStartMs: T0, buckets: nb,
    tUsOffset: Uint32Array.from(list, (m) => m * 60_000_000), windows: Uint32Array.from(list, () => 5625),
    min: col((c, m) => v(c, m) - 1), mean: col(v), max: col((c, m) => v(c, m) + 1), bytes: 0,
  };
}

/** The Blob's bytes (jsdom-free: Node's Blob). */
const bytesOf = async (b: Blob) => new Uint8Array(await b.arrayBuffer());

describe('per-minute summaries travel in bundles (featureMinutes)', () => {
  it('a bundle exported from one laptop carries the per-minute rows, and they arrive bit for bit', async () => {
    const from = await seed();
    await from.featureMinutes.put(minutes([0, 1, 2, 5], (c, m) => (m === 2 && c === 1 ? Number.NaN : c * 10 + m + 0.1)));
    const all = await exportBundle(from, { actor: 'Ben' });
    expect(all.counts.featureMinutes).toBe(1);
    const one = await exportBundle(from, { actor: 'Ben', sessionIds: ['S1'] });
    expect(one.counts.featureMinutes).toBe(1);
    const none = await exportBundle(from, { actor: 'Ben', sessionIds: ['S2'] });
    expect(none.counts.featureMinutes).toBe(0);
    const to = freshDb();
    const r = await importBundle(to, await bytesOf(one.blob), 'Ana');
    expect(r.tables.featureMinutes).toMatchObject({ added: 1 });
    const got = (await to.featureMinutes.get('S1:h0'))!;
    const sent = (await from.featureMinutes.get('S1:h0'))!;
    for (const k of ['tUsOffset', 'windows', 'min', 'mean', 'max'] as const) {
      expect(new Uint8Array(got[k].buffer, got[k].byteOffset, got[k].byteLength)).toEqual(new Uint8Array(sent[k].buffer, sent[k].byteOffset, sent[k].byteLength));
    }
    expect(got).toMatchObject({ sessionId: 'S1', nodeId: 'N1', hourIndex: 0, buckets: 4, chunkStartMs: T0 });
  });

  it('an older bundle, without the per-minute section, still imports', async () => {
    const db = freshDb();
    const old = bundle({ sessions: [session()], featureChunks: [chunk(3)], labels: [label()] });
    const r = await importBundle(db, old, 'Ben');
    expect(r.tables.sessions).toMatchObject({ added: 1 });
    expect(r.tables.featureChunks).toMatchObject({ added: 1 });
    expect(r.tables.featureMinutes).toMatchObject({ added: 0, updated: 0, conflicts: 0 });
    expect(await db.featureMinutes.count()).toBe(0);
  });

  it('never replaces a stored per-minute row silently: other values are a conflict, fewer or equal minutes are left; one that holds every stored minute, then more, is taken and can be undone', async () => {
    const db = await seed();
    await db.featureMinutes.put(minutes([0, 1, 2]));
    const stored = () => db.featureMinutes.get('S1:h0');
    // Same minutes, other values: left alone (nothing more in it).
    const same = await importBundle(db, bundle({ featureMinutes: [minutes([0, 1, 2], () => 42)] }), 'Ben');
    expect(same.tables.featureMinutes).toMatchObject({ updated: 0, unchanged: 1 });
    expect(Array.from((await stored())!.mean)).toEqual([0, 1, 2, 10, 11, 12]);
    // More minutes but a stored minute differs: a conflict, the local row kept, the reason said.
    const plan = await planImport(db, bundle({ featureMinutes: [minutes([0, 1, 2, 3], (c, m) => (m === 1 ? 99 : c * 10 + m))] }));
    expect(plan.tables.featureMinutes).toMatchObject({ updated: 0, conflicts: 1 });
    expect(plan.issues.find((i) => i.table === 'featureMinutes')!.reason).toMatch(/more minutes than the stored per-minute summary/);
    await applyImport(db, plan, 'Ben');
    expect((await stored())!.buckets).toBe(3);
    // A stored minute missing from the incoming row: a conflict too.
    const gap = await importBundle(db, bundle({ featureMinutes: [minutes([0, 2, 3, 4])] }), 'Ben');
    expect(gap.tables.featureMinutes).toMatchObject({ conflicts: 1 });
    // Every stored minute unchanged, then more: taken; undo brings the stored one back.
    const more = await importBundle(db, bundle({ featureMinutes: [minutes([0, 1, 2, 3, 4])] }), 'Ben');
    expect(more.tables.featureMinutes).toMatchObject({ updated: 1, conflicts: 0 });
    expect((await stored())!.buckets).toBe(5);
    await undoImport(db, more.importId, 'Ben');
    expect((await stored())!.buckets).toBe(3);
  });

  it('a per-minute row missing a column or its hour is refused in plain words, and nothing is stored', async () => {
    const db = freshDb();
    const { windows: _w, ...noWindows } = minutes([0]);
    const e = await importBundle(db, bundle({ sessions: [session()], featureMinutes: [noWindows] }), 'Ben').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BundleError);
    expect((e as Error).message).toMatch(/featureMinutes.*windows/);
    const { hourIndex: _h, ...noHour } = minutes([0]);
    await expect(importBundle(db, bundle({ featureMinutes: [noHour] }), 'Ben')).rejects.toThrow(/hourIndex/);
    expect(await db.sessions.count()).toBe(0);
    expect(await db.featureMinutes.count()).toBe(0);
  });
});

describe('a malformed bundle is refused in plain words', () => {
  /** A bundle whose manifest is `json` as written (checksum right, so only its shape is wrong). */
  function withManifest(json: string): Uint8Array {
    const m = new TextEncoder().encode(json);
    const out = new Uint8Array((16 + m.length + 7) & ~7);
    out.set(new TextEncoder().encode('VIGILDS1'));
    const dv = new DataView(out.buffer);
    dv.setUint32(8, m.length, true);
    dv.setUint32(12, crc32(m), true);
    out.set(m, 16);
    return out;
  }
  const good = { format: 'vigil-dataset', version: 1, createdMs: NOW, createdBy: 'Ben', schemaVersion: 2, counts: {}, sections: [], meta: {} };
  const cases: [string, string][] = [
    ['a null manifest', 'null'],
    ['sections that are not a list', JSON.stringify({ ...good, sections: 5 })],
    ['a section without offsets', JSON.stringify({ ...good, sections: [{ table: 'labels' }] })],
    ['a section that is null', JSON.stringify({ ...good, sections: [null] })],
    ['a bad date', JSON.stringify({ ...good, createdMs: 'yesterday' })],
  ];
  for (const [name, json] of cases) {
    it(name, async () => {
      const db = freshDb();
      const e = await importBundle(db, withManifest(json), 'Ben').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BundleError);
      expect((e as Error).message).toMatch(/bundle/i);
      expect(await db.audit.count()).toBe(0);
    });
  }

  it('rows with a bad date are refused, not stored', async () => {
    const db = freshDb();
    const e = await importBundle(db, bundle({ labels: [label({ startMs: Number.NaN })] }), 'Ben').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BundleError);
    expect(await db.labels.count()).toBe(0);
  });
});
