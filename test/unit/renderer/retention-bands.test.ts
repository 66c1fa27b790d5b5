// Retention and band energies (issue 13 point 8, a default node): the old minutes kept whole keep
// every window's features; their band energies stay under labels and within `bandMarginMinutes` of
// an event, and go elsewhere (the rest of the event margin, under a raw snapshot). Nothing labelled
// loses anything: every band value of a labelled minute reads back within the stored bound (2^-12,
// models/dataset/bandCodec.ts).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { unpackChunk, type PackedFeatureChunk } from '../../../models/dataset/chunkCodec';
import { FeatureColumnsBuilder, type FeatureChunk } from '../../../models/dataset/columns';
import { VigilDb } from '../../../renderer/src/db/db';
import { createLabel } from '../../../renderer/src/db/labels';
import { applyRetention, DEFAULT_RULES, lastRetentionRun, loadRules, saveRules } from '../../../renderer/src/db/retention';
import type { EventRow, RawSnapshotRow, SessionRow } from '../../../renderer/src/db/types';
import { storeLiveSession } from '../../helpers/liveSession';

let n = 0;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 2, 0, 0, 0);
const RATE = 5; // windows per second (small, so hours stay quick in fake-indexeddb)
const BANDS = 4; // per axis

/** A live banded session of `hours` hours from T0 (2 axes, RMS, 4 log band energies per axis), stored as the recorder stores it. */
async function bandedSession(db: VigilDb, id: string, nodeId: string, hours: number): Promise<{ session: SessionRow; full: FeatureChunk[] }> {
  const layout = { axisCount: 2, fields: ['rms'], bandCount: BANDS };
  const total = hours * 3600 * RATE;
  const b = new FeatureColumnsBuilder(layout, total);
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let w = 0; w < total; w++) {
    const bands = Array.from({ length: 2 * BANDS }, (_, c) => -4 - c / 3 + Math.log10(-Math.log(rnd() + 1e-9)));
    b.push(w, Math.floor((w * 1e6) / RATE), 0, [0.05 + rnd() / 100, 0.07 + rnd() / 100], bands);
  }
  const { session, full } = await storeLiveSession(db, b, { id, nodeId, t0Ms: T0, hours, rate: RATE, layout });
  return { session, full };
}

const event = (id: string, nodeId: string, startMs: number, endMs: number): EventRow => ({ id, nodeId, sessionId: null, startMs, endMs, kind: 'anomaly alarm', score: 1, message: '', createdMs: startMs, updatedMs: startMs });

function snapshot(id: string, sessionId: string, nodeId: string, startMs: number): RawSnapshotRow {
  const count = 6000;
  return { id, sessionId, nodeId, startMs, tUs: 0, sampleRateHz: 6000, axisCount: 2, count, samples: new Float32Array(count * 2), reason: 'schedule', eventId: null, bytes: count * 8 };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const hasBands = (c: unknown) => (c as PackedFeatureChunk).bandBits != null || (c as PackedFeatureChunk).bands != null;
const bitsOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
/** The largest relative difference of two arrays of positive values. */
const maxRel = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]) / b[i]), 0);

