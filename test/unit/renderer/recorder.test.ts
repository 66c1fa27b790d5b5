import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeInfo } from '../../../models/api/contract';
import { VigilDb } from '../../../renderer/src/db/db';
import { readNodeFeatures } from '../../../renderer/src/db/features';
import { LiveRecorder } from '../../../renderer/src/record/recorder';
import { RawCapture, type CapturedSnapshot } from '../../../renderer/src/record/rawCapture';

let n = 0;
const UID = '00112233445566778899aabb';
const node = (path = '/dev/pts/3', uid = UID): NodeInfo => ({
  path,
  status: 'online',
  demo: true,
  hello: { uid, name: 'demo-cwru-normal', board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['DE', 'FE'] },
  link: 'serial',
  stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
});
const frame = (k: number, rms = [0.07, 0.08]): FeatureFrame => ({ windowIndex: k, tUs: Math.floor(((k * 512 + 1024) * 1e6) / 48000), shaftHz: 0, rmsG: rms });
const frames = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => frame(from + i, [0.01 * ((from + i) % 7), 0.05]));

function setup() {
  const db = new VigilDb(`rec-${++n}`);
  let now = Date.UTC(2024, 4, 2, 8, 0, 0);
  const rec = new LiveRecorder({ db, now: () => now, setInterval: () => 0, clearInterval: () => {} });
  return { db, rec, advance: (ms: number) => (now += ms) };
}

