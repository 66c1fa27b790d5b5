// Trends on clock time over a span from a minute to a month (issue 13 point 7): which stored
// resolution each span reads, how mixed resolutions are binned with gaps kept as gaps, the indexed
// reads (rows read counted, compacted stretches filled from the coarser resolution), the columns
// the live recorder now stores, and the alarm threshold known from a model file before any alarm.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeInfo } from '../../../models/api/contract';
import { type FeatureLayout, CHUNK_US, columnIndex, FeatureColumnsBuilder, LIVE_FIELDS, LIVE_NODE_FIELDS, MINUTE_ROW_US, scalarColumnCount, minuteRowId, packChunk, summarize, summarizeMinutes, type FeatureMinuteSummary } from '../../../models/dataset/columns';
import { readVgmFile } from '../../../models/nn/modelFile';
import { VigilDb } from '../../../renderer/src/db/db';
import { nodeEventsIn, readTrend } from '../../../renderer/src/db/trends';
import type { SessionRow } from '../../../renderer/src/db/types';
import { liveValues } from '../../../renderer/src/record/recorder';
import { deployedModelFile, knownThreshold, modelThreshold } from '../../../renderer/src/live/threshold';
import { recordDeployment, updateDeployment } from '../../../renderer/src/db/deployments';
import { binTrend, clockTickLabels, emptyPoints, pushPoint, resolutionFor, SOURCE_RANK, SPANS, spanOf } from '../../../renderer/src/live/trendSpan';
import { ROOT } from '../../helpers/firmware';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 4, 2, 0, 0, 0);
const RATE = 2; // windows per second: hours stay quick in fake-indexeddb
let n = 0;
const freshDb = () => new VigilDb(`trends-${n++}`);

/** A live session of `hours` hours from t0 (2 axes, the live layout): RMS 0.05/0.07 g, velocity 1 + minute/100 mm/s on axis 0, score 0.5 with one spike of 9. */
async function liveSession(db: VigilDb, id: string, nodeId: string, hours: number, t0Ms = T0, layout: FeatureLayout = { axisCount: 2, fields: LIVE_FIELDS, nodeFields: LIVE_NODE_FIELDS, bandCount: 0 }): Promise<SessionRow> {
  const total = hours * 3600 * RATE;
  const b = new FeatureColumnsBuilder(layout, total);
  for (let w = 0; w < total; w++) {
    const minute = Math.floor(w / (60 * RATE));
    const vals = new Array<number>(scalarColumnCount(layout)).fill(NaN);
    const put = (field: string, a: number, v: number) => {
      const c = columnIndex(layout, field, a);
      if (c >= 0) vals[c] = v;
    };
    for (let a = 0; a < 2; a++) {
      put('rms', a, a === 0 ? 0.05 : 0.07);
      put('velocityRmsMmS', a, a === 0 ? 1 + minute / 100 : 2);
    }
    put('anomalyScore', 0, w === 1000 ? 9 : 0.5);
    b.push(w, Math.floor((w * 1e6) / RATE), 0, vals);
  }
  const chunks = [];
  for (let s = 0; s < total; s += 60 * RATE) chunks.push(packChunk(b, s, s + 60 * RATE, { sessionId: id, nodeId, t0Ms }));
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
    bytes: { features: 0, summaries: 0, raw: 0 },
    createdMs: t0Ms,
    updatedMs: t0Ms,
  };
  await db.sessions.put(session);
  await db.featureChunks.bulkPut(chunks);
  await db.featureSummaries.bulkPut(chunks.map(summarize));
  return session;
}

/** What retention does to an hour: its per-minute row written, then its chunks and per-second rows deleted. */
async function compactHour(db: VigilDb, sessionId: string, hour: number, keepSeconds = false): Promise<void> {
  const seconds = (await db.featureSummaries.where('sessionId').equals(sessionId).toArray()).filter((r) => Math.floor(r.chunkIndex / 60) === hour).sort((a, b) => a.chunkIndex - b.chunkIndex);
  await db.featureMinutes.put(summarizeMinutes(seconds));
  await db.featureChunks.bulkDelete(seconds.map((r) => r.id));
  if (!keepSeconds) await db.featureSummaries.bulkDelete(seconds.map((r) => r.id));
}

