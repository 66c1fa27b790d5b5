// Retention stores the feature values it keeps past `fullResolutionHours` coded without loss
// (models/dataset/valueCodec.ts): the scalar columns of the old minutes kept whole, the old
// per-second summaries and the per-minute rows. Every reader sees exactly what it saw before (chunks
// through unpackChunk, summaries through the database's reading hook), bit for bit; a labelled
// minute keeps every value; a second run changes nothing; a watermark per recording
// (`retention.valuesCoded`) keeps rows from being read again.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { packChunkRow, unpackChunk, type PackedFeatureChunk } from '../../../models/dataset/chunkCodec';
import { FeatureColumnsBuilder, packChunk, summarize, summarizeMinutes, type FeatureChunk, type FeatureSummary } from '../../../models/dataset/columns';
import { isCodedSummary } from '../../../models/dataset/summaryCodec';
import { VigilDb } from '../../../renderer/src/db/db';
import { readNodeSummaries } from '../../../renderer/src/db/features';
import { createLabel } from '../../../renderer/src/db/labels';
import { applyRetention, DEFAULT_RULES, lastRetentionRun } from '../../../renderer/src/db/retention';
import type { SessionRow } from '../../../renderer/src/db/types';

let n = 0;
const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 2, 0, 0, 0);
const RATE = 5; // windows per second (small, so hours stay quick in fake-indexeddb)
const LAYOUT = { axisCount: 2, fields: ['rms', 'velocityRmsMmS'], nodeFields: ['anomalyScore'], bandCount: 2 };

/** A live session of `hours` hours from T0 (RMS and velocity per axis, the score, 2 bands per axis), stored as the recorder stores it. */
async function liveSession(db: VigilDb, id: string, nodeId: string, hours: number): Promise<{ full: FeatureChunk[]; sums: FeatureSummary[] }> {
  const total = hours * 3600 * RATE;
  const b = new FeatureColumnsBuilder(LAYOUT, total);
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let w = 0; w < total; w++) {
    // The second axis sends no velocity (NaN), the score is NaN now and then: both must come back as they were.
    b.push(w, Math.floor((w * 1e6) / RATE), 29.95, [0.05 + rnd() / 100, 0.25 + rnd() / 50, 0.07 + rnd() / 100, NaN, w % 97 ? 0.4 + rnd() / 10 : NaN], [-4 - rnd(), -5 - rnd(), -4.5 - rnd(), -5.5 - rnd()]);
  }
  const full: FeatureChunk[] = [];
  for (let s = 0; s < total; s += 60 * RATE) full.push(packChunk(b, s, s + 60 * RATE, { sessionId: id, nodeId, t0Ms: T0 }));
  const chunks = full.map((c) => packChunkRow(c));
  const sums = full.map(summarize);
  const session: SessionRow = {
    id, nodeId, assetId: null, kind: 'live', name: id, startMs: T0, endMs: T0 + hours * HOUR - 1000 / RATE, t0Ms: T0, sampleRateHz: 48000, windowLen: 1024, hop: 512,
    channels: ['X', 'Y'], layout: LAYOUT, specKey: '', windowCount: total, gapWindows: 0, status: 'complete', source: null,
    bytes: { features: chunks.reduce((a, c) => a + c.bytes, 0), summaries: sums.reduce((a, c) => a + c.bytes, 0), raw: 0 }, createdMs: T0, updatedMs: T0,
  };
  await db.sessions.put(session);
  await db.featureChunks.bulkPut(chunks);
  await db.featureSummaries.bulkPut(sums);
  return { full, sums };
}

/** The same database without the app's reading hook: rows as they are stored. */
async function rawDb(name: string): Promise<Dexie> {
  const raw = new Dexie(name);
  await raw.open();
  return raw;
}

const bitsOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
/** A summary row with every typed array as its bytes (bit for bit, NaN payloads included), `bytes` left out. */
function summaryBits(r: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'bytes') out[k] = ArrayBuffer.isView(v) ? `${v.constructor.name}:${bitsOf(v)}` : v;
  return out;
}

