import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/firmware';
import { CsvStreamParser } from '../../../models/dataset/csv';
import { sniffCsv } from '../../../models/dataset/formats';
import { RecordingBuilder } from '../../../models/dataset/recording';
import { buildImportRows } from '../../../renderer/src/import/buildRows';
import { isQuotaError, VigilDb } from '../../../renderer/src/db/db';
import { exportBundle, importBundle } from '../../../renderer/src/db/exchange';
import { readNodeFeatures, readNodeSummaries, sessionSeries } from '../../../renderer/src/db/features';
import { createLabel, deleteLabel, queryLabels, restoreLabel, updateLabel } from '../../../renderer/src/db/labels';
import { commitImport, deleteSession, setNodeAsset, type ImportRows } from '../../../renderer/src/db/recordings';
import { applyRetention, DEFAULT_RULES, storageStats } from '../../../renderer/src/db/retention';

const CSV = join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
let n = 0;
const freshDb = () => new VigilDb(`storage-${++n}`);
const T0 = Date.UTC(2024, 4, 2, 8, 0, 0);

function importRows(t0Ms = T0, ids = { sessionId: 'S-cwru', nodeId: 'N-cwru' }): ImportRows {
  const text = readFileSync(CSV, 'utf8');
  const { settings } = sniffCsv(text.slice(0, 4096), 'cwru_normal_0hp_1797rpm_48k_1s.csv');
  const b = new RecordingBuilder({ sampleRateHz: settings.sampleRateHz, axisCount: 2, segmentSpacingS: null });
  const p = new CsvStreamParser(settings.mapping, b);
  p.push(text);
  p.end();
  return buildImportRows(b.finish(), {
    ...ids,
    nodeName: 'CWRU DE/FE',
    assetId: null,
    newAsset: null,
    name: 'cwru normal',
    t0Ms,
    fileName: 'cwru_normal_0hp_1797rpm_48k_1s.csv',
    bytes: text.length,
    hash: 'h1',
    settings,
    nowMs: T0,
  });
}

async function counts(db: VigilDb) {
  return (await storageStats(db)).counts;
}

describe('import commit', () => {
  it('writes a recording, and reads it back by node and time', async () => {
    const db = freshDb();
    await commitImport(db, importRows(), 'Ana');
    const c = await counts(db);
    expect(c).toMatchObject({ sessions: 1, nodes: 1, featureChunks: 1, featureSummaries: 1, rawSnapshots: 1, gaps: 0, audit: 1 });
    const f = await readNodeFeatures(db, 'N-cwru', T0, T0 + 2000);
    expect(f.tMs.length).toBe(92);
    expect(f.tMs[0]).toBeCloseTo(T0 + 21.333, 3); // t_us = floor(1024 * 1e6 / 48000)
    expect(f.columns.length).toBe(10); // 2 axes x 5 fields
    const s = await readNodeSummaries(db, 'N-cwru', T0, T0 + 2000);
    expect(Array.from(s.windows)).toEqual([92]);
    expect(s.tMs[0]).toBe(T0);
    const series = await sessionSeries(db, (await db.sessions.get('S-cwru'))!, 'rms');
    expect(series.points).toBe(92);
    expect(series.y[0][0]).toBe(f.columns[0][0]);
  });

  it('leaves the database as it was when the write fails half-way', async () => {
    const db = freshDb();
    await commitImport(db, importRows(), 'Ana');
    const before = await counts(db);
    const rows = importRows(T0, { sessionId: 'S-2', nodeId: 'N-2' });
    rows.gaps = [{ ...rows.chunks[0], id: 'S-2:1' } as never, { id: 'S-2:1' } as never]; // the same id twice: bulkAdd fails after the chunks went in
    await expect(commitImport(db, rows, 'Ana')).rejects.toThrow();
    expect(await counts(db)).toEqual(before);
    expect(await db.sessions.get('S-2')).toBeUndefined();
    const cancelled = importRows(T0, { sessionId: 'S-3', nodeId: 'N-3' });
    await expect(commitImport(db, cancelled, 'Ana', { aborted: true })).rejects.toThrow();
    expect(await counts(db)).toEqual(before);
  });

  it('recognises quota errors however Dexie wraps them', () => {
    expect(isQuotaError({ name: 'QuotaExceededError' })).toBe(true);
    expect(isQuotaError({ name: 'AbortError', inner: { name: 'QuotaExceededError' } })).toBe(true);
    expect(isQuotaError({ name: 'ConstraintError' })).toBe(false);
    expect(isQuotaError(undefined)).toBe(false);
  });

  it('deletes a recording with everything that hangs off it', async () => {
    const db = freshDb();
    await commitImport(db, importRows(), 'Ana');
    await createLabel(db, { nodeId: 'N-cwru', sessionId: 'S-cwru', startMs: T0, endMs: T0 + 100, label: 'normal', notes: '', author: 'Ana' });
    expect(await deleteSession(db, 'S-cwru', 'Ana')).toEqual({ labels: 1 });
    expect(await counts(db)).toMatchObject({ sessions: 0, featureChunks: 0, featureSummaries: 0, rawSnapshots: 0, labels: 0 });
  });
});