describe('span → resolution', () => {
  it('reads every window up to ten minutes, per-second summaries for an hour and a day, per-minute ones for a week and a month', () => {
    expect(SPANS.map((s) => [s.key, s.source])).toEqual([
      ['1m', 'window'],
      ['10m', 'window'],
      ['1h', 'second'],
      ['1d', 'second'],
      ['1w', 'minute'],
      ['30d', 'minute'],
    ]);
    // Never more than about 1,500 bins on screen, never a bin finer than the resolution read.
    for (const s of SPANS) {
      if (s.binMs > 0) expect(s.ms / s.binMs).toBeLessThanOrEqual(1500);
      expect(s.binMs).toBeGreaterThanOrEqual(s.source === 'second' ? 1000 : s.source === 'minute' ? MIN : 0);
    }
    expect(spanOf('nonsense').key).toBe('1m');
    expect(spanOf('30d').ms).toBe(30 * DAY);
  });

  it('a zoomed range gets the finest resolution that keeps the read small', () => {
    expect(resolutionFor(30_000)).toEqual({ source: 'window', binMs: 0 });
    expect(resolutionFor(10 * MIN)).toEqual({ source: 'window', binMs: 500 });
    expect(resolutionFor(20 * MIN).source).toBe('second');
    expect(resolutionFor(DAY)).toEqual({ source: 'second', binMs: MIN });
    expect(resolutionFor(3 * DAY).source).toBe('minute');
    expect(resolutionFor(3 * DAY).binMs).toBeGreaterThanOrEqual(MIN);
  });
});

describe('binTrend', () => {
  const pts = (list: [number, number, number, number][]) => {
    const p = emptyPoints(1);
    for (const [t, len, v, s] of list) pushPoint(p, t, len, len === 0 ? 0 : len === 1000 ? 1 : 2, [v / 10], [v], s);
    return p;
  };

  it('averages velocity and RMS per bin, keeps the highest score, and breaks the line over an empty stretch', () => {
    // Windows every 100 ms for 10 s, none for 10 s, then 10 s more.
    const list: [number, number, number, number][] = [];
    for (let t = 0; t < 10_000; t += 100) list.push([T0 + t, 0, t < 5000 ? 1 : 3, t === 2000 ? 7 : 0.5]);
    for (let t = 20_000; t < 30_000; t += 100) list.push([T0 + t, 0, 2, 0.5]);
    const p = binTrend(pts(list), T0, T0 + 30_000, 1000);
    expect(p.binMs).toBe(1000);
    const i = p.x.findIndex((x) => x > (T0 + 4000) / 1000);
    expect(p.vel[0][i]).toBeCloseTo(1, 9);
    expect(p.vel[0][i + 1]).toBeCloseTo(3, 9);
    expect(p.rms[0][i]).toBeCloseTo(0.1, 6);
    expect(Math.max(...p.score.map((s) => s ?? 0))).toBe(7);
    // Exactly one break (null) in the 10 s without data, none elsewhere.
    expect(p.vel[0].filter((v) => v === null)).toHaveLength(1);
    const nullAt = p.x[p.vel[0].indexOf(null)] * 1000 - T0;
    expect(nullAt).toBeGreaterThan(10_000);
    expect(nullAt).toBeLessThan(20_000);
    expect(p.points).toBe(200);
  });

  it('draws every window below two minutes and breaks only where windows are missing', () => {
    const list: [number, number, number, number][] = [];
    for (let k = 0; k < 600; k++) if (k < 300 || k >= 310) list.push([T0 + k * 100, 0, 1, 0.5]);
    const p = binTrend(pts(list), T0, T0 + 60_000, 0);
    expect(p.binMs).toBe(0);
    expect(p.x).toHaveLength(590 + 1);
    expect(p.vel[0].filter((v) => v === null)).toHaveLength(1);
  });

  it('stored points then live ones bin as one series, without copying them together', () => {
    const stored: [number, number, number, number][] = [];
    for (let s = 0; s < 300; s++) stored.push([T0 + s * 1000, 1000, 1, 0.5]);
    const live: [number, number, number, number][] = [];
    for (let t = 300_000; t < 360_000; t += 100) live.push([T0 + t, 0, 2, t === 330_000 ? 5 : 0.5]);
    const one = binTrend(pts([...stored, ...live]), T0, T0 + 6 * MIN, 3000, SOURCE_RANK.second);
    const two = binTrend([pts(stored), pts(live)], T0, T0 + 6 * MIN, 3000, SOURCE_RANK.second);
    expect(two).toEqual(one);
    expect(two.vel[0].filter((v) => v === null)).toHaveLength(0);
    expect(Math.max(...two.score.map((s) => s ?? 0))).toBe(5);
  });

  it('a slow node does not read as gaps: a bin is at least two window steps', () => {
    const list: [number, number, number, number][] = [];
    for (let t = 0; t < 600_000; t += 2000) list.push([T0 + t, 0, 1, 0.5]);
    const p = binTrend(pts(list), T0, T0 + 600_000, 500);
    expect(p.binMs).toBe(4000);
    expect(p.vel[0].filter((v) => v === null)).toHaveLength(0);
  });

  it('a per-minute point fills every bin it covers and is reported as coarser than asked', () => {
    const list: [number, number, number, number][] = [];
    for (let m = 0; m < 10; m++) list.push([T0 + m * MIN, MIN, 2, 0.5]);
    for (let s = 600; s < 1200; s++) list.push([T0 + s * 1000, 1000, 1, 0.5]);
    const p = binTrend(pts(list), T0, T0 + 20 * MIN, 3000, SOURCE_RANK.second);
    expect(p.vel[0].filter((v) => v === null)).toHaveLength(0);
    expect(p.vel[0][0]).toBe(2);
    expect(p.vel[0][p.vel[0].length - 1]).toBe(1);
    expect(p.coarser).toEqual([{ fromMs: T0, toMs: T0 + 10 * MIN, res: SOURCE_RANK.minute }]);
  });
});

