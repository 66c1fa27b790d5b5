// Retention compaction (issue 13 point 8): every window kept for the recent hours and around what
// matters (labels, events with their margin, raw snapshots); the rest compacted to per-second and
// then per-minute summaries, which the trends read.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { CHUNK_US, FeatureColumnsBuilder, packChunk, summarize, summarizeMinutes, type FeatureSummary } from '../../../models/dataset/columns';
import { VigilDb } from '../../../renderer/src/db/db';
import { readNodeSummaries, sessionSeries } from '../../../renderer/src/db/features';
import { createLabel } from '../../../renderer/src/db/labels';
import { applyRetention, DEFAULT_RULES, lastRetentionRun, loadRules, saveRules } from '../../../renderer/src/db/retention';
import type { EventRow, RawSnapshotRow, SessionRow } from '../../../renderer/src/db/types';

let n = 0;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 2, 0, 0, 0);
const RATE = 5; // windows per second (small, so a few hours stay quick in fake-indexeddb)

/** A live session of `hours` hours from T0 (2 axes, RMS), chunks and per-second summaries as the recorder writes them. */
async function liveSession(db: VigilDb, id: string, nodeId: string, hours: number, t0Ms = T0): Promise<SessionRow> {
  const layout = { axisCount: 2, fields: ['rms'], bandCount: 0 };
  const total = hours * 3600 * RATE;
  const b = new FeatureColumnsBuilder(layout, total);
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 0.01;
  for (let w = 0; w < total; w++) b.push(w, Math.floor((w * 1e6) / RATE), 0, [0.05 + rnd(), 0.07 + rnd()]);
  const chunks = [];
  for (let s = 0; s < total; s += 60 * RATE) chunks.push(packChunk(b, s, s + 60 * RATE, { sessionId: id, nodeId, t0Ms }));
  const sums = chunks.map(summarize);
  const session: SessionRow = {
    id,
    nodeId,
    assetId: null,
    kind: 'live',
    name: id,
    startMs: t0Ms,
    endMs: t0Ms + hours * HOUR - 1000 / RATE,
    t0Ms,
    sampleRateHz: 48000,
    windowLen: 1024,
    hop: 512,
    channels: ['X', 'Y'],
    layout,
    specKey: '',
    windowCount: total,
    gapWindows: 0,
    status: 'complete',
    source: null,
    bytes: { features: chunks.reduce((a, c) => a + c.bytes, 0), summaries: sums.reduce((a, c) => a + c.bytes, 0), raw: 0 },
    createdMs: t0Ms,
    updatedMs: t0Ms,
  };
  await db.sessions.put(session);
  await db.featureChunks.bulkPut(chunks);
  await db.featureSummaries.bulkPut(sums);
  return session;
}

function event(id: string, nodeId: string, startMs: number, endMs: number): EventRow {
  return { id, nodeId, sessionId: null, startMs, endMs, kind: 'anomaly alarm', score: 1, message: '', createdMs: startMs, updatedMs: startMs };
}

function snapshot(id: string, sessionId: string, nodeId: string, startMs: number, reason: 'schedule' | 'event'): RawSnapshotRow {
  const count = 6000;
  return { id, sessionId, nodeId, startMs, tUs: 0, sampleRateHz: 6000, axisCount: 2, count, samples: new Float32Array(count * 2), reason, eventId: null, bytes: count * 8 };
}

