// The live recorder keeps a node's log band energies (the model's input) when its FEATURES carry
// them (send_bands), so the Training page can train from what was recorded.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { unpackChunk, type PackedFeatureChunk } from '../../../models/dataset/chunkCodec';
import type { FeatureFrame, NodeInfo } from '../../../models/api/contract';
import { VigilDb } from '../../../renderer/src/db/db';
import { LiveRecorder } from '../../../renderer/src/record/recorder';

const UID = 'b1b2c3d4e5f60718293a4b5c';
const PATH = '/dev/pts/9';
const node: NodeInfo = {
  path: PATH,
  status: 'online',
  demo: false,
  link: 'serial',
  hello: { uid: UID, name: 'fan-1', board: 'host', firmware: '1.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'] },
  stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
};
const tUs = (k: number) => Math.floor(((k * 512 + 1024) * 1e6) / 48000);
const bandsOf = (k: number) => [0, 1].map((a) => [0, 1, 2].map((b) => k + a * 10 + b / 10));
const frame = (k: number, bands = true): FeatureFrame => ({ windowIndex: k, tUs: tUs(k), shaftHz: 0, rmsG: [0.05, 0.06], ...(bands ? { logBands: bandsOf(k) } : {}) });

describe('LiveRecorder and band energies', () => {
  it('stores the band energies column by column, and a change in band count starts a new session', async () => {
    const db = new VigilDb('rec-bands-1');
    // The clock advances on each read: two sessions opened in one test must not share a start time
    // (with equal startMs the order below would fall to the random session ids).
    let clock = Date.UTC(2024, 4, 2, 8, 0, 0);
    const rec = new LiveRecorder({ db, now: () => (clock += 10), setInterval: () => 0, clearInterval: () => {} });
    rec.setNode(node);
    rec.ingest({ path: PATH, frames: Array.from({ length: 10 }, (_, k) => frame(k)) });
    rec.ingest({ path: PATH, frames: [frame(10, false), frame(11, false)] });
    await rec.flush();
    const sessions = (await db.sessions.orderBy('startMs').toArray());
    expect(sessions.map((s) => s.layout.bandCount)).toEqual([3, 0]);
    const stored = (await db.featureChunks.where('sessionId').equals(sessions[0].id).toArray())[0];
    expect(stored.count).toBe(10);
    // Stored quantized and coded (models/dataset/bandCodec.ts), read back within half a step (2^-12) of the float32 sent.
    expect(stored.bands).toBeNull();
    expect((stored as PackedFeatureChunk).bandSeries).toBe(6);
    const chunk = unpackChunk(stored);
    // axis a, band b at [(a * bandCount + b) * count + i]
    expect(Math.abs(chunk.bands![(1 * 3 + 2) * 10 + 4] - Math.fround(4 + 10 + 0.2))).toBeLessThanOrEqual(1 / 4096);
    expect(Math.abs(chunk.bands![(0 * 3 + 1) * 10 + 7] - Math.fround(7 + 0.1))).toBeLessThanOrEqual(1 / 4096);
    expect(chunk.bands![(0 * 3 + 0) * 10 + 9]).toBe(9);
    db.close();
  });

  it('codes a minute’s bands once it is complete: the open minute, rewritten at every flush, keeps them float32 until then', async () => {
    const db = new VigilDb('rec-bands-2');
    let clock = Date.UTC(2024, 4, 2, 8, 0, 0);
    const rec = new LiveRecorder({ db, now: () => clock, setInterval: () => 0, clearInterval: () => {} });
    rec.setNode(node);
    // 6,000 windows: minute 0 (the 5,623 windows that end in it) complete, minute 1 open.
    rec.ingest({ path: PATH, frames: Array.from({ length: 6000 }, (_, k) => frame(k)) });
    clock += 65_000;
    await rec.flush();
    const rows = (await db.featureChunks.toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex) as PackedFeatureChunk[];
    expect(rows.map((r) => [r.chunkIndex, r.count, r.bandBits != null, r.bands != null])).toEqual([
      [0, 5623, true, false],
      [1, 377, false, true],
    ]);
    // Both read the same way; the open one as sent.
    expect(unpackChunk(rows[1]).bands![(1 * 3 + 2) * 377 + 4]).toBe(Math.fround(5627 + 10 + 0.2));
    rec.nodeGone(PATH);
    await rec.flush();
    const last = (await db.featureChunks.get(rows[1].id)) as PackedFeatureChunk;
    expect([last.bandBits != null, last.bands]).toEqual([true, null]);
    expect(Math.abs(unpackChunk(last).bands![(1 * 3 + 2) * 377 + 4] - Math.fround(5627 + 10 + 0.2))).toBeLessThanOrEqual(1 / 4096);
    rec.dispose();
    db.close();
  });
});