describe('clock-time axis labels', () => {
  it('HH:MM:SS for seconds, HH:MM with the date for hours, the date for days, in the interface language', () => {
    const at = new Date(2024, 11, 6, 14, 5, 30).getTime() / 1000;
    expect(clockTickLabels([at], 10, 'en')).toEqual(['14:05:30']);
    expect(clockTickLabels([at, at + 3600], 3600, 'en')).toEqual(['14:05\nDec 6', '15:05']);
    expect(clockTickLabels([at], 86_400, 'es')[0]).toMatch(/^6 dic/);
    expect(clockTickLabels([null], 60, 'en')).toEqual(['']);
    // Below a second's step the ticks are told apart by their tenths (decimal comma in Spanish).
    expect(clockTickLabels([at, at + 0.2], 0.2, 'en')).toEqual(['14:05:30.0', '14:05:30.2']);
    expect(clockTickLabels([at + 0.25], 0.05, 'es')).toEqual(['14:05:30,25']);
  });
});

describe('readTrend (fake-indexeddb)', () => {
  it('reads every window of a minute, with velocity RMS and the score the recorder stores', async () => {
    const db = freshDb();
    await liveSession(db, 's1', 'node-a', 1);
    const r = await readTrend(db, 'node-a', T0 + 5 * MIN, T0 + 6 * MIN, 'window', 2);
    expect(r.points.t).toHaveLength(60 * RATE);
    expect(r.points.res.every((x) => x === SOURCE_RANK.window)).toBe(true);
    expect(r.points.vel[0][0]).toBeCloseTo(1.05, 5);
    expect(r.points.vel[1][0]).toBe(2);
    expect(r.points.rms[1][0]).toBeCloseTo(0.07, 6);
    expect(r.points.score[0]).toBe(0.5);
    // Indexed: only the chunks of that minute (and the one before, whose windows may reach into it).
    expect(r.rows.chunks).toBeLessThanOrEqual(2);
    expect(r.t0Ms).toBe(T0);
    // Another node's rows are not read.
    await liveSession(db, 's2', 'node-b', 1);
    expect((await readTrend(db, 'node-b', T0 + 5 * MIN, T0 + 6 * MIN, 'window', 2)).points.t).toHaveLength(60 * RATE);
    db.close();
  });

  it('an hour from the per-second summaries: means per second, the largest score of each second', async () => {
    const db = freshDb();
    await liveSession(db, 's1', 'node-a', 1);
    const r = await readTrend(db, 'node-a', T0, T0 + HOUR, 'second', 2);
    expect(r.points.t).toHaveLength(3600);
    expect(r.rows.chunks).toBe(0);
    expect(r.rows.seconds).toBe(60);
    expect(Math.max(...r.points.score)).toBe(9);
    expect(r.points.len.every((l) => l === 1000)).toBe(true);
    db.close();
  });

  it('where retention compacted, the coarser rows fill in, and the plot says where', async () => {
    const db = freshDb();
    await liveSession(db, 's1', 'node-a', 3);
    await compactHour(db, 's1', 0);
    const r = await readTrend(db, 'node-a', T0, T0 + 3 * HOUR, 'second', 2);
    expect(r.points.t).toHaveLength(60 + 2 * 3600);
    expect(r.points.res.filter((x) => x === SOURCE_RANK.minute)).toHaveLength(60);
    const plot = binTrend(r.points, T0, T0 + 3 * HOUR, 10_000, SOURCE_RANK.second);
    expect(plot.coarser).toEqual([{ fromMs: T0, toMs: T0 + HOUR, res: SOURCE_RANK.minute }]);
    expect(plot.vel[0].filter((v) => v === null)).toHaveLength(0);
    // Every window asked for: the compacted hour comes from the per-minute row, the rest is every window.
    const w = await readTrend(db, 'node-a', T0 + 50 * MIN, T0 + 70 * MIN, 'window', 2);
    expect(w.points.res.filter((x) => x === SOURCE_RANK.minute)).toHaveLength(10);
    expect(w.points.res.filter((x) => x === SOURCE_RANK.window)).toHaveLength(10 * 60 * RATE);
    db.close();
  });

  it('a week or a month reads the per-minute rows, and only the per-second rows of minutes they do not hold', async () => {
    const db = freshDb();
    await liveSession(db, 's1', 'node-a', 3);
    await compactHour(db, 's1', 0, true); // the per-minute row written, the per-second rows still there
    const r = await readTrend(db, 'node-a', T0 - 6 * DAY, T0 + DAY, 'minute', 2);
    expect(r.points.t).toHaveLength(180);
    expect(r.rows.minutes).toBe(1);
    expect(r.rows.seconds).toBe(120); // hours 1 and 2 only: hour 0's 60 rows are not read
    // A minute rolled up from its per-second row equals the per-minute row's mean.
    const i60 = r.points.t.indexOf(T0 + 60 * MIN);
    expect(r.points.vel[0][i60]).toBeCloseTo(1.6, 5);
    expect(r.points.vel[0][59]).toBeCloseTo(1.59, 5);
    expect(Math.max(...r.points.score)).toBe(9);
    db.close();
  });

  it('a month of per-minute rows: 720 indexed rows, 43,200 minutes, nothing else read', async () => {
    const db = freshDb();
    await liveSession(db, 's1', 'node-a', 1);
    const seconds = (await db.featureSummaries.toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex);
    const hour = summarizeMinutes(seconds);
    await db.featureSummaries.clear();
    await db.featureChunks.clear();
    const start = T0 - 30 * DAY;
    await db.sessions.update('s1', { t0Ms: start, startMs: start, endMs: start + 30 * DAY });
    const rows: FeatureMinuteSummary[] = Array.from({ length: 720 }, (_, h) => ({
      ...hour,
      id: minuteRowId('s1', h),
      hourIndex: h,
      startMs: start + h * HOUR,
      endMs: start + (h + 1) * HOUR - 500,
      chunkStartMs: start + (h * MINUTE_ROW_US) / 1000,
    }));
    await db.featureMinutes.bulkPut(rows);
    // Another node's month must not be read.
    await db.featureMinutes.bulkPut(rows.map((r) => ({ ...r, id: `x${r.id}`, sessionId: 'other', nodeId: 'node-b' })));
    const r = await readTrend(db, 'node-a', T0 - 30 * DAY, T0, 'minute', 2);
    expect(r.rows).toEqual({ chunks: 0, seconds: 0, minutes: 720 });
    expect(r.points.t).toHaveLength(43_200);
    const plot = binTrend(r.points, T0 - 30 * DAY, T0, spanOf('30d').binMs, SOURCE_RANK.minute);
    expect(plot.x).toHaveLength(1440);
    expect(plot.coarser).toEqual([]);
    db.close();
  });

  it('an older recording (RMS only) draws its RMS and no velocity or score', async () => {
    const db = freshDb();
    await liveSession(db, 'old', 'node-a', 1, T0, { axisCount: 2, fields: ['rms'], bandCount: 0 });
    const r = await readTrend(db, 'node-a', T0, T0 + MIN, 'window', 2);
    expect(r.points.rms[0][0]).toBeCloseTo(0.05, 6);
    expect(r.points.vel[0].every((v) => Number.isNaN(v))).toBe(true);
    expect(r.points.score.every((v) => Number.isNaN(v))).toBe(true);
    db.close();
  });

  it('stored alarms in a range', async () => {
    const db = freshDb();
    const ev = (id: string, s: number, e: number) => ({ id, nodeId: 'node-a', sessionId: 's1', startMs: s, endMs: e, kind: 'anomaly alarm', score: 3, message: '', createdMs: s, updatedMs: s });
    await db.events.bulkPut([ev('a', T0, T0 + MIN), ev('b', T0 + 2 * HOUR, T0 + 2 * HOUR + MIN), { ...ev('c', T0, T0 + MIN), nodeId: 'node-b' }]);
    expect((await nodeEventsIn(db, 'node-a', T0 + 30_000, T0 + HOUR)).map((e) => e.id)).toEqual(['a']);
    db.close();
  });
});

