import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK_US, chunkRanges, columnIndex, FeatureColumnsBuilder, findGaps, packChunk, summarize, windowTimeUs } from '../../../../models/dataset/columns';
import { CsvStreamParser } from '../../../../models/dataset/csv';
import { RAW_BLOCK_SAMPLES, RecordingBuilder } from '../../../../models/dataset/recording';
import { defaultFeatureSpec, extractFeatures } from '../../../../models/features/index';
import { windowedRmsF32 } from '../../../../models/features/rms';
import { ROOT } from '../../../helpers/firmware';
import { readCsvColumns } from '../../../helpers/recording';

describe('RecordingBuilder', () => {
  it('computes the features of the CWRU excerpt with models/features, window for window', () => {
    const { columns } = readCsvColumns(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'));
    const b = new RecordingBuilder({ sampleRateHz: 48000, axisCount: 2, segmentSpacingS: null });
    // Feed in uneven pieces, as the CSV parser does.
    b.segment('', 2);
    for (let i = 0; i < 48000; i += 5000) b.samples(columns.map((c) => c.slice(i, Math.min(48000, i + 5000))), Math.min(5000, 48000 - i));
    const r = b.finish();
    const ref = extractFeatures(columns, defaultFeatureSpec(48000));
    const rms = windowedRmsF32(columns[0], 1024, 512);
    expect(r.features.length).toBe(ref.length);
    expect(r.features.length).toBe(92); // (48000 - 1024) / 512 + 1
    const f = r.features;
    const rms0 = columnIndex(r.layout, 'rms', 0);
    const kurt1 = columnIndex(r.layout, 'kurtosis', 1);
    for (let k = 0; k < ref.length; k++) {
      expect(f.windowIndex[k]).toBe(k);
      expect(f.tUs[k]).toBe(windowTimeUs(k, 512, 1024, 48000));
      expect(f.values[rms0][k]).toBe(rms[k]); // bit-identical to the firmware's RMS
      expect(f.values[kurt1][k]).toBe(Math.fround(ref[k].axes[1].kurtosis));
      expect(f.bands[33][k]).toBe(ref[k].logBands[33]);
    }
    expect(r.gaps).toEqual([]);
    expect(r.sampleCount).toBe(48000);
    expect(r.raw.length).toBe(1);
    expect(r.raw[0].samples.subarray(48000, 48010)).toEqual(columns[1].subarray(0, 10));
  });

  it('places FEMTO snapshots 10 s apart and stores the pauses as gaps', () => {
    const b = new RecordingBuilder({ sampleRateHz: 25600, axisCount: 2, segmentSpacingS: 10 });
    const burst = () => [0, 1].map((a) => Float32Array.from({ length: 2560 }, (_, i) => Math.sin(i * 0.3 + a)));
    for (const key of ['1', '2', '4']) {
      b.segment(key, 1);
      b.samples(burst(), 2560);
    }
    const r = b.finish();
    // 4 windows per 2560-sample snapshot; snapshot k starts at window (k-1) * 500.
    expect(Array.from(r.features.windowIndex.subarray(0, r.features.length))).toEqual([0, 1, 2, 3, 500, 501, 502, 503, 1500, 1501, 1502, 1503]);
    expect(r.features.tUs[4]).toBe(10_000_000 + 40_000);
    expect(r.gaps).toEqual([
      { fromWindow: 4, toWindow: 500 },
      { fromWindow: 504, toWindow: 1500 },
    ]);
    expect(r.raw.map((x) => x.startSample)).toEqual([0, 256000, 768000]);
  });

  it('refuses snapshots out of order, overlapping bursts and too-short recordings', () => {
    const b = new RecordingBuilder({ sampleRateHz: 25600, axisCount: 1, segmentSpacingS: 10 });
    b.segment('5', 2);
    expect(() => b.segment('3', 9)).toThrow('Line 9: snapshot 3 comes after snapshot 5; the rows must be in time order.');
    const o = new RecordingBuilder({ sampleRateHz: 25600, axisCount: 1, segmentSpacingS: 0.01 });
    o.segment('1', 2);
    o.samples([new Float32Array(1000)], 1000);
    expect(() => o.segment('2', 1002)).toThrow(/^Line 1002: the snapshot starting here would overlap/);
    const s = new RecordingBuilder({ sampleRateHz: 48000, axisCount: 1, segmentSpacingS: null });
    s.samples([new Float32Array(1000)], 1000);
    expect(() => s.finish()).toThrow(/too short: a feature window needs 1,024 samples/);
    expect(() => new RecordingBuilder({ sampleRateHz: 100, axisCount: 1, segmentSpacingS: null })).toThrow(/too low/);
  });

  it('splits raw samples into fixed blocks', () => {
    const b = new RecordingBuilder({ sampleRateHz: 48000, axisCount: 1, segmentSpacingS: null });
    const n = RAW_BLOCK_SAMPLES + 100;
    b.samples([Float32Array.from({ length: n }, (_, i) => i)], n);
    const r = b.finish();
    expect(r.raw.map((x) => [x.startSample, x.count])).toEqual([
      [0, RAW_BLOCK_SAMPLES],
      [RAW_BLOCK_SAMPLES, 100],
    ]);
    expect(r.raw[1].samples[0]).toBe(RAW_BLOCK_SAMPLES);
  });

  it('works behind the CSV parser', () => {
    const b = new RecordingBuilder({ sampleRateHz: 4096, axisCount: 1, segmentSpacingS: null });
    const p = new CsvStreamParser({ delimiter: ',', decimalComma: false, skipLines: 0, hasHeader: false, columnCount: 1, axisColumns: [0], segmentColumn: null, scale: 1 }, b);
    p.push(Array.from({ length: 2048 }, (_, i) => (i % 2 ? '1' : '-1')).join('\n'));
    p.end();
    const r = b.finish();
    expect(r.features.length).toBe(3);
    expect(r.features.values[0][2]).toBe(1);
  });
});

describe('feature chunks and summaries', () => {
  const layout = { axisCount: 2, fields: ['rms'], bandCount: 0 };

  function fill(n: number, hopUs: number, skip: (i: number) => boolean = () => false) {
    const b = new FeatureColumnsBuilder(layout, 4);
    for (let i = 0; i < n; i++) if (!skip(i)) b.push(i, 1_000 + i * hopUs, 29.95, [i, -i]);
    return b;
  }

  it('packs rows into minute chunks with offsets, columns and wall-clock times', () => {
    const b = fill(300, 500_000); // 2.5 minutes at 2 windows/s
    const ranges = chunkRanges(b.tUs, 0, b.length);
    expect(ranges).toEqual([
      [0, 120],
      [120, 240],
      [240, 300],
    ]);
    const c = packChunk(b, 120, 240, { sessionId: 's', nodeId: 'n', t0Ms: 1e12 });
    expect(c.id).toBe('s:1');
    expect(c.chunkIndex).toBe(1);
    expect(c.count).toBe(120);
    expect(c.tUsOffset[0]).toBe(1_000 + 120 * 500_000 - CHUNK_US);
    expect(c.windowIndex[5]).toBe(125);
    expect(c.values[5]).toBe(125);
    expect(c.values[120 + 5]).toBe(-125);
    expect(c.startMs).toBe(1e12 + (1_000 + 120 * 500_000) / 1000);
    expect(c.bytes).toBe(120 * 4 * 5);
    expect(() => packChunk(b, 100, 140, { sessionId: 's', nodeId: 'n', t0Ms: 0 })).toThrow(RangeError);
  });

  it('summarises each second: min, mean, max per column', () => {
    const b = fill(120, 250_000); // 4 windows/s
    const c = packChunk(b, 0, 120, { sessionId: 's', nodeId: 'n', t0Ms: 0 });
    const s = summarize(c);
    expect(s.buckets).toBe(30);
    expect(Array.from(s.windows.subarray(0, 3))).toEqual([4, 4, 4]);
    expect(s.tUsOffset[1]).toBe(1_000_000);
    expect([s.min[1], s.mean[1], s.max[1]]).toEqual([4, 5.5, 7]);
    expect([s.min[30 + 1], s.max[30 + 1]]).toEqual([-7, -4]);
  });

  it('finds window-index jumps, and drops rows once stored', () => {
    const b = fill(10, 1000, (i) => i === 3 || i === 4 || i === 8);
    expect(findGaps(b.windowIndex, 0, b.length)).toEqual([
      { fromWindow: 3, toWindow: 5 },
      { fromWindow: 8, toWindow: 9 },
    ]);
    expect(findGaps(b.windowIndex, 0, 1, -1)).toEqual([]);
    expect(findGaps(b.windowIndex, 0, 1, -5 + 4)).toEqual([]);
    b.dropFirst(3);
    expect(b.length).toBe(4);
    expect(Array.from(b.windowIndex.subarray(0, 4))).toEqual([5, 6, 7, 9]);
    expect(b.values[1][0]).toBe(-5);
  });
});
