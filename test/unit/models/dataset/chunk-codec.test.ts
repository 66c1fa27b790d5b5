// Packed feature chunks (models/dataset/chunkCodec.ts): the window index, time and shaft speed of a
// chunk stored as runs and a time line, read back bit for bit, in the regular case (a few dozen
// bytes a chunk) and in every irregular one (a gap, a time step that changes, a speed that changes,
// NaN speed, a wrapped index, times no line fits), and old-layout rows read as they are.
import { describe, expect, it } from 'vitest';
import { isPackedChunk, packChunkRow, packIfWhole, simplestBetween, unpackChunk, unpackChunkFeatures } from '../../../../models/dataset/chunkCodec';
import { chunkRanges, FeatureColumnsBuilder, packChunk, windowTimeUs, type FeatureChunk } from '../../../../models/dataset/columns';

const LAYOUT = { axisCount: 2, fields: ['rms', 'velocityRmsMmS'], nodeFields: ['anomalyScore'], bandCount: 2 };
const CTX = { sessionId: 'S', nodeId: 'N', t0Ms: 1_700_000_000_000 };

/** The node's time of window k in integer arithmetic, as the firmware computes it (u64). */
const nodeTimeUs = (k: number, hop: number, windowLen: number, fs: number) => Number(((BigInt(k) * BigInt(hop) + BigInt(windowLen)) * 1_000_000n) / BigInt(fs));

interface Row {
  w: number;
  t: number;
  shaft: number;
}

function chunksOf(rows: Row[]): FeatureChunk[] {
  const b = new FeatureColumnsBuilder(LAYOUT, rows.length);
  rows.forEach((r, i) => b.push(r.w >>> 0, r.t, r.shaft, [0.01 * i, i % 7 === 0 ? NaN : 0.2, 1, 2, i], [i, -i, 0.5, 1.5]));
  return chunkRanges(b.tUs, 0, b.length).map(([a, z]) => packChunk(b, a, z, CTX));
}

/** The bytes of a typed array, to compare bit for bit (quickly: a chunk holds up to 300 kB). */
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** Every column of `back` bit-equal to `c` (NaN payloads and −0 included). */
function expectSame(back: FeatureChunk, c: FeatureChunk): void {
  expect(back.count).toBe(c.count);
  for (const k of ['windowIndex', 'tUsOffset', 'shaftHz', 'values'] as const) expect(bytesOf(back[k]), k).toEqual(bytesOf(c[k]));
  expect(bytesOf(back.bands!)).toEqual(bytesOf(c.bands!));
  expect([back.id, back.sessionId, back.nodeId, back.chunkIndex, back.startMs, back.endMs, back.bytes]).toEqual([c.id, c.sessionId, c.nodeId, c.chunkIndex, c.startMs, c.endMs, c.bytes]);
}

/** Packs and unpacks every chunk; returns the packed rows. */
function roundTrip(rows: Row[]) {
  return chunksOf(rows).map((c) => {
    const p = packChunkRow(c);
    expect(isPackedChunk(p)).toBe(true);
    expectSame(unpackChunk(p), c);
    // Through a structured clone, as IndexedDB stores it.
    expectSame(unpackChunk(structuredClone(p)), c);
    return { c, p };
  });
}

/** Bytes the packed row spends on index, time and speed (everything but the feature values and the bands, float32 or coded). */
const overhead = (p: ReturnType<typeof packChunkRow>) => p.bytes - p.values!.byteLength - (p.bands?.byteLength ?? 0) - (p.bandBits?.byteLength ?? 0) - (p.bandExceptions?.byteLength ?? 0);

const stream = (from: number, n: number, hop: number, windowLen: number, fs: number, shaft = 29.95): Row[] => Array.from({ length: n }, (_, i) => ({ w: from + i, t: nodeTimeUs(from + i, hop, windowLen, fs), shaft }));