describe('what the live recorder stores per window', () => {
  const layout = { axisCount: 2, fields: LIVE_FIELDS, nodeFields: LIVE_NODE_FIELDS, bandCount: 0 };
  const frame = (score: number | null | undefined, vel?: number[]): FeatureFrame => ({ windowIndex: 1, tUs: 1, shaftHz: 0, rmsG: [0.1, 0.2], velocityMmS: vel, anomalyScore: score });
  it('RMS and velocity RMS per axis (axis-major), then the score once; NaN where the node sends nothing or runs no model', () => {
    expect(Array.from(liveValues(frame(1.5, [3, 4]), layout))).toEqual([0.1, 3, 0.2, 4, 1.5]);
    expect(columnIndex(layout, 'anomalyScore', 1)).toBe(4);
    expect(scalarColumnCount(layout)).toBe(5);
    const none = Array.from(liveValues(frame(null), layout));
    expect(none[0]).toBe(0.1);
    expect(none.filter((v) => Number.isNaN(v))).toHaveLength(3);
    expect(Number.isNaN(liveValues(frame(-1, [1, 1]), layout)[4])).toBe(true);
    expect(Array.from(liveValues(frame(2), { axisCount: 2, fields: ['rms'], bandCount: 0 }))).toEqual([0.1, 0.2]);
  });
});

