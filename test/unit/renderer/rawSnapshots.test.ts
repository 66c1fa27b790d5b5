// Live raw snapshots: RAW_BLOCKs (node.raw) through RawCapture into the rawSnapshots table, with
// fake-indexeddb (real IndexedDB semantics) as the other renderer tests.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeEventInfo, NodeInfo, RawBlock } from '../../../models/api/contract';
import { VigilDb } from '../../../renderer/src/db/db';
import type { RawSnapshotRow } from '../../../renderer/src/db/types';
import { toCaptureBlock } from '../../../renderer/src/record/rawCapture';
import { LiveRecorder } from '../../../renderer/src/record/recorder';

const PATH = '/dev/pts/4';
const UID = '0a0b0c0d0e0f101112131415';
const RATE = 48000;
const HOP = 512;
const SCALE = 16 / 32768; // range ±16 g: 2^-11, so count · scale is exact in float32
const node: NodeInfo = {
  path: PATH,
  status: 'online',
  demo: false,
  link: 'serial',
  hello: { uid: UID, name: 'fan-1', board: 'qemu', firmware: '1.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: HOP, sampleRateHz: RATE, channels: ['X', 'Y'] },
  stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
};
const frame = (k: number): FeatureFrame => ({ windowIndex: k, tUs: Math.floor(((k * HOP + 1024) * 1e6) / RATE), shaftHz: 0, rmsG: [0.05, 0.06] });
const frames = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => frame(a + i));

/** The counts a block carries for the sample starting at input frame f (a recognisable ramp per axis). */
const countAt = (f: number, axis: number) => (axis === 0 ? (f % 20000) - 10000 : -(f % 7000));
const gAt = (f: number, axis: number) => Math.fround(countAt(f, axis) * SCALE);
function block(firstFrame: number, n = 505, d = 1): RawBlock {
  const samples = new Float32Array(2 * n); // in g (count × scale_g), as main sends them
  for (let k = 0; k < n; k++) for (let a = 0; a < 2; a++) samples[2 * k + a] = countAt(firstFrame + k * d, a) * SCALE;
  return { firstFrame, axisCount: 2, decimation: d, scaleG: SCALE, frameCount: n, samples };
}
/** Blocks from input frame `from` until at least `to`, as the node sends them (n samples of D frames each). */
function blocks(from: number, to: number, d = 1, n = 505): RawBlock[] {
  const out: RawBlock[] = [];
  for (let f = from; f < to; f += n * d) out.push(block(f, n, d));
  return out;
}
const started = (eventId: number, startWindow: number, endWindow: number): NodeEventInfo => ({
  path: PATH,
  eventId,
  state: 'started',
  debounceK: 3,
  debounceN: 5,
  startWindow,
  endWindow,
  startTUs: frame(startWindow).tUs,
  endTUs: frame(endWindow).tUs,
  peakScore: 2.5,
  threshold: 1,
  modelVersion: 4,
});

let dbs = 0;
function setup() {
  const db = new VigilDb(`raw-${++dbs}`);
  const rec = new LiveRecorder({ db, now: () => Date.UTC(2024, 4, 2, 8, 0, 0), setInterval: () => 0, clearInterval: () => {} });
  rec.setNode(node);
  return { db, rec };
}
const byStart = (rows: RawSnapshotRow[]) => rows.sort((a, b) => a.tUs - b.tUs);
/** Axis a, sample i of a stored snapshot. */
const at = (r: RawSnapshotRow, a: number, i: number) => r.samples[a * r.count + i];

describe('toCaptureBlock', () => {
  it('splits interleaved g by axis, input frames into the sample clock of its decimation', () => {
    const g = [100, -1, 200, -2, 32767, -32768].map((c) => c * (8 / 32768));
    const b = toCaptureBlock({ firstFrame: 4096, axisCount: 2, decimation: 4, scaleG: 8 / 32768, frameCount: 3, samples: Float32Array.from(g) }, 'k', RATE);
    expect(b).not.toBeNull();
    expect(b!.path).toBe('k');
    expect(b!.firstSample).toBe(1024); // 4096 / 4
    expect(b!.sampleRateHz).toBe(12000); // 48000 / 4
    expect(b!.axes.map((x) => Array.from(x))).toEqual([
      [100 / 4096, 200 / 4096, 32767 / 4096],
      [-1 / 4096, -2 / 4096, -8],
    ]);
    // A run whose first block starts off the grid of D: the origin keeps its clock whole.
    expect(toCaptureBlock(block(10101, 4, 2), 'k', RATE, 1)!.firstSample).toBe(5050);
    expect(toCaptureBlock(block(10101, 4, 2), 'k', RATE, 0)).toBeNull(); // 10101 / 2 is no sample
    expect(toCaptureBlock({ ...block(0, 4), samples: Float32Array.of(1, 2, 3) }, 'k', RATE)).toBeNull(); // too few samples
    expect(toCaptureBlock({ ...block(0, 4), frameCount: 0 }, 'k', RATE)).toBeNull();
  });
});