describe('packed feature chunks', () => {
  it('a regular live stream: every chunk in 56 bytes of index, time and speed instead of 12 a window', () => {
    for (const [fs, hop, wl, k0] of [
      [48000, 512, 1024, 0],
      [48000, 512, 1024, 40_000_000], // days into a recording: the node's u64 time, past 2^53 in k·hop·10⁶
      [26667, 256, 512, 0],
      [25600, 512, 1024, 7],
      [12000, 256, 1024, 5],
      [44100, 441, 2048, 77],
    ]) {
      const out = roundTrip(stream(k0, 15_000, hop, wl, fs));
      for (const { c, p } of out.filter((x) => x.c.count > 10)) {
        expect(p.tRule, `${fs}/${hop}`).not.toBeNull();
        expect(p.timeExceptions!.length).toBe(0);
        expect(overhead(p)).toBe(8 + 8 + 40);
        expect(overhead(p)).toBeLessThan(c.count * 12);
      }
    }
  });

  it('imported recordings (the double-precision window time) and FEMTO-like pauses between snapshots', () => {
    const rows: Row[] = [];
    for (let k = 0; k < 20_000; k++) rows.push({ w: k, t: windowTimeUs(k, 512, 1024, 25600), shaft: 0 });
    for (const { p } of roundTrip(rows)) expect(p.timeExceptions!.length).toBe(0);
    // 4 windows every 10 s: the index jumps, the time follows the index.
    const snaps: Row[] = [];
    for (let s = 0; s < 30; s++) for (let j = 0; j < 4; j++) snaps.push({ w: s * 500 + j, t: windowTimeUs(s * 500 + j, 512, 1024, 25600), shaft: 0 });
    for (const { p } of roundTrip(snaps)) {
      expect(p.windowRuns!.length).toBe(2 * 6); // 6 snapshots a minute
      expect(p.timeExceptions!.length).toBe(0);
    }
  });

  it('a gap in window indices: one more run, the time still on its line', () => {
    const rows = stream(0, 3000, 512, 1024, 48000).filter((r) => r.w < 1000 || r.w >= 1010);
    const [{ p }] = roundTrip(rows);
    expect(Array.from(p.windowRuns!)).toEqual([0, 0, 1000, 1010]);
    expect(p.timeExceptions!.length).toBe(0);
  });

  it('a time step that changes mid-chunk: the rows off the line are kept as they were', () => {
    // hop 512 up to window `at`, then hop 256 (as after a CONFIG change, were it the same session).
    const changed = (at: number) => {
      const tAt = nodeTimeUs(at, 512, 1024, 48000);
      return stream(0, 4000, 512, 1024, 48000).map((r) => (r.w < at ? r : { ...r, t: tAt + Math.floor(((r.w - at) * 256 * 1e6) / 48000) }));
    };
    // Late in the chunk: the line of the first 3,000 rows, the last 999 rows kept as exceptions.
    const [{ c, p }] = roundTrip(changed(3000));
    expect(p.tRule).not.toBeNull();
    expect(p.timeExceptions!.length / 2).toBe(999);
    expect(Array.from(p.timeExceptions!.subarray(0, 2))).toEqual([3001, c.tUsOffset[3001]]);
    expect(overhead(p)).toBeLessThan(c.count * 12);
    // Half way: exceptions would cost more than the column, which is stored plain.
    const [{ p: half }] = roundTrip(changed(2000));
    expect(half.tRule).toBeNull();
    expect(half.tUsOffset).not.toBeNull();
  });

  it('shaft speed that changes mid-chunk, NaN, −0 and a NaN with a payload come back bit for bit', () => {
    const rows = stream(0, 3000, 512, 1024, 48000).map((r) => ({ ...r, shaft: r.w < 1000 ? 29.95 : r.w < 1500 ? 30.1 : r.w < 2000 ? NaN : r.w < 2100 ? -0 : 0 }));
    const [c] = chunksOf(rows);
    // A NaN with another payload than the canonical one, as a foreign writer could leave it.
    new Uint32Array(c.shaftHz.buffer, c.shaftHz.byteOffset, c.count)[2500] = 0x7fc00001;
    const p = packChunkRow(c);
    expect(p.shaftRuns!.length / 2).toBe(7);
    const back = unpackChunk(structuredClone(p));
    expectSame(back, c);
    expect(Object.is(back.shaftHz[2050], -0)).toBe(true);
    expect(new Uint32Array(back.shaftHz.buffer)[2500]).toBe(0x7fc00001);
  });

  it('a window index that wraps past 2^32 inside a chunk', () => {
    const rows = stream(2 ** 32 - 100, 400, 512, 1024, 48000).map((r) => ({ ...r, t: nodeTimeUs(r.w - (2 ** 32 - 100), 512, 1024, 48000) }));
    const [{ p }] = roundTrip(rows);
    expect(p.windowRuns!.length).toBe(2);
  });

  it('columns no run or line makes smaller are stored plain, and still read back', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647);
    const rows: Row[] = [];
    let t = 0;
    for (let i = 0; i < 500; i++) {
      t += 1 + (rnd() % 100_000);
      rows.push({ w: rnd(), t: Math.min(t, 59_999_999), shaft: (rnd() % 1000) / 7 });
    }
    const [{ c, p }] = roundTrip(rows);
    expect(p.windowRuns).toBeNull();
    expect(p.windowIndex).not.toBeNull();
    expect(p.shaftRuns).toBeNull();
    expect(p.tRule).toBeNull();
    expect(overhead(p)).toBe(c.count * 12);
  });

  it('tiny chunks: one window, and a few', () => {
    for (const n of [1, 2, 5, 12]) roundTrip(stream(100, n, 512, 1024, 48000));
  });

  it('an old-layout row is read as it is; packIfWhole packs a whole one and leaves a damaged one', () => {
    const [c] = chunksOf(stream(0, 100, 512, 1024, 48000));
    expect(isPackedChunk(c)).toBe(false);
    expect(unpackChunk(c)).toBe(c);
    const extra = { ...c, futureField: 'kept' } as unknown as Record<string, unknown>;
    const packed = packIfWhole(extra);
    expect(packed.packing).toBe(1);
    expect(packed.futureField).toBe('kept');
    expect(packed).not.toHaveProperty('tUsOffset', c.tUsOffset);
    expectSame(unpackChunk(packed as never), c);
    const noSpeed = { ...c, shaftHz: undefined } as unknown as Record<string, unknown>;
    expect(packIfWhole(noSpeed)).toBe(noSpeed);
    const short = { ...c, tUsOffset: c.tUsOffset.subarray(1) } as unknown as Record<string, unknown>;
    expect(packIfWhole(short)).toBe(short);
  });

  it('bands are stored quantized and coded; a packed row written before (float32 bands) is read as it was', () => {
    // Band values that are not multiples of the step: read back within 2^-12, the other columns bit for bit.
    const rows = stream(0, 5000, 512, 1024, 48000);
    const b = new FeatureColumnsBuilder(LAYOUT, rows.length);
    rows.forEach((r, i) => b.push(r.w, r.t, r.shaft, [0.1, 0.2, 1, 2, i], [-4 + Math.sin(i) / 3, -5 + Math.cos(i * 0.7) / 3, -6.123456, i % 97 === 0 ? NaN : -7 + i / 1e4]));
    for (const c of chunkRanges(b.tUs, 0, b.length).map(([a, z]) => packChunk(b, a, z, CTX))) {
      const p = packChunkRow(c);
      expect(p.bands).toBeNull();
      expect(p.bandSeries).toBe(4);
      expect(p.bandStepLog2).toBe(-11);
      expect(p.bandBits!.byteLength).toBeLessThan(c.bands!.byteLength / 2);
      expect(p.bytes).toBe(overhead(p) + p.values!.byteLength + p.bandBits!.byteLength + (p.bandExceptions?.byteLength ?? 0));
      const back = unpackChunk(structuredClone(p));
      for (const k of ['windowIndex', 'tUsOffset', 'shaftHz', 'values'] as const) expect(bytesOf(back[k]), k).toEqual(bytesOf(c[k]));
      for (let i = 0; i < c.bands!.length; i++) {
        if (Number.isNaN(c.bands![i])) expect(back.bands![i]).toBeNaN();
        else expect(Math.abs(back.bands![i] - c.bands![i]), `band value ${i}`).toBeLessThanOrEqual(1 / 4096);
      }
      expect(back.bytes).toBe(c.bytes);
      // The readers of the scalar columns skip decoding the bands.
      const light = unpackChunkFeatures(p);
      expect(light.bands).toBeNull();
      for (const k of ['windowIndex', 'tUsOffset', 'shaftHz', 'values'] as const) expect(bytesOf(light[k]), k).toEqual(bytesOf(c[k]));
      expect(light.bytes).toBe(c.bytes);
      // The same chunk as packed before bands were quantized: float32 bands in the row, read unchanged.
      const old = { ...p, bands: c.bands, bandBits: undefined, bandSeries: undefined, bandStepLog2: undefined, bandExceptions: undefined };
      expectSame(unpackChunk(structuredClone(old)), c);
    }
  });

  it('simplestBetween finds the fraction with the smallest denominator', () => {
    expect(simplestBetween(10666.6, 10666.7)).toEqual([32000, 3]);
    expect(simplestBetween(0.3, 0.34)).toEqual([1, 3]);
    expect(simplestBetween(2.5, 4)).toEqual([3, 1]);
    expect(simplestBetween(-0.1, 0.1)).toEqual([0, 1]);
    expect(simplestBetween(1, 1)).toBeNull();
  });
});