describe('the alarm threshold before the first alarm', () => {
  const file = new Uint8Array(readFileSync(join(ROOT, 'renderer/public/models/default.vgm')));
  const m = readVgmFile(file).model;
  const node = (
    info: { modelVersion: number; modelSource: 'built-in' | 'slot 0' | 'none' },
    kind: string,
    alarm?: { modelVersion: number; threshold: number },
    stated?: number | null,
  ): NodeInfo =>
    ({
      path: '/dev/x',
      status: 'online',
      demo: false,
      link: 'usb',
      hello: { uid: 'a'.repeat(24), info },
      condition: {
        alarm: alarm ? { ...alarm, active: false, sinceMs: 0 } : null,
        detector: { kind, learnPercent: 0, modelVersion: info.modelVersion, modelSource: info.modelSource, ...(stated !== undefined ? { threshold: stated } : {}) },
        lastSeenMs: 0,
      },
    }) as unknown as NodeInfo;

  it("the built-in model's threshold as a score: threshold_sumsq · s_in² / D", () => {
    const t = modelThreshold(file);
    expect(t.modelVersion).toBe(m.modelVersion);
    expect(t.score).toBeCloseTo((m.detector.thresholdSumsq * m.inputScale ** 2) / (m.axes.length * 32), 9);
    expect(t.score).toBeGreaterThan(0);
  });

  it('from the app copy of the built-in model, the model deployed to the node, else the last alarm of the same detector', async () => {
    const look = { builtIn: async () => file, byVersion: async (v: number) => (v === 7 ? file : null) };
    const builtIn = await knownThreshold(node({ modelVersion: m.modelVersion, modelSource: 'built-in' }, 'model'), look);
    expect(builtIn).toEqual({ value: modelThreshold(file).score, source: 'built-in', modelVersion: m.modelVersion });
    // The store holds no model of version 9 (and the file's version is not 9): the last alarm's, if from that model.
    expect(await knownThreshold(node({ modelVersion: 9, modelSource: 'slot 0' }, 'model', { modelVersion: 9, threshold: 4.2 }), look)).toEqual({ value: 4.2, source: 'alarm', modelVersion: 9 });
    expect(await knownThreshold(node({ modelVersion: 9, modelSource: 'slot 0' }, 'model', { modelVersion: 8, threshold: 4.2 }), look)).toBeNull();
    // The node's own baseline: only its alarms say its threshold.
    expect(await knownThreshold(node({ modelVersion: 0, modelSource: 'none' }, 'baseline', { modelVersion: 0, threshold: 2.5 }), look)).toEqual({ value: 2.5, source: 'alarm', modelVersion: 0 });
    expect(await knownThreshold(node({ modelVersion: 0, modelSource: 'none' }, 'learning', { modelVersion: 0, threshold: 2.5 }), look)).toBeNull();
    // A version mismatch between the node and the app's copy: not the same model, no threshold.
    expect(await knownThreshold(node({ modelVersion: m.modelVersion + 1, modelSource: 'built-in' }, 'model'), look)).toBeNull();
  });

  it("prefers the node's own statement (protocol 1.4): its learned baseline, a model from another laptop, over the app's copy", async () => {
    let looked = 0;
    const look = {
      builtIn: async () => (looked++, file),
      byVersion: async () => (looked++, null),
    };
    // The learned baseline, before any alarm: only the node can say it.
    expect(await knownThreshold(node({ modelVersion: 0, modelSource: 'none' }, 'baseline', undefined, 3.6), look)).toEqual({ value: 3.6, source: 'node-baseline', modelVersion: 0 });
    // A model this app never deployed (slot 0, version 12): the node's word, no file needed.
    expect(await knownThreshold(node({ modelVersion: 12, modelSource: 'slot 0' }, 'model', undefined, 1.25), look)).toEqual({ value: 1.25, source: 'node-model', modelVersion: 12 });
    // Even where the app holds the file, the node's statement comes first (it is what the node compares with).
    expect(await knownThreshold(node({ modelVersion: m.modelVersion, modelSource: 'built-in' }, 'model', { modelVersion: m.modelVersion, threshold: 9 }, 1.5), look)).toEqual({ value: 1.5, source: 'node-model', modelVersion: m.modelVersion });
    expect(looked).toBe(0);
    // The node says none now (learning): none, whatever an old alarm said.
    expect(await knownThreshold(node({ modelVersion: 0, modelSource: 'none' }, 'learning', { modelVersion: 0, threshold: 2.5 }, null), look)).toBeNull();
    // None now at an unseen speed: the last alarm of that baseline still draws the line, as before 1.4.
    expect(await knownThreshold(node({ modelVersion: 0, modelSource: 'none' }, 'unseen-condition', { modelVersion: 0, threshold: 2.5 }, null), look)).toEqual({ value: 2.5, source: 'alarm', modelVersion: 0 });
    // Older firmware (no statement) or a stated null on a model: today's lookup, the app's copy.
    expect((await knownThreshold(node({ modelVersion: m.modelVersion, modelSource: 'built-in' }, 'model', undefined, null), look))?.source).toBe('built-in');
    expect((await knownThreshold(node({ modelVersion: m.modelVersion, modelSource: 'built-in' }, 'model'), look))?.source).toBe('built-in');
  });
});

