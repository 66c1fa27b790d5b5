// The live recorder and the link (reconnects, docs/protocol.md): a gap after a reconnect is stored as 'link-lost',
// not as windows the link dropped; a node's EVENT frames become rows of the events table.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeEventInfo, NodeInfo } from '../../../models/api/contract';
import { VigilDb } from '../../../renderer/src/db/db';
import { LiveRecorder } from '../../../renderer/src/record/recorder';

const UID = 'a1b2c3d4e5f60718293a4b5c';
const PATH = 'ble:RmFrZUdhdHROb2RlMQ==';
const node: NodeInfo = {
  path: PATH,
  status: 'online',
  demo: false,
  link: 'ble',
  hello: { uid: UID, name: 'pump-3', board: 'qemu', firmware: '1.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['DE', 'FE'] },
  stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
};
const tUs = (k: number) => Math.floor(((k * 512 + 1024) * 1e6) / 48000);
const frame = (k: number, extra: Partial<FeatureFrame> = {}): FeatureFrame => ({ windowIndex: k, tUs: tUs(k), shaftHz: 0, rmsG: [0.05, 0.06], ...extra });
const frames = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => frame(a + i));

let n = 0;
function setup() {
  const db = new VigilDb(`rec-link-${++n}`);
  const rec = new LiveRecorder({ db, now: () => Date.UTC(2024, 4, 2, 8, 0, 0), setInterval: () => 0, clearInterval: () => {} });
  rec.setNode(node);
  return { db, rec };
}

describe('LiveRecorder and the link', () => {
  it("stores the gap across a reconnect with reason 'link-lost', and a plain jump as 'missed'", async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: [...frames(0, 10), ...frames(12, 20)] });
    rec.ingest({ path: PATH, frames: [frame(60, { gapReason: 'link-lost' }), ...frames(61, 70)] });
    await rec.flush();
    const gaps = (await db.gaps.toArray()).sort((a, b) => a.fromWindow - b.fromWindow);
    expect(gaps.map((g) => [g.fromWindow, g.toWindow, g.reason])).toEqual([
      [10, 12, 'missed'],
      [20, 60, 'link-lost'],
    ]);
    const s = (await db.sessions.toArray())[0];
    expect(s.gapWindows).toBe(2 + 40);
    expect(s.status).toBe('recording'); // the same session goes on: a reconnect is not a restart
    expect(gaps[1].endMs - gaps[1].startMs).toBeCloseTo((tUs(60) - tUs(19)) / 1000, 3);
  });

  it('stores node EVENTs in the events table, the end updating the same row', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 50) });
    const ev: NodeEventInfo = { path: PATH, eventId: 3, state: 'started', debounceK: 3, debounceN: 5, startWindow: 40, endWindow: 42, startTUs: tUs(40), endTUs: tUs(42), peakScore: 1.25, threshold: 0.8, modelVersion: 7 };
    rec.ingestEvent(ev);
    await rec.flush();
    let rows = await db.events.toArray();
    expect(rows).toHaveLength(1);
    const session = (await db.sessions.toArray())[0];
    expect(rows[0]).toMatchObject({ nodeId: UID, sessionId: session.id, kind: 'anomaly alarm', score: 1.25 });
    expect(rows[0].startMs).toBeCloseTo(session.t0Ms + tUs(40) / 1000, 3);
    expect(rows[0].message).toMatch(/started .*3 of 5 windows/);
    rec.ingestEvent({ ...ev, state: 'ended', endWindow: 48, endTUs: tUs(48), peakScore: 2.5 });
    rec.ingestEvent({ ...ev, path: '/dev/unknown' }); // no session: dropped
    await rec.flush();
    rows = await db.events.toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 2.5 });
    expect(rows[0].endMs).toBeCloseTo(session.t0Ms + tUs(48) / 1000, 3);
    expect(rows[0].message).toMatch(/ended/);
  });
});
