// Retention stores the feature values it keeps past `fullResolutionHours` coded
// (models/dataset/valueCodec.ts): the scalar columns of the old minutes kept whole, the old
// per-second summaries and the per-minute rows. Under a label every value reads back bit for bit
// (labelled data feeds training); elsewhere the levels (RMS, velocity RMS: real values of the demo
// recordings through models/features) within a relative 2^-14, the anomaly score, the times, the
// window counts and every special value (NaN, ±∞, −0, zero, negative, denormal) bit for bit. A
// second run changes nothing (rounding is idempotent); a watermark per recording
// (`retention.valuesCoded`) keeps rows from being read again.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { codeChunkValues, packChunkRow, unpackChunk, type PackedFeatureChunk } from '../../../models/dataset/chunkCodec';
import { FeatureColumnsBuilder, summarizeMinutes, type FeatureChunk, type FeatureMinuteSummary, type FeatureSummary } from '../../../models/dataset/columns';
import { codeSummaryRow, isCodedSummary } from '../../../models/dataset/summaryCodec';
import { defaultFeatureSpec, extractFeatures } from '../../../models/features/index';
import { VigilDb } from '../../../renderer/src/db/db';
import { createLabel } from '../../../renderer/src/db/labels';
import { applyRetention, DEFAULT_RULES, lastRetentionRun, levelColumns, OUTSIDE_LABELS_LEVEL_BOUND } from '../../../renderer/src/db/retention';
import { ROOT } from '../../helpers/firmware';
import { storeLiveSession } from '../../helpers/liveSession';

let n = 0;
const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 2, 0, 0, 0);
const RATE = 5; // windows per second (small, so hours stay quick in fake-indexeddb)
const LAYOUT = { axisCount: 2, fields: ['rms', 'velocityRmsMmS'], nodeFields: ['anomalyScore'], bandCount: 2 };
/** Special values put into the level columns now and then: NaN with a payload, ±∞, −0, 0, a negative value, a denormal, the largest float32. */
const SPECIALS = [0x7fc01234, 0x7f800000, 0xff800000, 0x80000000, 0, 0xbd4ccccd, 0x00000123, 0x7f7fffff];