describe('the model this app deployed to the node', () => {
  it('is found by the node and version of a confirmed or trial deployment, not by the version alone', async () => {
    const db = freshDb();
    const file = new Uint8Array(readFileSync(join(ROOT, 'renderer/public/models/default.vgm')));
    const node = 'c'.repeat(24);
    await db.models.put({ id: 'm7', name: 'v7', version: 7, nodeId: node, kind: 'autoencoder-int8', specKey: '', blob: file, blobBytes: file.length, architecture: '', channels: [], lineage: null, summary: null, verdict: '', note: '', meta: {}, createdMs: 1, updatedMs: 1 } as never);
    // Stored but never deployed to this node: unknown.
    expect(await deployedModelFile(db, node, 7)).toBeNull();
    const { id } = await recordDeployment(db, { modelId: 'm7', nodeId: node, actor: 'test' });
    expect(await deployedModelFile(db, node, 7)).toBeNull(); // only requested
    await updateDeployment(db, id, { status: 'sending' });
    await updateDeployment(db, id, { status: 'confirmed' });
    expect(await deployedModelFile(db, node, 7)).toEqual(file);
    expect(await deployedModelFile(db, node, 8)).toBeNull();
    expect(await deployedModelFile(db, 'd'.repeat(24), 7)).toBeNull();
    db.close();
  });
});

void CHUNK_US;