describe('labels', () => {
  it('creates, edits, deletes and undoes, with the asset and an audit trail', async () => {
    const db = freshDb();
    await commitImport(db, importRows(), 'Ana');
    await setNodeAsset(db, 'N-cwru', 'Pump 3', 'Ana');
    const a = await createLabel(db, { nodeId: 'N-cwru', sessionId: 'S-cwru', startMs: T0 + 100, endMs: T0 + 300, label: 'inner-race', notes: ' clicking ', author: 'Ana' });
    expect(a.notes).toBe('clicking');
    const asset = (await db.assets.toArray())[0];
    expect(a.assetId).toBe(asset.id);
    const { before } = await updateLabel(db, a.id, { label: 'outer-race' }, 'Ben');
    expect(before.label).toBe('inner-race');
    expect((await queryLabels(db, { assetId: asset.id }))[0].label).toBe('outer-race');
    await restoreLabel(db, a.id, before, 'Ben'); // undo the edit
    expect((await db.labels.get(a.id))!.label).toBe('inner-race');
    const removed = await deleteLabel(db, a.id, 'Ana');
    expect(await queryLabels(db)).toEqual([]);
    await restoreLabel(db, a.id, removed, 'Ana'); // undo the delete
    expect((await queryLabels(db)).map((l) => l.id)).toEqual([a.id]);
    await restoreLabel(db, a.id, null, 'Ana'); // undo the create
    expect(await queryLabels(db)).toEqual([]);
    const actions = (await db.audit.toArray()).map((r) => r.action);
    expect(actions).toEqual(['import.csv', 'node.asset', 'label.create', 'label.edit', 'label.undo', 'label.delete', 'label.undo', 'label.undo']);
  });

  it('filters by node, label and time, and refuses bad input in plain words', async () => {
    const db = freshDb();
    const mk = (nodeId: string, s: number, label: 'normal' | 'cage') => createLabel(db, { nodeId, sessionId: null, startMs: T0 + s, endMs: T0 + s + 10, label, notes: '', author: 'Ana' });
    await mk('A', 0, 'normal');
    await mk('A', 100, 'cage');
    await mk('B', 200, 'cage');
    expect((await queryLabels(db, { nodeId: 'A' })).length).toBe(2);
    expect((await queryLabels(db, { label: 'cage' })).map((l) => l.nodeId).sort()).toEqual(['A', 'B']);
    expect((await queryLabels(db, { fromMs: T0 + 50, toMs: T0 + 150 })).map((l) => l.startMs)).toEqual([T0 + 100]);
    await expect(createLabel(db, { nodeId: 'A', sessionId: null, startMs: 5, endMs: 5, label: 'normal', notes: '', author: 'Ana' })).rejects.toThrow(/time range is empty/);
    await expect(createLabel(db, { nodeId: 'A', sessionId: null, startMs: 5, endMs: 6, label: 'normal', notes: '', author: ' ' })).rejects.toThrow(/Enter your name/);
  });
});