describe('LiveRecorder raw snapshots', () => {
  it('stores the scheduled snapshot (DEFAULT_RAW_POLICY: 1 s) from a stream of blocks, on the session clock', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 10) });
    // Raw at D = 2 starts mid-stream, at input frame 10101: samples are means of frames 10101+2k…
    const list = blocks(10101, 10101 + 2 * RATE, 2);
    for (let i = 0; i < list.length; i += 8) rec.ingestRaw({ path: PATH, blocks: list.slice(i, i + 8) });
    await rec.flush();
    const rows = await db.rawSnapshots.toArray();
    expect(rows.length).toBe(1);
    const r = rows[0];
    const session = (await db.sessions.toArray())[0];
    expect(r).toMatchObject({ sessionId: session.id, nodeId: UID, reason: 'schedule', eventId: null, sampleRateHz: 24000, axisCount: 2, count: 24000 });
    expect(r.id).toBe(`${session.id}:raw:10101`);
    expect(r.tUs).toBe(Math.floor((10101 * 1e6) / RATE));
    expect(r.startMs).toBeCloseTo(session.t0Ms + 10101 / 48, 6);
    expect(r.bytes).toBe(24000 * 2 * 4);
    expect(r.samples).toBeInstanceOf(Float32Array);
    for (const i of [0, 1, 9999, 23999]) {
      expect(at(r, 0, i)).toBe(gAt(10101 + 2 * i, 0));
      expect(at(r, 1, i)).toBe(gAt(10101 + 2 * i, 1));
    }
    // The Recordings page shows the session's raw bytes.
    expect(session.bytes.raw).toBe(r.bytes);
  });

  it('stores a snapshot around an event that starts, with 2 s before its first over window from the ring, linked to its event row', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 260) });
    rec.ingestRaw({ path: PATH, blocks: blocks(0, 126000) }); // 250 blocks: frames 0 … 126249
    rec.ingestEvent(started(7, 250, 254)); // window 250 starts at input frame 250 · 512 = 128000
    await rec.flush();
    expect((await db.rawSnapshots.toArray()).map((r) => r.reason)).toEqual(['schedule']); // waiting for 2 s after
    rec.ingestRaw({ path: PATH, blocks: blocks(126250, 230000) });
    await rec.flush();
    const session = (await db.sessions.toArray())[0];
    const ev = (await db.rawSnapshots.where('reason').equals('event').toArray())[0];
    const eventRow = await db.events.get(`${session.id}:event:7`);
    expect(eventRow).toBeDefined();
    expect(ev).toMatchObject({ id: `${session.id}:event:7:raw`, eventId: eventRow!.id, sessionId: session.id, nodeId: UID, sampleRateHz: RATE, count: 4 * RATE });
    expect(ev.tUs).toBe(Math.floor((32000 * 1e6) / RATE)); // 128000 − 2 s
    expect(ev.startMs).toBeCloseTo(session.t0Ms + 32000 / 48, 6);
    // Pre-trigger samples came from the ring (they arrived before the trigger), the rest after it.
    for (const i of [0, 50000, 95999, 96000, 191999]) {
      expect(at(ev, 0, i)).toBe(gAt(32000 + i, 0));
      expect(at(ev, 1, i)).toBe(gAt(32000 + i, 1));
    }
    // The same event ending takes no second snapshot.
    rec.ingestEvent({ ...started(7, 250, 270), state: 'ended' });
    rec.ingestRaw({ path: PATH, blocks: blocks(230280, 240000) });
    await rec.flush();
    expect(await db.rawSnapshots.where('reason').equals('event').count()).toBe(1);
    expect((await db.sessions.get(session.id))!.bytes.raw).toBe((await db.rawSnapshots.toArray()).reduce((s, r) => s + r.bytes, 0));
  });

  it('starts over when the decimation changes: never two rates in one snapshot', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 100) });
    rec.ingestRaw({ path: PATH, blocks: blocks(0, 24000) }); // D = 1: 0.5 s of the 1 s schedule (48 blocks: frames 0 … 24239)
    rec.ingestRaw({ path: PATH, blocks: blocks(30001, 30001 + 4 * RATE, 4) }); // D = 4 from frame 30001
    await rec.flush();
    const session = (await db.sessions.toArray())[0];
    const [a, b] = byStart(await db.rawSnapshots.toArray());
    // The snapshot open at D = 1 keeps what it had; the new run takes its own at 12 kHz.
    expect([a.reason, a.sampleRateHz, a.count, a.tUs]).toEqual(['schedule', RATE, 48 * 505, 0]);
    expect(at(a, 0, 24239)).toBe(gAt(24239, 0));
    expect([b.reason, b.sampleRateHz, b.count]).toEqual(['schedule', 12000, 12000]);
    expect(b.id).toBe(`${session.id}:raw:30001`);
    expect(b.startMs).toBeCloseTo(session.t0Ms + 30001 / 48, 6);
    expect(at(b, 0, 0)).toBe(gAt(30001, 0));
    expect(at(b, 1, 11999)).toBe(gAt(30001 + 4 * 11999, 1));
  });

  it('starts over when the stream restarts: raw before the new session waits, then the new session gets its own', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 400) }); // 4.3 s
    rec.ingestRaw({ path: PATH, blocks: blocks(0, 200000) }); // schedule done at 48000
    rec.ingestEvent(started(1, 380, 384)); // at frame 194560: open, waiting for 2 s after
    const old = rec.sessionOf(PATH)!;
    // The node restarts: its raw comes back at frame 0 before its features do.
    rec.ingestRaw({ path: PATH, blocks: blocks(0, 5050) });
    await rec.flush();
    let rows = byStart(await db.rawSnapshots.toArray());
    expect(rows.map((r) => [r.sessionId, r.reason])).toEqual([
      [old.id, 'schedule'],
      [old.id, 'event'],
    ]);
    // The ring held the last 2 s before the old stream's end (frame 200485); the snapshot is handed
    // over with what it had, up to the restart.
    const seen = Math.ceil(200000 / 505) * 505;
    expect(rows[1].tUs).toBe(Math.floor(((seen - 2 * RATE) * 1e6) / RATE));
    expect(rows[1].count).toBe(2 * RATE);
    expect(at(rows[1], 0, 0)).toBe(gAt(seen - 2 * RATE, 0));
    expect(at(rows[1], 1, 2 * RATE - 1)).toBe(gAt(seen - 1, 1));
    // The new stream's features: a new session, and its raw from then on is its own.
    rec.ingest({ path: PATH, frames: frames(0, 20) });
    const fresh = rec.sessionOf(PATH)!;
    expect(fresh.id).not.toBe(old.id);
    rec.ingestRaw({ path: PATH, blocks: blocks(5050, 5050 + RATE + 505) });
    await rec.flush();
    // Nothing of the new stream went into the old session (its samples would be on the wrong clock).
    const oldRows = byStart(await db.rawSnapshots.where('sessionId').equals(old.id).toArray());
    expect(oldRows.map((r) => [r.reason, r.tUs, r.count])).toEqual([
      ['schedule', 0, RATE],
      ['event', rows[1].tUs, 2 * RATE],
    ]);
    expect(at(oldRows[0], 0, RATE - 1)).toBe(gAt(RATE - 1, 0));
    rows = await db.rawSnapshots.where('sessionId').equals(fresh.id).toArray();
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ reason: 'schedule', tUs: Math.floor((5050 * 1e6) / RATE), count: RATE });
    expect(rows[0].startMs).toBeCloseTo(fresh.t0Ms + 5050 / 48, 6);
    expect(at(rows[0], 0, 0)).toBe(gAt(5050, 0));
  });

  it('never stores a hole: a lost block ends the open snapshot where the samples stop', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 200) });
    const list = blocks(0, 2 * RATE);
    rec.ingestRaw({ path: PATH, blocks: [...list.slice(0, 40), ...list.slice(41)] }); // block 40 (frames 20200 … 20704) lost
    await rec.flush();
    const rows = await db.rawSnapshots.toArray();
    expect(rows.map((r) => [r.reason, r.tUs, r.count])).toEqual([['schedule', 0, 40 * 505]]);
    expect(at(rows[0], 1, 40 * 505 - 1)).toBe(gAt(40 * 505 - 1, 1));
  });

  it('stores nothing in standby (another window records)', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 300) });
    rec.setActive(false);
    rec.ingestRaw({ path: PATH, blocks: blocks(0, 2 * RATE) });
    rec.ingestEvent(started(2, 100, 104));
    rec.ingestRaw({ path: PATH, blocks: blocks(96960, 4 * RATE) });
    await rec.flush();
    expect(await db.rawSnapshots.count()).toBe(0);
    // The same blocks while recording are stored: the test above could fail.
    rec.setActive(true);
    rec.ingestRaw({ path: PATH, blocks: blocks(4 * RATE, 6 * RATE) });
    await rec.flush();
    expect(await db.rawSnapshots.count()).toBe(1);
  });

  it('stops on a full disk keeping the snapshot, and writes it after resuming', async () => {
    const { db, rec } = setup();
    rec.ingest({ path: PATH, frames: frames(0, 10) });
    await rec.flush();
    const sessionsBefore = await db.sessions.toArray();
    const realPut = db.rawSnapshots.bulkPut.bind(db.rawSnapshots);
    db.rawSnapshots.bulkPut = (() => Promise.reject(Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' }))) as never;
    rec.ingestRaw({ path: PATH, blocks: blocks(0, RATE + 505) });
    await rec.flush();
    expect(rec.state.kind === 'stopped' && rec.state.reason).toBe('quota');
    expect(await db.rawSnapshots.count()).toBe(0);
    expect(await db.sessions.toArray()).toEqual(sessionsBefore); // the transaction rolled back: nothing stored changed
    rec.ingestRaw({ path: PATH, blocks: blocks(RATE + 1010, 2 * RATE) }); // dropped while stopped
    db.rawSnapshots.bulkPut = realPut;
    await rec.resume();
    const rows = await db.rawSnapshots.toArray();
    expect(rows.map((r) => [r.reason, r.count])).toEqual([['schedule', RATE]]);
    expect((await db.sessions.toArray())[0].bytes.raw).toBe(rows[0].bytes);
  });
});