describe('LiveRecorder', () => {
  it('stores frames in minute chunks, rewriting the open minute as it grows', async () => {
    const { db, rec } = setup();
    rec.setNode(node());
    rec.ingest({ path: '/dev/pts/3', frames: frames(0, 100) });
    await rec.flush();
    expect(await db.featureChunks.count()).toBe(1);
    rec.ingest({ path: '/dev/pts/3', frames: frames(100, 6000) }); // 64 s at 93.75 windows/s
    await rec.flush();
    const chunks = (await db.featureChunks.toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex);
    expect(chunks.map((c) => c.count)).toEqual([5623, 377]); // window 5623 ends at t_us 60,000,000
    expect(await db.featureSummaries.count()).toBe(2);
    const s = (await db.sessions.toArray())[0];
    expect(s).toMatchObject({ kind: 'live', nodeId: UID, windowCount: 6000, gapWindows: 0, status: 'recording' });
    expect(s.bytes.features).toBe(chunks[0].bytes + chunks[1].bytes);
    const all = await readNodeFeatures(db, UID, 0, Infinity);
    expect(all.tMs.length).toBe(6000);
    expect(Array.from(all.windowIndex.subarray(5620, 5630))).toEqual([5620, 5621, 5622, 5623, 5624, 5625, 5626, 5627, 5628, 5629]);
    expect(all.columns[0][13]).toBe(Math.fround(0.01 * 6));
    expect((await db.nodes.get(UID))!.name).toBe('demo-cwru-normal');
  });

  it('stores jumps in window_index as gaps and starts a new session when the node restarts', async () => {
    const { db, rec } = setup();
    rec.setNode(node());
    rec.ingest({ path: '/dev/pts/3', frames: [...frames(0, 10), ...frames(15, 20), frame(20), frame(20)] });
    await rec.flush();
    const gaps = await db.gaps.toArray();
    expect(gaps.map((g) => [g.fromWindow, g.toWindow, g.reason])).toEqual([[10, 15, 'missed']]);
    expect(gaps[0].endMs).toBeGreaterThan(gaps[0].startMs);
    rec.ingest({ path: '/dev/pts/3', frames: frames(0, 5) }); // clock went back: restart
    await rec.flush();
    const sessions = (await db.sessions.toArray()).sort((a, b) => a.createdMs - b.createdMs || a.windowCount - b.windowCount);
    expect(sessions.map((s) => [s.windowCount, s.gapWindows, s.status]).sort()).toEqual([
      [16, 5, 'complete'],
      [5, 0, 'recording'],
    ]);
  });

  it('waits for the HELLO before it stores a port\'s frames', async () => {
    const { db } = setup();
    let asked = 0;
    const rec = new LiveRecorder({ db, setInterval: () => 0, requestNodes: () => asked++ });
    rec.ingest({ path: '/dev/pts/9', frames: frames(0, 3) });
    await rec.flush();
    expect(await db.featureChunks.count()).toBe(0);
    expect(asked).toBe(1);
    rec.setNode(node('/dev/pts/9'));
    await rec.flush();
    expect((await db.sessions.toArray())[0].windowCount).toBe(3);
  });

  it('stops on a full disk without touching what is stored, and resumes after', async () => {
    const { db, rec } = setup();
    const states: string[] = [];
    rec.onState((s) => states.push(s.kind));
    rec.setNode(node());
    rec.ingest({ path: '/dev/pts/3', frames: frames(0, 50) });
    await rec.flush();
    const stored = await db.featureChunks.toArray();
    const realPut = db.featureChunks.bulkPut.bind(db.featureChunks);
    db.featureChunks.bulkPut = (() => Promise.reject(Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' }))) as never;
    rec.ingest({ path: '/dev/pts/3', frames: frames(50, 80) });
    await rec.flush();
    expect(rec.state.kind).toBe('stopped');
    expect(rec.state.kind === 'stopped' && rec.state.reason).toBe('quota');
    expect(rec.state.kind === 'stopped' && rec.state.message).toMatch(/storage space for Vigil on this laptop is full. Nothing already stored was lost/);
    expect(await db.featureChunks.toArray()).toEqual(stored);
    rec.ingest({ path: '/dev/pts/3', frames: frames(80, 90) }); // dropped while stopped
    db.featureChunks.bulkPut = realPut;
    await rec.resume();
    rec.ingest({ path: '/dev/pts/3', frames: frames(90, 95) });
    await rec.flush();
    expect(states).toEqual(['stopped', 'recording']);
    const all = await readNodeFeatures(db, UID, 0, Infinity);
    expect(all.tMs.length).toBe(85);
    expect((await db.gaps.toArray()).map((g) => [g.fromWindow, g.toWindow])).toEqual([[80, 90]]);
  });

  it('records nothing while another window holds the recording lock', async () => {
    const { db, rec } = setup();
    rec.setNode(node());
    rec.setActive(false);
    expect(rec.state.kind).toBe('standby');
    rec.ingest({ path: '/dev/pts/3', frames: frames(0, 10) });
    await rec.flush();
    expect(await db.sessions.count()).toBe(0);
    rec.setActive(true);
    rec.ingest({ path: '/dev/pts/3', frames: frames(10, 12) });
    await rec.flush();
    expect((await db.sessions.toArray())[0].windowCount).toBe(2);
  });

  it('completes the session when the node goes away', async () => {
    const { db, rec } = setup();
    rec.setNode(node());
    rec.ingest({ path: '/dev/pts/3', frames: frames(0, 10) });
    expect(rec.sessionOf('/dev/pts/3')).not.toBeNull();
    rec.nodeGone('/dev/pts/3');
    await rec.flush();
    expect(rec.sessionOf('/dev/pts/3')).toBeNull();
    expect((await db.sessions.toArray())[0]).toMatchObject({ status: 'complete', windowCount: 10 });
  });
});

describe('RawCapture', () => {
  const block = (first: number, n: number) => ({ path: 'p', firstSample: first, sampleRateHz: 1000, axes: [Float32Array.from({ length: n }, (_, i) => first + i)] });

  it('takes a snapshot on a schedule', () => {
    const got: CapturedSnapshot[] = [];
    const cap = new RawCapture({ preTriggerS: 0.1, postTriggerS: 0.1, scheduleEveryS: 1, scheduleLengthS: 0.25 }, (s) => got.push(s));
    for (let i = 0; i < 2500; i += 100) cap.onBlock(block(i, 100));
    expect(got.map((s) => [s.reason, s.firstSample, s.count])).toEqual([
      ['schedule', 0, 250],
      ['schedule', 1000, 250],
      ['schedule', 2000, 250],
    ]);
    expect(got[1].samples[0]).toBe(1000);
    expect(got[1].samples[249]).toBe(1249);
  });

  it('keeps the samples before and after an event', () => {
    const got: CapturedSnapshot[] = [];
    const cap = new RawCapture({ preTriggerS: 0.2, postTriggerS: 0.1, scheduleEveryS: 0, scheduleLengthS: 0 }, (s) => got.push(s));
    for (let i = 0; i < 1000; i += 64) cap.onBlock(block(i, 64));
    expect(cap.trigger('p', 'E1')).toBe(true);
    expect(got).toEqual([]); // waiting for the post-trigger samples
    for (let i = 1024; i < 1200; i += 64) cap.onBlock(block(i, 64));
    expect(got.length).toBe(1);
    const s = got[0];
    expect([s.reason, s.eventId, s.firstSample, s.count]).toEqual(['event', 'E1', 1024 - 200, 300]);
    expect(Array.from(s.samples)).toEqual(Array.from({ length: 300 }, (_, i) => 824 + i));
    expect(cap.trigger('unknown', 'E2')).toBe(false);
  });
});