describe('dataset bundle exchange', () => {
  async function blobBytes(b: Blob) {
    return new Uint8Array(await b.arrayBuffer());
  }

  it('moves everything to a fresh database with identical counts, and importing twice adds nothing', async () => {
    const a = freshDb();
    await commitImport(a, importRows(), 'Ana');
    const l1 = await createLabel(a, { nodeId: 'N-cwru', sessionId: 'S-cwru', startMs: T0 + 100, endMs: T0 + 300, label: 'inner-race', notes: 'x', author: 'Ana' });
    await createLabel(a, { nodeId: 'N-cwru', sessionId: 'S-cwru', startMs: T0 + 400, endMs: T0 + 500, label: 'normal', notes: '', author: 'Ana' });
    const gone = await createLabel(a, { nodeId: 'N-cwru', sessionId: 'S-cwru', startMs: T0 + 600, endMs: T0 + 700, label: 'cage', notes: '', author: 'Ana' });
    await deleteLabel(a, gone.id, 'Ana');
    const out = await exportBundle(a, { actor: 'Ana' });
    expect(out.counts).toMatchObject({ sessions: 1, featureChunks: 1, labels: 3 });
    const bytes = await blobBytes(out.blob);

    const b = freshDb();
    const r1 = await importBundle(b, bytes, 'Ben');
    expect(r1.tables.labels).toEqual({ added: 3, updated: 0, unchanged: 0, conflicts: 0, refused: 0 });
    const ca = await counts(a);
    const cb = await counts(b);
    for (const t of ['sessions', 'nodes', 'featureChunks', 'featureSummaries', 'rawSnapshots', 'gaps', 'labels', 'events'] as const) expect(cb[t], t).toBe(ca[t]);
    expect(cb.labels).toBe(2);
    const chunkA = (await a.featureChunks.toArray())[0];
    const chunkB = (await b.featureChunks.toArray())[0];
    expect(chunkB.values).toEqual(chunkA.values);
    expect(chunkB.values!.buffer.byteLength).toBe(chunkA.values!.byteLength);

    const r2 = await importBundle(b, bytes, 'Ben');
    expect(Object.values(r2.tables).every((c) => c.added === 0 && c.updated === 0)).toBe(true);
    expect(await counts(b)).toMatchObject({ labels: 2, featureChunks: 1, sessions: 1 });

    // An edit made later on laptop A wins over B's older copy; B's own newer edit is kept otherwise.
    await updateLabel(a, l1.id, { notes: 'confirmed by vibration analyst' }, 'Ana');
    await importBundle(b, await blobBytes((await exportBundle(a, { actor: 'Ana' })).blob), 'Ben');
    expect((await b.labels.get(l1.id))!.notes).toBe('confirmed by vibration analyst');
  });

  it('refuses a damaged bundle without touching the database', async () => {
    const a = freshDb();
    await commitImport(a, importRows(), 'Ana');
    const bytes = new Uint8Array(await (await exportBundle(a, { actor: 'Ana' })).blob.arrayBuffer());
    bytes[bytes.length - 100] ^= 0xff;
    const b = freshDb();
    await expect(importBundle(b, bytes, 'Ben')).rejects.toThrow(/damaged/);
    expect(await counts(b)).toMatchObject({ sessions: 0, featureChunks: 0, audit: 0 });
  });

  it('exports one recording with its node and labels only', async () => {
    const a = freshDb();
    await commitImport(a, importRows(), 'Ana');
    await commitImport(a, importRows(T0 + 5000, { sessionId: 'S-b', nodeId: 'N-b' }), 'Ana');
    const out = await exportBundle(a, { actor: 'Ana', sessionIds: ['S-b'] });
    expect(out.counts).toMatchObject({ sessions: 1, nodes: 1, featureChunks: 1, labels: 0 });
  });
});

describe('retention', () => {
  it('deletes old live features by the rules, never imports or labelled stretches', async () => {
    const db = freshDb();
    const day = 86_400_000;
    const now = T0 + 100 * day;
    await commitImport(db, importRows(), 'Ana'); // an import, 100 days old
    const live = importRows(T0, { sessionId: 'L1', nodeId: 'node-1' });
    live.session.kind = 'live';
    live.session.source = null;
    live.raw = []; // a raw snapshot would keep its minute of every window (retention-compaction.test.ts)
    await commitImport(db, live, 'Vigil');
    const labelled = importRows(T0 + 10_000, { sessionId: 'L2', nodeId: 'node-1' });
    labelled.session.kind = 'live';
    labelled.session.source = null;
    labelled.raw = [];
    await commitImport(db, labelled, 'Vigil');
    await createLabel(db, { nodeId: 'node-1', sessionId: 'L2', startMs: T0 + 10_100, endMs: T0 + 10_200, label: 'looseness', notes: '', author: 'Ana' });
    const r = await applyRetention(db, { ...DEFAULT_RULES, fullResolutionHours: 720, summariesDays: 60 }, now);
    expect(r).toMatchObject({ featureChunks: 1, featureSummaries: 1 });
    expect((await db.featureChunks.toArray()).map((c) => c.sessionId).sort()).toEqual(['L2', 'S-cwru']);
    expect((await db.sessions.get('L1'))!.bytes.features).toBe(0);
    expect(await applyRetention(db, DEFAULT_RULES, T0 + day)).toMatchObject({ featureChunks: 0 });
  });
});
