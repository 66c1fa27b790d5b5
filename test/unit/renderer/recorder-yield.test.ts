// The live recorder codes a complete minute's band energies (tens of milliseconds a node) and nodes
// started together complete their minutes in the same flush: the page must get a turn after each
// such node (its charts draw in between), not one long task for all of them (recorder.ts,
// writeOnce). Observed from the outside: a task the page queues while the first node's minute is
// being coded runs before the second node's minute is coded.
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import type { FeatureChunk } from '../../../models/dataset/columns';
import type { FeatureFrame, NodeInfo } from '../../../models/api/contract';

const coding = vi.hoisted(() => ({ coded: 0, onFirst: null as null | (() => void) }));

vi.mock('../../../models/dataset/chunkCodec', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../models/dataset/chunkCodec')>();
  return {
    ...real,
    packChunkRow: (c: FeatureChunk, o: { codeBands?: boolean } = {}) => {
      const row = real.packChunkRow(c, o);
      if (o.codeBands && c.bands) {
        coding.coded++;
        if (coding.coded === 1) coding.onFirst?.();
      }
      return row;
    },
  };
});

const { VigilDb } = await import('../../../renderer/src/db/db');
const { LiveRecorder } = await import('../../../renderer/src/record/recorder');

const nodeOf = (i: number): NodeInfo => ({
  path: `/dev/pts/${20 + i}`,
  status: 'online',
  demo: false,
  link: 'serial',
  hello: { uid: `c1c2c3d4e5f60718293a4b${String(i).padStart(2, '0')}`, name: `fan-${i}`, board: 'host', firmware: '1.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'] },
  stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
});
const tUs = (k: number) => Math.floor(((k * 512 + 1024) * 1e6) / 48000);
const frame = (k: number): FeatureFrame => ({ windowIndex: k, tUs: tUs(k), shaftHz: 0, rmsG: [0.05, 0.06], logBands: [0, 1].map((a) => [0, 1, 2].map((b) => k / 1000 + a + b / 10)) });

describe('LiveRecorder: coding complete minutes of several nodes', () => {
  it('gives the page a turn after each node whose minute of band energies it coded', async () => {
    const db = new VigilDb('rec-yield-1');
    let clock = Date.UTC(2024, 4, 2, 8, 0, 0);
    const rec = new LiveRecorder({ db, now: () => clock, setInterval: () => 0, clearInterval: () => {} });
    const nodes = [0, 1, 2].map(nodeOf);
    // 6,000 windows a node: minute 0 complete (coded in this flush), minute 1 open.
    for (const n of nodes) {
      rec.setNode(n);
      rec.ingest({ path: n.path, frames: Array.from({ length: 6000 }, (_, k) => frame(k)) });
    }
    clock += 65_000;
    let codedWhenThePageRan = -1;
    coding.onFirst = () => setTimeout(() => (codedWhenThePageRan = coding.coded), 0);
    await rec.flush();
    // Every node's minute was coded, and the page's task ran after the first node's, before the second's.
    expect(coding.coded).toBe(3);
    expect(codedWhenThePageRan).toBe(1);
    const coded = (await db.featureChunks.toArray()).filter((r) => (r as { bandBits?: Uint8Array }).bandBits != null);
    expect(coded.length).toBe(3);
    rec.dispose();
    db.close();
  });
});