/** RMS and velocity RMS of both axes of the demo recordings, through models/features as a node computes them, window after window. */
function realLevels(): number[][] {
  const out: number[][] = [];
  for (const f of ['cwru_normal_0hp_1797rpm_48k_1s.csv', 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv']) {
    const lines = readFileSync(join(ROOT, 'data/demo', f), 'utf8').trim().split(/\r?\n/).slice(1);
    const axes = [0, 1].map((c) => Float32Array.from(lines, (l) => Number(l.split(',')[c])));
    for (const w of extractFeatures(axes, defaultFeatureSpec(48000))) out.push([w.axes[0].rms, w.axes[0].velocityRmsMmS, w.axes[1].rms, w.axes[1].velocityRmsMmS]);
  }
  return out;
}

/** A live session of `hours` hours from T0 (real RMS and velocity per axis, the score, 2 bands per axis), stored as the recorder stores it. */
async function liveSession(db: VigilDb, id: string, nodeId: string, hours: number): Promise<{ full: FeatureChunk[]; sums: FeatureSummary[] }> {
  const total = hours * 3600 * RATE;
  const b = new FeatureColumnsBuilder(LAYOUT, total);
  const levels = realLevels();
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const special = (k: number) => new Float32Array(new Uint32Array([SPECIALS[k % SPECIALS.length]]).buffer)[0];
  for (let w = 0; w < total; w++) {
    const l = levels[w % levels.length];
    // The second axis sends no velocity (NaN), the score is NaN now and then, a level is a special value now and then: all must come back as they were.
    const rms0 = w % 211 === 0 ? special(w / 211) : l[0];
    b.push(w, Math.floor((w * 1e6) / RATE), 29.95, [rms0, l[1], l[2], NaN, w % 97 ? 0.4 + rnd() / 10 : NaN], [-4 - rnd(), -5 - rnd(), -4.5 - rnd(), -5.5 - rnd()]);
  }
  const { full, sums } = await storeLiveSession(db, b, { id, nodeId, t0Ms: T0, hours, rate: RATE, layout: LAYOUT });
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
/** A summary row with every typed array as its bytes (bit for bit, NaN payloads included), `bytes` and `valueBound` left out. */
function summaryBits(r: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'bytes' && k !== 'valueBound') out[k] = ArrayBuffer.isView(v) ? `${v.constructor.name}:${bitsOf(v)}` : v;
  return out;
}

/**
 * `stored` against `written`, series of `len` (column-major): the series in `levels` within the
 * bound (their positive normal values; every other value of them bit for bit), every other series
 * bit for bit. Returns the largest relative error seen, and the problems.
 */
function checkBound(stored: Float32Array, written: Float32Array, len: number, levels: number[]): { maxRel: number; problems: string[] } {
  const sb = new Uint32Array(stored.buffer, stored.byteOffset, stored.length);
  const wb = new Uint32Array(written.buffer, written.byteOffset, written.length);
  let maxRel = 0;
  const problems: string[] = [];
  if (stored.length !== written.length) return { maxRel: Infinity, problems: ['length'] };
  for (let i = 0; i < written.length; i++) {
    const level = levels.includes(Math.floor(i / len));
    if (level && wb[i] >= 0x00800000 && wb[i] < 0x7f800000) {
      const rel = Math.abs(stored[i] - written[i]) / written[i];
      maxRel = Math.max(maxRel, rel);
      if (!(rel <= OUTSIDE_LABELS_LEVEL_BOUND)) problems.push(`value ${i}: ${stored[i]} for ${written[i]}`);
    } else if (sb[i] !== wb[i]) problems.push(`value ${i}: bits ${sb[i].toString(16)} for ${wb[i].toString(16)}${level ? ' (a special value)' : ''}`);
  }
  return { maxRel, problems: problems.slice(0, 5) };
}

/** A summary row's min, mean and max against the row written: levels within the bound, the rest bit for bit. */
function checkSummary(stored: FeatureSummary | FeatureMinuteSummary, written: FeatureSummary | FeatureMinuteSummary, levels: number[]): { maxRel: number; problems: string[] } {
  const { bytes: _a, min: _b, mean: _c, max: _d, valueBound: _e, ...rest } = summaryBits(stored) as Record<string, unknown>;
  const { bytes: _f, min: _g, mean: _h, max: _i, ...restW } = summaryBits(written) as Record<string, unknown>;
  const problems: string[] = JSON.stringify(rest) === JSON.stringify(restW) ? [] : ['times, counts or ids differ'];
  let maxRel = 0;
  for (const k of ['min', 'mean', 'max'] as const) {
    const r = checkBound(stored[k], written[k], written.buckets, levels);
    maxRel = Math.max(maxRel, r.maxRel);
    problems.push(...r.problems.map((p) => `${k} ${p}`));
  }
  return { maxRel, problems };
}

const LEVELS = levelColumns({ layout: LAYOUT }); // rms and velocity of both axes: columns 0..3; the score (4) is not one

describe('retention codes the feature values it keeps', () => {
  it('old kept minutes, per-second summaries and per-minute rows are stored coded: bit for bit under a label, levels within 2^-14 elsewhere, the score and special values exact; the recent hours are untouched', async () => {
    expect(LEVELS).toEqual([0, 1, 2, 3]);
    expect(OUTSIDE_LABELS_LEVEL_BOUND).toBe(2 ** -14);
    const name = `retention-values-${++n}`;
    const db = new VigilDb(name);
    const { full, sums } = await liveSession(db, 'S', 'node-s', 6); // minutes 0..359
    // An event over minutes 100..102: minutes 90..112 kept whole. A label over minutes 30..39: kept whole, bands too, every value bit for bit.
    await db.events.put({ id: 'e1', nodeId: 'node-s', sessionId: null, startMs: T0 + 100.5 * MIN, endMs: T0 + 102.2 * MIN, kind: 'anomaly alarm', score: 1, message: '', createdMs: T0, updatedMs: T0 });
    await createLabel(db, { nodeId: 'node-s', sessionId: 'S', eventId: null, startMs: T0 + 30 * MIN, endMs: T0 + 39.5 * MIN, label: 'outer-race', notes: '', author: 'Ana' });
    const labelledBefore = (await db.featureChunks.bulkGet(range(30, 40).map((k) => `S:${k}`))) as PackedFeatureChunk[];
    // 27 hours after T0: minutes before 180 are older than fullResolutionHours (24 h).
    const r = await applyRetention(db, DEFAULT_RULES, T0 + 27 * HOUR);
    const labelled = (k: number) => k >= 30 && k <= 39;

    const kept = (await db.featureChunks.where('sessionId').equals('S').toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex) as PackedFeatureChunk[];
    // Minute 179 ends just before the cutoff but starts within a minute of it: retention leaves it for the next run (its chunk, its values).
    expect(kept.map((c) => c.chunkIndex)).toEqual([...range(30, 40), ...range(90, 113), ...range(179, 360)]);
    let maxRel = 0;
    for (const c of kept) {
      const old = c.chunkIndex < 179;
      expect([c.chunkIndex, c.values === null, c.valueBits != null]).toEqual([c.chunkIndex, old, old]);
      // The row says how its values are kept: bounded levels outside labels, nothing said (bit for bit) under one.
      expect([c.chunkIndex, c.valueBound]).toEqual([c.chunkIndex, old && !labelled(c.chunkIndex) ? { maxRelError: 2 ** -14, columns: LEVELS } : undefined]);
      const back = unpackChunk(c);
      const orig = full[c.chunkIndex];
      for (const k of ['windowIndex', 'tUsOffset', 'shaftHz'] as const) expect(bitsOf(back[k]), `${c.chunkIndex} ${k}`).toBe(bitsOf(orig[k]));
      if (!old || labelled(c.chunkIndex)) expect(bitsOf(back.values), `${c.chunkIndex} values`).toBe(bitsOf(orig.values));
      else {
        const b = checkBound(back.values, orig.values, c.count, LEVELS);
        expect(b.problems, `minute ${c.chunkIndex}`).toEqual([]);
        maxRel = Math.max(maxRel, b.maxRel);
      }
    }
    // The bound is used, not just met: real levels moved by up to about 2^-14.
    expect(maxRel).toBeGreaterThan(2 ** -16);
    // The special values were there in the bounded minutes, and came back as they were (checkBound): NaN velocities, NaN scores, and the ones put in the RMS.
    const specialsIn = kept.filter((c) => c.chunkIndex >= 90 && c.chunkIndex < 113).flatMap((c) => Array.from(new Uint32Array(full[c.chunkIndex].values.buffer, 0, c.count)).filter((x) => SPECIALS.includes(x)));
    expect(new Set(specialsIn).size).toBe(SPECIALS.length);
    // The labelled minutes: every value as it was, their bands exactly as stored before (not quantized again), less space.
    for (const [i, before] of labelledBefore.entries()) {
      const after = kept[i];
      expect(after.chunkIndex).toBe(30 + i);
      expect(bitsOf(after.bandBits!)).toBe(bitsOf(before.bandBits!));
      expect(after.bytes).toBeLessThan(before.bytes);
      expect(bitsOf(unpackChunk(after).bands!)).toBe(bitsOf(unpackChunk(before).bands!));
    }

    // Summaries as stored: coded before minute 179 (the watermark), plain after; as read: the rows written, within the bound outside the label.
    const raw = await rawDb(name);
    const stored = (await raw.table('featureSummaries').toArray()) as FeatureSummary[];
    expect(stored.filter((s) => isCodedSummary(s)).map((s) => s.chunkIndex).sort((a, b) => a - b)).toEqual(range(0, 179));
    const read = await db.featureSummaries.where('sessionId').equals('S').toArray();
    expect(read.length).toBe(360);
    for (const s of read) {
      if (s.chunkIndex >= 179 || labelled(s.chunkIndex)) expect(summaryBits(s), s.id).toEqual(summaryBits(sums[s.chunkIndex]));
      else expect(checkSummary(s, sums[s.chunkIndex], LEVELS).problems, s.id).toEqual([]);
    }
    const minutesStored = await raw.table('featureMinutes').toArray();
    expect(minutesStored.length).toBe(6);
    expect(minutesStored.every((m) => isCodedSummary(m))).toBe(true);
    // Per-minute rows: summed from the per-second rows as written; the hour the label is in (hour 0) bit for bit, the others bounded.
    for (const m of await db.featureMinutes.toArray()) {
      const want = summarizeMinutes(sums.slice(m.hourIndex * 60, m.hourIndex * 60 + 60));
      if (m.hourIndex === 0) expect(summaryBits(m)).toEqual(summaryBits(want));
      else expect(checkSummary(m, want, LEVELS).problems, m.id).toEqual([]);
    }
    raw.close();

    // Counted: 33 kept minutes, 179 per-second rows, 6 per-minute rows; the session's bytes are what is stored.
    expect(r.valuesCoded).toBe(33 + 179 + 6);
    expect((await lastRetentionRun(db))!.result.valuesCoded).toBe(218);
    const session = (await db.sessions.get('S'))!;
    expect(session.bytes.features).toBe(kept.reduce((a, c) => a + c.bytes, 0));
    const storedSummaryBytes = read.reduce((a, s) => a + s.bytes, 0) + (await db.featureMinutes.toArray()).reduce((a, m) => a + m.bytes, 0);
    expect(session.bytes.summaries).toBe(storedSummaryBytes);
    // Bounded rows are smaller than the same rows coded bit for bit.
    const boundedChunk = kept.find((c) => c.chunkIndex === 95)!;
    expect(boundedChunk.valueBits!.byteLength).toBeLessThan(codeChunkValues(packChunkRow(full[95])).valueBits!.byteLength * 0.8);
    const labelledChunk = kept.find((c) => c.chunkIndex === 35)!;
    expect(bitsOf(labelledChunk.valueBits!)).toBe(bitsOf(codeChunkValues(packChunkRow(full[35])).valueBits!));
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

    // Without the watermark (every row read again), still nothing changes: a bounded value is not rounded again.
    await db.settings.delete('retention.valuesCoded');
    expect((await applyRetention(db, DEFAULT_RULES, at)).valuesCoded).toBe(0);
    expect(await snapshot()).toEqual(after1);
    // Each bounded row as read, coded again, is the row as stored, byte for byte (rounding is idempotent).
    const storedSeconds = new Map((await raw.table('featureSummaries').toArray()).map((r) => [r.id, r]));
    let recoded = 0;
    for (const s of await db.featureSummaries.toArray()) {
      const st = storedSeconds.get(s.id);
      if (!isCodedSummary(st)) continue;
      const again = codeSummaryRow(s, LEVELS);
      expect(isCodedSummary(again) && bitsOf(again.summaryBits) === bitsOf(st.summaryBits), s.id).toBe(true);
      recoded++;
    }
    expect(recoded).toBeGreaterThan(100);
    for (const c of (await db.featureChunks.toArray()) as PackedFeatureChunk[]) {
      if (!c.valueBits) continue;
      expect(bitsOf(codeChunkValues(packChunkRow(unpackChunk(c)), LEVELS).valueBits!), c.id).toBe(bitsOf(c.valueBits));
    }

    // A plain chunk put back under the watermark (as a bundle would) is not read again: it stays plain.
    await db.featureChunks.put(packChunkRow(full[61]));
    expect((await applyRetention(db, DEFAULT_RULES, at)).valuesCoded).toBe(0);
    expect(((await raw.table('featureChunks').get('W:61')) as PackedFeatureChunk).values).not.toBeNull();
    raw.close();
  });
});