describe('retention and band energies', () => {
  it('keeps bands under labels and within the band margin of events (a technician\'s 2 minutes), drops them in the rest of the kept minutes, and keeps every feature', async () => {
    const db = new VigilDb(`retention-bands-${++n}`);
    const { full } = await bandedSession(db, 'B', 'node-b', 6); // minutes 0..359
    // An event from minute 100:30 to 102:12. Margin 10 min: minutes 90..112 kept whole; band margin 2: bands on 98..104.
    await db.events.put(event('e1', 'node-b', T0 + 100.5 * MIN, T0 + 102.2 * MIN));
    // A label over minutes 200..209 (ends on the minute: 210 touches it and is kept).
    await createLabel(db, { nodeId: 'node-b', sessionId: 'B', eventId: null, startMs: T0 + 200 * MIN, endMs: T0 + 210 * MIN, label: 'outer-race', notes: '', author: 'Ana' });
    // A scheduled raw snapshot in minute 300: that minute is kept whole, without bands.
    await db.rawSnapshots.put(snapshot('r1', 'B', 'node-b', T0 + 300.2 * MIN));
    const before = await db.sessions.get('B');
    const rules = { ...DEFAULT_RULES, bandMarginMinutes: 2 };
    const r = await applyRetention(db, rules, T0 + 2 * DAY);

    const kept = (await db.featureChunks.where('sessionId').equals('B').toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex);
    expect(kept.map((c) => c.chunkIndex)).toEqual([...range(90, 113), ...range(200, 211), 300]);
    expect(kept.filter(hasBands).map((c) => c.chunkIndex)).toEqual([...range(98, 105), ...range(200, 211)]);
    expect(r.bandsDropped).toBe(8 + 8 + 1);
    expect(r.chunksKept).toBe(23 + 11 + 1);
    for (const c of kept) {
      const orig = full[c.chunkIndex];
      const back = unpackChunk(c);
      // Every feature of every kept window: bit for bit under the label, the RMS within 2^-14 elsewhere (retention's bound outside labels).
      for (const k of ['windowIndex', 'tUsOffset', 'shaftHz'] as const) expect(bitsOf(back[k]), `${k} of minute ${c.chunkIndex}`).toBe(bitsOf(orig[k]));
      if (c.chunkIndex >= 200 && c.chunkIndex <= 210) expect(bitsOf(back.values), `values of minute ${c.chunkIndex}`).toBe(bitsOf(orig.values));
      else expect(maxRel(back.values, orig.values), `values of minute ${c.chunkIndex}`).toBeLessThanOrEqual(2 ** -14);
      if (!hasBands(c)) {
        expect(back.bands).toBeNull();
        continue;
      }
      // Bands kept: each value within half a step (2^-12) of the one recorded.
      let maxErr = 0;
      for (let i = 0; i < orig.bands!.length; i++) maxErr = Math.max(maxErr, Math.abs(back.bands![i] - orig.bands![i]));
      expect(maxErr, `minute ${c.chunkIndex}`).toBeLessThanOrEqual(1 / 4096);
    }
    // The bytes freed are counted on the session.
    const after = (await db.sessions.get('B'))!;
    const stored = kept.reduce((a, c) => a + c.bytes, 0);
    expect(after.bytes.features).toBe(stored);
    expect(before!.bytes.features - after.bytes.features).toBeGreaterThan(0);
    expect((await lastRetentionRun(db))!.result.bandsDropped).toBe(17);

    // Again at the same time, and a day later: nothing more (each minute is looked at once).
    expect((await applyRetention(db, rules, T0 + 2 * DAY)).bandsDropped).toBe(0);
    expect((await applyRetention(db, rules, T0 + 3 * DAY)).bandsDropped).toBe(0);
    expect((await db.featureChunks.where('sessionId').equals('B').toArray()).filter(hasBands).length).toBe(7 + 11);
    db.close();
  });

  it('at the default band margin (0) the bands stay over the event itself and under labels only', async () => {
    expect(DEFAULT_RULES.bandMarginMinutes).toBe(0);
    const db = new VigilDb(`retention-bands-${++n}`);
    await bandedSession(db, 'B', 'node-b', 6);
    await db.events.put(event('e1', 'node-b', T0 + 100.5 * MIN, T0 + 102.2 * MIN));
    await createLabel(db, { nodeId: 'node-b', sessionId: 'B', eventId: null, startMs: T0 + 200 * MIN, endMs: T0 + 210 * MIN, label: 'outer-race', notes: '', author: 'Ana' });
    const r = await applyRetention(db, DEFAULT_RULES, T0 + 2 * DAY);
    const kept = (await db.featureChunks.where('sessionId').equals('B').toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex);
    expect(kept.map((c) => c.chunkIndex)).toEqual([...range(90, 113), ...range(200, 211)]);
    // The event runs from minute 100:30 to 102:12: minutes 100, 101 and 102 keep their bands.
    expect(kept.filter(hasBands).map((c) => c.chunkIndex)).toEqual([100, 101, 102, ...range(200, 211)]);
    expect(r.bandsDropped).toBe(23 - 3);
    db.close();
  });

  it('the recent hours keep their bands; a band margin as wide as the event margin keeps them over every kept minute', async () => {
    const db = new VigilDb(`retention-bands-${++n}`);
    await bandedSession(db, 'B', 'node-b', 2);
    await db.events.put(event('e1', 'node-b', T0 + 60.5 * MIN, T0 + 61 * MIN));
    // Within fullResolutionHours: nothing is compacted, no band dropped.
    const recent = await applyRetention(db, DEFAULT_RULES, T0 + 3 * HOUR);
    expect([recent.featureChunks, recent.bandsDropped]).toEqual([0, 0]);
    expect((await db.featureChunks.toArray()).every(hasBands)).toBe(true);
    const wide = await applyRetention(db, { ...DEFAULT_RULES, bandMarginMinutes: 10 }, T0 + 2 * DAY);
    expect(wide.bandsDropped).toBe(0);
    const kept = await db.featureChunks.toArray();
    expect(kept.map((c) => c.chunkIndex).sort((a, b) => a - b)).toEqual(range(50, 72));
    expect(kept.every(hasBands)).toBe(true);
    db.close();
  });

  it('the rule is saved and read like the others, never wider than the event margin (in words)', async () => {
    const db = new VigilDb(`retention-bands-${++n}`);
    expect(DEFAULT_RULES.bandMarginMinutes).toBe(0);
    await expect(saveRules(db, { ...DEFAULT_RULES, bandMarginMinutes: 11 }, 'Ana')).rejects.toThrow('Band energies are kept around an event only where every window is: "bandMarginMinutes" must be from 0 to the event margin (10 minutes).');
    await expect(saveRules(db, { ...DEFAULT_RULES, bandMarginMinutes: 1.5 }, 'Ana')).rejects.toThrow(/"bandMarginMinutes" must be a whole number of minutes from 0 to 1440/);
    // A technician's value is kept (the default changing to 0 changes no stored rule set).
    await saveRules(db, { ...DEFAULT_RULES, bandMarginMinutes: 2 }, 'Ana');
    expect((await loadRules(db)).bandMarginMinutes).toBe(2);
    await saveRules(db, { ...DEFAULT_RULES, bandMarginMinutes: 0 }, 'Ana');
    expect((await loadRules(db)).bandMarginMinutes).toBe(0);
    // Rules stored before the band margin: the default, 0.
    await db.settings.put({ key: 'retention', value: { ...DEFAULT_RULES, eventMarginMinutes: 1, bandMarginMinutes: undefined } });
    expect((await loadRules(db)).bandMarginMinutes).toBe(0);
    await db.settings.put({ key: 'retention', value: { ...DEFAULT_RULES, eventMarginMinutes: 5, bandMarginMinutes: undefined } });
    expect((await loadRules(db)).bandMarginMinutes).toBe(0);
    db.close();
  });
});