describe('retention codes the feature values it keeps', () => {
  it('old kept minutes, per-second summaries and per-minute rows are stored coded and read back bit for bit; the recent hours are untouched', async () => {
    const name = `retention-values-${++n}`;
    const db = new VigilDb(name);
    const { full, sums } = await liveSession(db, 'S', 'node-s', 6); // minutes 0..359
    // An event over minutes 100..102: minutes 90..112 kept whole. A label over minutes 30..39: kept whole, bands too.
    await db.events.put({ id: 'e1', nodeId: 'node-s', sessionId: null, startMs: T0 + 100.5 * MIN, endMs: T0 + 102.2 * MIN, kind: 'anomaly alarm', score: 1, message: '', createdMs: T0, updatedMs: T0 });
    await createLabel(db, { nodeId: 'node-s', sessionId: 'S', eventId: null, startMs: T0 + 30 * MIN, endMs: T0 + 39.5 * MIN, label: 'outer-race', notes: '', author: 'Ana' });
    const dayBefore = await readNodeSummaries(db, 'node-s', T0, T0 + 6 * HOUR);
    const labelledBefore = (await db.featureChunks.bulkGet(range(30, 40).map((k) => `S:${k}`))) as PackedFeatureChunk[];
    // 27 hours after T0: minutes before 180 are older than fullResolutionHours (24 h).
    const r = await applyRetention(db, DEFAULT_RULES, T0 + 27 * HOUR);

    const kept = (await db.featureChunks.where('sessionId').equals('S').toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex) as PackedFeatureChunk[];
    // Minute 179 ends just before the cutoff but starts within a minute of it: retention leaves it for the next run (its chunk, its values).
    expect(kept.map((c) => c.chunkIndex)).toEqual([...range(30, 40), ...range(90, 113), ...range(179, 360)]);
    for (const c of kept) {
      const old = c.chunkIndex < 179;
      expect([c.chunkIndex, c.values === null, c.valueBits != null]).toEqual([c.chunkIndex, old, old]);
      const back = unpackChunk(c);
      const orig = full[c.chunkIndex];
      for (const k of ['windowIndex', 'tUsOffset', 'shaftHz', 'values'] as const) expect(bitsOf(back[k]), `${c.chunkIndex} ${k}`).toBe(bitsOf(orig[k]));
    }
    // The labelled minutes: every value as it was, their bands exactly as stored before (not quantized again), less space.
    for (const [i, before] of labelledBefore.entries()) {
      const after = kept[i];
      expect(after.chunkIndex).toBe(30 + i);
      expect(bitsOf(after.bandBits!)).toBe(bitsOf(before.bandBits!));
      expect(after.bytes).toBeLessThan(before.bytes);
      expect(bitsOf(unpackChunk(after).bands!)).toBe(bitsOf(unpackChunk(before).bands!));
    }

    // Summaries as stored: coded before minute 179 (the watermark), plain after; as read: the rows written, bit for bit.
    const raw = await rawDb(name);
    const stored = (await raw.table('featureSummaries').toArray()) as FeatureSummary[];
    expect(stored.filter((s) => isCodedSummary(s)).map((s) => s.chunkIndex).sort((a, b) => a - b)).toEqual(range(0, 179));
    const read = await db.featureSummaries.where('sessionId').equals('S').toArray();
    expect(read.length).toBe(360);
    for (const s of read) expect(summaryBits(s), s.id).toEqual(summaryBits(sums[s.chunkIndex]));
    const minutesStored = await raw.table('featureMinutes').toArray();
    expect(minutesStored.length).toBe(6);
    expect(minutesStored.every((m) => isCodedSummary(m))).toBe(true);
    for (const m of await db.featureMinutes.toArray()) expect(summaryBits(m)).toEqual(summaryBits(summarizeMinutes(sums.slice(m.hourIndex * 60, m.hourIndex * 60 + 60))));
    raw.close();
    // The day view reads the same buckets (it reads the 6 per-minute rows written meanwhile too: `chunks` counts rows read).
    expect({ ...(await readNodeSummaries(db, 'node-s', T0, T0 + 6 * HOUR)), chunks: 0 }).toEqual({ ...dayBefore, chunks: 0 });

    // Counted: 33 kept minutes, 179 per-second rows, 6 per-minute rows; the session's bytes are what is stored.
    expect(r.valuesCoded).toBe(33 + 179 + 6);
    expect((await lastRetentionRun(db))!.result.valuesCoded).toBe(218);
    const session = (await db.sessions.get('S'))!;
    expect(session.bytes.features).toBe(kept.reduce((a, c) => a + c.bytes, 0));
    const storedSummaryBytes = read.reduce((a, s) => a + s.bytes, 0) + (await db.featureMinutes.toArray()).reduce((a, m) => a + m.bytes, 0);
    expect(session.bytes.summaries).toBe(storedSummaryBytes);
    const codedBytes = read.filter((s) => s.chunkIndex < 179).reduce((a, s) => a + s.bytes, 0);
    expect(codedBytes).toBeLessThan(179 * sums[0].bytes * 0.85);
  });

  it('a second run changes nothing; the watermark keeps rows before it from being read again', async () => {
    const name = `retention-values-${++n}`;
    const db = new VigilDb(name);
    const { full } = await liveSession(db, 'W', 'node-w', 3);
    await db.events.put({ id: 'e2', nodeId: 'node-w', sessionId: null, startMs: T0 + 60 * MIN, endMs: T0 + 61 * MIN, kind: 'anomaly alarm', score: 1, message: '', createdMs: T0, updatedMs: T0 });
    const at = T0 + 2 * 86_400_000;
    const first = await applyRetention(db, DEFAULT_RULES, at);
    expect(first.valuesCoded).toBeGreaterThan(0);
    const raw = await rawDb(name);
    const snapshot = async () => ({
      chunks: (await raw.table('featureChunks').toArray()).map((c) => summaryBits(c)),
      seconds: (await raw.table('featureSummaries').toArray()).map((s) => summaryBits(s)),
      minutes: (await raw.table('featureMinutes').toArray()).map((m) => summaryBits(m)),
      session: await db.sessions.get('W'),
    });
    const after1 = await snapshot();
    const audits = await db.audit.count();
    const second = await applyRetention(db, DEFAULT_RULES, at);
    expect([second.valuesCoded, second.featureChunks, second.bytesFreed]).toEqual([0, 0, 0]);
    expect(await snapshot()).toEqual(after1);
    expect(await db.audit.count()).toBe(audits); // nothing changed: no audit row
    expect(((await db.settings.get('retention.valuesCoded'))!.value as Record<string, number>).W).toBe(at - 24 * HOUR - MIN);

    // A plain chunk put back under the watermark (as a bundle would) is not read again: it stays plain.
    await db.featureChunks.put(packChunkRow(full[61]));
    expect((await applyRetention(db, DEFAULT_RULES, at)).valuesCoded).toBe(0);
    expect(((await raw.table('featureChunks').get('W:61')) as PackedFeatureChunk).values).not.toBeNull();
    raw.close();
  });
});