/** Minute index (from T0) of every chunk / per-second row still stored for a session. */
async function minutesLeft(db: VigilDb, table: 'featureChunks' | 'featureSummaries', sessionId: string): Promise<number[]> {
  return (await db[table].where('sessionId').equals(sessionId).toArray()).map((r) => r.chunkIndex).sort((a, b) => a - b);
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('per-minute summaries', () => {
  it('are the aggregate of the per-second ones: min of mins, max of maxes, count-weighted mean', () => {
    const mk = (chunkIndex: number, windows: number[], mins: number[], means: number[], maxs: number[]): FeatureSummary => ({
      id: `s:${chunkIndex}`,
      sessionId: 's',
      nodeId: 'n',
      chunkIndex,
      startMs: 1000 + chunkIndex * MIN,
      endMs: 1000 + chunkIndex * MIN + 59_000,
      chunkStartMs: 1000 + chunkIndex * MIN,
      buckets: windows.length,
      tUsOffset: Uint32Array.from(windows.map((_, k) => k * 1e6)),
      windows: Uint16Array.from(windows),
      min: Float32Array.from(mins),
      mean: Float32Array.from(means),
      max: Float32Array.from(maxs),
      bytes: 0,
    });
    // Column 1 has a second with no value (NaN): it does not count.
    const a = mk(61, [2, 6], [1, 0.5, 3, NaN], [2, 1, 4, NaN], [3, 9, 5, NaN]);
    const b = mk(63, [4], [-1, 7], [0, 8], [2, 10]);
    const m = summarizeMinutes([b, a]);
    expect(m.id).toBe('s:h1');
    expect(m.hourIndex).toBe(1);
    expect(m.chunkStartMs).toBe(1000 + 60 * MIN);
    expect([...m.tUsOffset]).toEqual([CHUNK_US, 3 * CHUNK_US]);
    expect([...m.windows]).toEqual([8, 4]);
    // Column-major: column 0 buckets [minute 61, minute 63], then column 1.
    expect([...m.min]).toEqual([0.5, -1, 3, 7]);
    expect([...m.max]).toEqual([9, 2, 5, 10]);
    expect(m.mean[0]).toBeCloseTo((2 * 2 + 6 * 1) / 8, 6);
    expect(m.mean[1]).toBe(0);
    expect(m.mean[2]).toBeCloseTo(4, 6);
    expect(m.mean[3]).toBe(8);
    expect(() => summarizeMinutes([a, mk(125, [1], [0, 0], [0, 0], [0, 0])])).toThrow(/session-hour/);
  });
});

describe('compaction', () => {
  it('deletes only what it may, keeps labels, events with their margin and raw snapshots, and is idempotent', async () => {
    const db = new VigilDb(`compaction-${++n}`);
    await liveSession(db, 'L', 'node-1', 6); // minutes 0..359
    await liveSession(db, 'O', 'node-2', 2); // another node, nothing on it
    // Event on node-1 from minute 100:30 to 102:10; margin 10 min: minutes 90..112 stay.
    await db.events.put(event('e1', 'node-1', T0 + 100.5 * MIN, T0 + 102.2 * MIN));
    // The same event time on node-2 (an event of node-1 does not protect node-2): nothing kept there but its own.
    // A label on minutes 200..204 (200:00 to 204:30).
    await createLabel(db, { nodeId: 'node-1', sessionId: 'L', startMs: T0 + 200 * MIN, endMs: T0 + 204.5 * MIN, label: 'looseness', notes: '', author: 'Ana' });
    // A deleted label protects nothing.
    const gone = await createLabel(db, { nodeId: 'node-1', sessionId: 'L', startMs: T0 + 300 * MIN, endMs: T0 + 301 * MIN, label: 'normal', notes: '', author: 'Ana' });
    await db.labels.update(gone.id, { deletedMs: T0 });
    // Raw snapshots of 1 s: one kept forever at 250:30, a scheduled one (kept 30 days) straddling minutes 270/271.
    await db.rawSnapshots.bulkPut([snapshot('r1', 'L', 'node-1', T0 + 250.5 * MIN, 'event'), snapshot('r2', 'L', 'node-1', T0 + 271 * MIN - 500, 'schedule')]);
    // An imported recording of the same age is never compacted.
    await liveSession(db, 'I', 'node-3', 1);
    await db.sessions.update('I', { kind: 'import' });
    const before = await db.sessions.get('L');

    const now = T0 + 6 * HOUR + 24 * HOUR + 30 * MIN; // the whole recording is more than 24 h old
    const r = await applyRetention(db, DEFAULT_RULES, now);
    const keptL = [...range(90, 113), ...range(200, 205), 250, 270, 271];
    expect(await minutesLeft(db, 'featureChunks', 'L')).toEqual(keptL);
    expect(await minutesLeft(db, 'featureChunks', 'O')).toEqual([]);
    expect(await minutesLeft(db, 'featureChunks', 'I')).toEqual(range(0, 60));
    expect(r.featureChunks).toBe(360 - keptL.length + 120);
    expect(r.chunksKept).toBe(keptL.length);
    expect(r.summariesRebuilt).toBe(0);
    // Every per-second summary stays (30 days), and a per-minute row was written for every hour of the live recordings.
    expect(await minutesLeft(db, 'featureSummaries', 'L')).toEqual(range(0, 360));
    expect(r.featureSummaries).toBe(0);
    expect(r.minutesWritten).toBe(6 + 2);
    expect(await db.featureMinutes.where('sessionId').equals('I').count()).toBe(0);
    // Session bytes follow.
    const after = (await db.sessions.get('L'))!;
    const chunkBytes = (await db.featureChunks.where('sessionId').equals('L').toArray()).reduce((a, c) => a + c.bytes, 0);
    expect(after.bytes.features).toBe(chunkBytes);
    const minuteBytes = (await db.featureMinutes.where('sessionId').equals('L').toArray()).reduce((a, c) => a + c.bytes, 0);
    // Old summaries are stored coded (retention-values.test.ts): `bytes` of a row read is what it takes as stored.
    const secondBytes = (await db.featureSummaries.where('sessionId').equals('L').toArray()).reduce((a, c) => a + c.bytes, 0);
    expect(after.bytes.summaries).toBe(secondBytes + minuteBytes);
    expect(secondBytes).toBeLessThan(before!.bytes.summaries);
    // The audit log records the compaction; the Storage page reads the last run.
    const audit = await db.audit.where('action').equals('retention.apply').toArray();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].detail).result).toMatchObject({ featureChunks: r.featureChunks, chunksKept: keptL.length, minutesWritten: 8 });
    expect(await lastRetentionRun(db)).toMatchObject({ atMs: now, result: r });

    // Again at the same time: nothing changes, no new audit row.
    const snap = async () => ({ c: await db.featureChunks.toCollection().primaryKeys(), s: await db.featureSummaries.toCollection().primaryKeys(), m: await db.featureMinutes.toArray(), sess: await db.sessions.toArray() });
    const s1 = await snap();
    const r2 = await applyRetention(db, DEFAULT_RULES, now);
    expect(r2).toMatchObject({ featureChunks: 0, featureSummaries: 0, minutesWritten: 0, summariesRebuilt: 0, chunksKept: keptL.length });
    expect(await snap()).toEqual(s1);
    expect(await db.audit.where('action').equals('retention.apply').count()).toBe(1);

    // 40 days on, the per-second summaries go where they may, leaving per-minute ones; the scheduled
    // snapshot has gone by its rule, and with it the protection of minutes 270 and 271.
    const later = now + 40 * DAY;
    const r3 = await applyRetention(db, DEFAULT_RULES, later);
    const keptLater = keptL.filter((m) => m !== 270 && m !== 271);
    expect(r3.rawSnapshots).toBe(1);
    expect(await minutesLeft(db, 'featureSummaries', 'L')).toEqual(keptLater);
    expect(await minutesLeft(db, 'featureChunks', 'L')).toEqual(keptLater);
    expect(r3.featureChunks).toBe(2);
    expect(r3.featureSummaries).toBe(360 - keptLater.length + 120);
    // Everything labelled or around the event is still there at full resolution.
    expect(keptLater).toEqual(expect.arrayContaining([...range(90, 113), ...range(200, 205)]));
    expect(await minutesLeft(db, 'featureSummaries', 'I')).toEqual(range(0, 60));
    expect(await db.audit.where('action').equals('retention.apply').count()).toBe(2);
    expect(await applyRetention(db, DEFAULT_RULES, later)).toMatchObject({ featureChunks: 0, featureSummaries: 0, minutesWritten: 0 });
  });

  it('rebuilds a missing per-second summary before deleting its chunk', async () => {
    const db = new VigilDb(`compaction-${++n}`);
    await liveSession(db, 'L', 'node-1', 1);
    const lost = await db.featureSummaries.get('L:5');
    await db.featureSummaries.delete('L:5');
    const r = await applyRetention(db, DEFAULT_RULES, T0 + 2 * DAY);
    expect(r.summariesRebuilt).toBe(1);
    expect(await db.featureChunks.count()).toBe(0);
    // Rebuilt as it was (then stored coded with the other old summaries, its RMS within 2^-14 outside labels: `bytes` is what it takes as stored).
    const { bytes, min, mean, max, valueBound, ...rebuilt } = (await db.featureSummaries.get('L:5'))! as FeatureSummary & { valueBound?: unknown };
    const { bytes: lostBytes, min: lostMin, mean: lostMean, max: lostMax, ...lostRest } = lost!;
    expect(rebuilt).toEqual(lostRest);
    expect(valueBound).toEqual({ maxRelError: 2 ** -14, columns: [0, 1] });
    for (const [a, b] of [[min, lostMin], [mean, lostMean], [max, lostMax]]) for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(b[i] * 2 ** -14);
    expect(bytes).toBeLessThan(lostBytes);
  });

  it('a longer margin keeps more; 0 hours keeps every window forever', async () => {
    const db = new VigilDb(`compaction-${++n}`);
    await liveSession(db, 'L', 'node-1', 2);
    await db.events.put(event('e1', 'node-1', T0 + 60 * MIN, T0 + 60 * MIN));
    expect(await applyRetention(db, { ...DEFAULT_RULES, fullResolutionHours: 0 }, T0 + 10 * DAY)).toMatchObject({ featureChunks: 0 });
    await applyRetention(db, { ...DEFAULT_RULES, eventMarginMinutes: 30 }, T0 + 10 * DAY);
    expect(await minutesLeft(db, 'featureChunks', 'L')).toEqual(range(30, 91));
  });

  it('the trends read per-minute summaries where the per-second ones are gone', async () => {
    const db = new VigilDb(`compaction-${++n}`);
    const s = await liveSession(db, 'L', 'node-1', 3);
    await createLabel(db, { nodeId: 'node-1', sessionId: 'L', startMs: T0 + 30 * MIN + 1000, endMs: T0 + 30 * MIN + 2000, label: 'normal', notes: '', author: 'Ana' });
    const full = await readNodeSummaries(db, 'node-1', T0, T0 + 3 * HOUR);
    const seriesBefore = await sessionSeries(db, s, 'rms');
    expect(seriesBefore.resolution).toBe('full'); // 54,000 windows
    await applyRetention(db, DEFAULT_RULES, T0 + 40 * DAY);
    expect(await minutesLeft(db, 'featureSummaries', 'L')).toEqual([30]);

    const sums = await readNodeSummaries(db, 'node-1', T0, T0 + 3 * HOUR);
    // 179 minutes per minute, and minute 30 per second.
    expect(sums.tMs.length).toBe(179 + 60);
    expect([...sums.tMs].every((t, i) => i === 0 || t > sums.tMs[i - 1])).toBe(true);
    expect(sums.bucketS.filter((b) => b === 60).length).toBe(179);
    // A minute's mean is the mean of its seconds; its min and max theirs.
    const m = 95;
    const i = [...sums.tMs].indexOf(T0 + m * MIN);
    const secs = range(0, 60).map((k) => [...full.tMs].indexOf(T0 + m * MIN + k * 1000));
    expect(sums.bucketS[i]).toBe(60);
    expect(sums.windows[i]).toBe(60 * RATE);
    // Within retention's bound outside labels (2^-14 of the level; float32 sums add a few ulps).
    const near = (x: number, want: number) => expect(Math.abs(x - want)).toBeLessThanOrEqual(want * (2 ** -14 + 2 ** -20));
    near(sums.mean[0][i], secs.reduce((a, k) => a + full.mean[0][k], 0) / 60);
    near(sums.min[1][i], Math.min(...secs.map((k) => full.min[1][k])));
    near(sums.max[1][i], Math.max(...secs.map((k) => full.max[1][k])));

    // The recording's chart: its windows are compacted, so it draws the summaries, without a break.
    const series = await sessionSeries(db, (await db.sessions.get('L'))!, 'rms');
    expect(series.resolution).toBe('summary');
    expect(series.points).toBe(179 + 60);
    expect(series.y[0].every((v) => v !== null)).toBe(true);
    expect(series.x[0]).toBe(T0 / 1000);
  });

  it('keeps the technician’s old "delete every window after N days" as N x 24 hours, and checks units', async () => {
    const db = new VigilDb(`compaction-${++n}`);
    await db.settings.put({ key: 'retention', value: { liveFeaturesDays: 30, summariesDays: 0, scheduledRawDays: 30, eventRawDays: 0, auditDays: 0 } });
    expect(await loadRules(db)).toEqual({ ...DEFAULT_RULES, fullResolutionHours: 720 });
    await expect(saveRules(db, { ...DEFAULT_RULES, eventMarginMinutes: 2000 }, 'Ana')).rejects.toThrow(/minutes from 0 to 1440/);
    await saveRules(db, { ...DEFAULT_RULES, fullResolutionHours: 48 }, 'Ana');
    expect(await loadRules(db)).toEqual({ ...DEFAULT_RULES, fullResolutionHours: 48 });
  });
});
