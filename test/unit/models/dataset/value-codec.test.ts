// Scalar feature values stored without loss (models/dataset/valueCodec.ts), in chunks
// (codeChunkValues, models/dataset/chunkCodec.ts) and in summaries (models/dataset/summaryCodec.ts):
// real feature values (the demo CWRU recordings through models/features, as a node computes them)
// come back bit for bit in fewer bytes than float32; so do NaN with its payload, ±∞, −0, denormals
// and random bit patterns; a form that would be larger is not stored; a truncated or damaged row
// is an error in words, never other values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeChunkValues, packChunkRow, unpackChunk, unpackChunkFeatures, valueFormsFor } from '../../../../models/dataset/chunkCodec';
import { FeatureColumnsBuilder, packChunk, summarize, summarizeMinutes, type FeatureSummary } from '../../../../models/dataset/columns';
import { codeSummaryRow, decodeSummaryRow, isCodedSummary, wasReadCoded } from '../../../../models/dataset/summaryCodec';
import { decodeValues, encodeValues, LEVEL_DROP_BITS, LEVEL_MAX_REL_ERROR, roundLevelBits, roundLevels, valueFormOf } from '../../../../models/dataset/valueCodec';
import { defaultFeatureSpec, extractFeatures } from '../../../../models/features/index';
import { ROOT } from '../../../helpers/firmware';

/** Both axes of a demo CWRU recording (1 s at 48 kHz), as float32 samples. */
function demo(name: string): Float32Array[] {
  const lines = readFileSync(join(ROOT, 'data/demo', name), 'utf8').trim().split(/\r?\n/).slice(1);
  return [0, 1].map((c) => Float32Array.from(lines, (l) => Number(l.split(',')[c])));
}

const FIELDS = ['rms', 'velocityRmsMmS', 'peak', 'crest', 'kurtosis'] as const;

/** Real scalar features of the demo recordings, column-major as a chunk holds them: axis-major fields, `n` windows a series. */
function realValues(): { values: Float32Array; n: number }[] {
  return ['cwru_normal_0hp_1797rpm_48k_1s.csv', 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv'].map((f) => {
    const windows = extractFeatures(demo(f), defaultFeatureSpec(48000));
    const n = windows.length;
    const values = new Float32Array(2 * FIELDS.length * n);
    windows.forEach((w, t) => w.axes.forEach((ax, a) => FIELDS.forEach((k, j) => (values[(a * FIELDS.length + j) * n + t] = (ax as unknown as Record<string, number>)[k]))));
    return { values, n };
  });
}

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const roundTrip = (v: Float32Array, n: number) => decodeValues(structuredClone(encodeValues(v, n)), v.length, n);

/**
 * Flips one bit at a time, at `tried` places spread over the stream after its 5-byte header (form and
 * check word), and counts the decodes refused as a damaged row (any other error fails the test).
 */
function flippedBitsCaught(coded: Uint8Array, length: number, seriesLength: number, tried: number): number {
  let caught = 0;
  for (let k = 0; k < tried; k++) {
    const bad = coded.slice();
    const bit = 40 + Math.floor((k * (bad.length * 8 - 41)) / tried);
    bad[bit >> 3] ^= 0x80 >> (bit & 7);
    try {
      decodeValues(bad, length, seriesLength);
    } catch (e) {
      expect((e as Error).message).toMatch(/the row is damaged/);
      caught++;
    }
  }
  return caught;
}

describe('feature values stored without loss', () => {
  it('real feature values: bit for bit, in fewer bytes than float32', () => {
    for (const { values, n } of realValues()) {
      expect(n).toBeGreaterThan(80);
      expect(values.every((x) => Number.isFinite(x))).toBe(true);
      const coded = encodeValues(values, n);
      expect(bitsOf(decodeValues(coded, values.length, n))).toEqual(bitsOf(values));
      // Measured 2.80 and 2.85 bytes a value on these two 1 s recordings.
      expect(coded.byteLength / values.length).toBeLessThan(3.3);
    }
  });

  it('NaN with its payload, ±∞, −0, denormals, the extremes, and runs of NaN come back bit for bit', () => {
    const n = 150;
    const v = new Float32Array(3 * n);
    for (let i = 0; i < v.length; i++) v[i] = 0.05 + Math.sin(i) * 0.01;
    const u = new Uint32Array(v.buffer);
    const special = [0x7fc00000, 0x7fc01234, 0xffc00001, 0x7f800001, 0x7f800000, 0xff800000, 0x80000000, 0x00000000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x00800000];
    special.forEach((b, k) => (u[3 + 7 * k] = b));
    for (let i = 2 * n; i < 3 * n; i++) u[i] = 0x7fc00000; // a node that sends no velocity: a series of NaN
    expect(bitsOf(roundTrip(v, n))).toEqual(Array.from(u));
    // One value, one series of one, and nothing at all.
    for (const b of special) expect(bitsOf(roundTrip(new Float32Array(new Uint32Array([b]).buffer), 1))).toEqual([b]);
    expect(roundTrip(new Float32Array(0), 5).length).toBe(0);
  });

  it('random bit patterns come back bit for bit (about 4 bytes a value: nothing to gain, and none lost)', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const n of [1, 63, 64, 65, 1000]) {
      const u = Uint32Array.from({ length: 3 * n }, next);
      const coded = encodeValues(new Float32Array(u.buffer), n);
      expect(bitsOf(decodeValues(coded, u.length, n))).toEqual(Array.from(u));
      expect(coded.byteLength).toBeLessThan(u.length * 4.3 + 16);
    }
  });

  it('a truncated, damaged or unknown row is an error in words', () => {
    const [{ values, n }] = realValues();
    const coded = encodeValues(values, n);
    expect(() => decodeValues(coded.subarray(0, coded.length >> 1), values.length, n)).toThrow(/end too early: the row is damaged/);
    expect(() => decodeValues(coded.subarray(0, 3), values.length, n)).toThrow(/end before their header/);
    const longer = new Uint8Array(coded.length + 2);
    longer.set(coded);
    expect(() => decodeValues(longer, values.length, n)).toThrow(/do not end where their row does/);
    // Every single flipped bit of the stream is caught (the check word, or the stream's own end).
    expect(flippedBitsCaught(coded, values.length, n, 200)).toBe(200);
    const checkBad = coded.slice();
    checkBad[2] ^= 1;
    expect(() => decodeValues(checkBad, values.length, n)).toThrow(/fail their check: the row is damaged/);
    const form3 = coded.slice();
    form3[0] = 3;
    expect(() => decodeValues(form3, values.length, n)).toThrow(/form 3, which this version of Vigil cannot read/);
    expect(() => decodeValues(coded, values.length + 1, n)).toThrow(/layout Vigil cannot read/);
    expect(() => encodeValues(new Float32Array(7), 2)).toThrow(/not a whole number of series/);
  });
});

describe('chunks and summaries with coded values', () => {
  /** A minute of a 2-axis node (93.75 windows/s) with the live layout: real RMS and velocity RMS (the demo's windows in turn), a score, and bands. */
  function minute() {
    const [{ values, n }] = realValues();
    const layout = { axisCount: 2, fields: ['rms', 'velocityRmsMmS'], nodeFields: ['anomalyScore'], bandCount: 1 };
    const b = new FeatureColumnsBuilder(layout, 5600);
    for (let k = 0; k < 5600; k++) {
      const t = k % n;
      b.push(k, Math.floor(((k * 512 + 1024) * 1e6) / 48000), 29.95, [values[t], values[n + t], values[5 * n + t], values[6 * n + t], k % 10 ? 0.4 + t / 1e3 : NaN], [-3 - t / 100, -4]);
    }
    return packChunk(b, 0, 5600, { sessionId: 'S', nodeId: 'N', t0Ms: 1_700_000_000_000 });
  }

  it('a chunk: values coded, everything else as it was, read back bit for bit', () => {
    const c = minute();
    const packed = packChunkRow(c, { codeBands: false });
    const coded = codeChunkValues(packed);
    expect(coded.values).toBeNull();
    expect(coded.bands).toBe(packed.bands); // bands untouched: float32 stays float32, nothing quantized again
    expect(coded.bytes).toBe(packed.bytes - packed.values!.byteLength + coded.valueBits!.byteLength);
    const back = unpackChunk(structuredClone(coded));
    expect(bitsOf(back.values!)).toEqual(bitsOf(c.values));
    expect(bitsOf(back.bands!)).toEqual(bitsOf(c.bands!));
    expect(bitsOf(unpackChunkFeatures(coded).values)).toEqual(bitsOf(c.values));
    expect(valueFormsFor(coded)).toEqual({ form: 'coded', values: c.values.length, storedBytes: coded.valueBits!.byteLength, plainBytes: c.values.byteLength });
    expect(valueFormsFor(packed).form).toBe('plain');
    // Coding again changes nothing; values that do not get smaller stay plain.
    expect(codeChunkValues(coded)).toBe(coded);
    const noise = { ...packed, values: new Float32Array(Uint32Array.from({ length: packed.values!.length }, (_, i) => Math.imul(i + 1, 2654435761) >>> 0).buffer) };
    expect(codeChunkValues(noise)).toBe(noise);
  });

  it('a damaged coded chunk is an error in words', () => {
    const coded = codeChunkValues(packChunkRow(minute()));
    const bad = { ...coded, valueBits: coded.valueBits!.subarray(0, 20) };
    expect(() => unpackChunk(bad)).toThrow(/the row is damaged/);
    expect(() => unpackChunk({ ...coded, valueBits: null })).toThrow(/neither its values nor their coded form/);
  });

  it('per-second and per-minute summary rows: coded smaller, every column back bit for bit', () => {
    const c = minute();
    const s = summarize(c);
    s.min[3] = NaN;
    new Uint32Array(s.max.buffer)[4] = 0x7fc0abcd;
    const coded = codeSummaryRow(s);
    expect(isCodedSummary(coded)).toBe(true);
    expect(coded.bytes).toBeLessThan(s.bytes);
    const back = decodeSummaryRow(structuredClone(coded)) as FeatureSummary;
    expect(back.windows).toBeInstanceOf(Uint16Array);
    for (const k of ['min', 'mean', 'max'] as const) expect(bitsOf(back[k]), k).toEqual(bitsOf(s[k]));
    expect(Array.from(back.windows)).toEqual(Array.from(s.windows));
    expect(Array.from(back.tUsOffset)).toEqual(Array.from(s.tUsOffset));
    const { bytes: _a, ...restBack } = back;
    const { bytes: _b, ...restS } = s;
    expect(restBack).toEqual(restS);
    expect(back.bytes).toBe(coded.bytes); // what the row takes as stored
    // A plain row is read as it is; coding a coded row changes nothing.
    expect(decodeSummaryRow(s)).toBe(s);
    expect(codeSummaryRow(coded)).toBe(coded);

    const m = summarizeMinutes([s, { ...s, id: 'S:1', chunkIndex: 1, startMs: s.startMs + 60_000, endMs: s.endMs + 60_000 }]);
    const mc = codeSummaryRow(m);
    const mb = decodeSummaryRow(mc);
    expect(mb.windows).toBeInstanceOf(Uint32Array);
    for (const k of ['min', 'mean', 'max'] as const) expect(bitsOf(mb[k]), k).toEqual(bitsOf(m[k]));
    expect(Array.from(mb.windows)).toEqual(Array.from(m.windows));
    expect(Array.from(mb.tUsOffset)).toEqual(Array.from(m.tUsOffset));
  });

  it('a summary row that would not get smaller, or has no buckets, stays plain; a damaged one is an error in words', () => {
    const s = summarize(minute());
    const one = { ...s, buckets: 1, tUsOffset: s.tUsOffset.slice(0, 1), windows: s.windows.slice(0, 1), min: Float32Array.of(NaN), mean: Float32Array.of(1), max: Float32Array.of(2) };
    expect(codeSummaryRow(one)).toBe(one);
    const none = { ...s, buckets: 0 };
    expect(codeSummaryRow(none)).toBe(none);
    const coded = codeSummaryRow(s);
    expect(isCodedSummary(coded)).toBe(true);
    if (!isCodedSummary(coded)) return;
    expect(() => decodeSummaryRow({ ...coded, summaryBits: coded.summaryBits.subarray(0, 30) })).toThrow(/the row is damaged/);
    expect(() => decodeSummaryRow({ ...coded, summaryColumns: 1.5 })).toThrow(/layout Vigil cannot read/);
  });
});

/** The largest |stored − written| / written over the positive normal values of `written`, and whether every other value is bit for bit. */
function bound(written: Float32Array, stored: Float32Array): { maxRel: number; othersExact: boolean } {
  const wb = new Uint32Array(written.buffer, written.byteOffset, written.length);
  const sb = new Uint32Array(stored.buffer, stored.byteOffset, stored.length);
  let maxRel = 0;
  let othersExact = true;
  for (let i = 0; i < written.length; i++) {
    if (wb[i] >= 0x00800000 && wb[i] < 0x7f800000) maxRel = Math.max(maxRel, Math.abs(stored[i] - written[i]) / written[i]);
    else if (wb[i] !== sb[i]) othersExact = false;
  }
  return { maxRel, othersExact };
}

describe('levels stored within a bound (retention outside labels)', () => {
  it('real RMS and velocity RMS rounded: within 2^-14 relative, idempotent, and coded smaller; the specials exact', () => {
    expect(LEVEL_MAX_REL_ERROR).toBe(2 ** -14);
    for (const { values, n } of realValues()) {
      const rounded = roundLevels(values, n, [0, 4, 5, 9]); // rms and velocity of both axes
      const r = bound(values, rounded);
      expect(r.maxRel).toBeLessThanOrEqual(LEVEL_MAX_REL_ERROR);
      expect(r.maxRel).toBeGreaterThan(LEVEL_MAX_REL_ERROR / 4); // rounding did happen
      // Only the series asked for are rounded; rounding again changes nothing.
      expect(bitsOf(rounded.subarray(n, 4 * n))).toEqual(bitsOf(values.subarray(n, 4 * n)));
      expect(bitsOf(roundLevels(rounded, n, [0, 4, 5, 9]))).toEqual(bitsOf(rounded));
      const shifts = Array.from({ length: 10 }, (_, k) => ([0, 4, 5, 9].includes(k) ? LEVEL_DROP_BITS : 0));
      const coded = encodeValues(rounded, n, shifts);
      expect(valueFormOf(coded)).toBe(2);
      expect(bitsOf(decodeValues(structuredClone(coded), values.length, n))).toEqual(bitsOf(rounded));
      // The four rounded series lose 10 bits a value of their ~21: the row shrinks by more than a sixth.
      expect(coded.byteLength).toBeLessThan(encodeValues(values, n).byteLength * (5 / 6));
    }
    const specials = [0x7fc00000, 0x7fc01234, 0xffc00001, 0x7f800001, 0x7f800000, 0xff800000, 0x80000000, 0x00000000, 0x00000001, 0x007fffff, 0x807fffff, 0xbf800123, 0xff7fffff];
    for (const b of specials) expect(roundLevelBits(b)).toBe(b);
    // The largest float32 would round up to ∞: kept as it is; one just below a power of two carries into it.
    expect(roundLevelBits(0x7f7fffff)).toBe(0x7f7fffff);
    expect(roundLevelBits(0x3f7fffff)).toBe(0x3f800000);
    expect(roundLevelBits(0x3f800200)).toBe(0x3f800000); // a tie goes to the even mantissa
    expect(roundLevelBits(0x3f800600)).toBe(0x3f800800);
  });

  it('a shifted series keeps every value bit for bit, rounded or not (the ones that are not are kept apart)', () => {
    let seed = 3;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const n of [1, 2, 63, 64, 65, 700]) {
      const u = Uint32Array.from({ length: 3 * n }, next);
      for (let i = n; i < 2 * n; i++) if (i % 5) u[i] = roundLevelBits((0x3d000000 + (next() & 0xffffff)) >>> 0);
      const v = new Float32Array(u.buffer);
      for (const shifts of [[0, LEVEL_DROP_BITS, 0], [LEVEL_DROP_BITS, LEVEL_DROP_BITS, 23], [1, 2, 3]]) {
        const coded = encodeValues(v, n, shifts);
        expect(bitsOf(decodeValues(coded, u.length, n)), `${n} ${shifts}`).toEqual(Array.from(u));
      }
    }
    // Every special value in a shifted series comes back as it was.
    const special = Uint32Array.from([0x7fc00000, 0x7fc01234, 0xffc00001, 0x7f800000, 0xff800000, 0x80000000, 0, 1, 0x807fffff, 0xbf800123, 0x3f800000]);
    expect(bitsOf(decodeValues(encodeValues(new Float32Array(special.buffer), special.length, [LEVEL_DROP_BITS]), special.length, special.length))).toEqual(Array.from(special));
    expect(() => encodeValues(new Float32Array(4), 2, [0])).toThrow(/one whole number from 0 to 23 for each of the 2 series/);
    expect(() => encodeValues(new Float32Array(4), 2, [0, 24])).toThrow(/one whole number from 0 to 23/);
  });

  it('a truncated or damaged form-2 row is an error in words', () => {
    const [{ values, n }] = realValues();
    const v = roundLevels(values, n, [0, 1]);
    v[3] = NaN;
    const coded = encodeValues(v, n, [LEVEL_DROP_BITS, LEVEL_DROP_BITS, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => decodeValues(coded.subarray(0, coded.length >> 1), values.length, n)).toThrow(/the row is damaged/);
    expect(flippedBitsCaught(coded, values.length, n, 100)).toBe(100);
  });

  it('a chunk and summary rows coded with their levels rounded: the bound, the score and the rest bit for bit, the bound said on the row, idempotent', () => {
    const [{ values, n }] = realValues();
    const layout = { axisCount: 2, fields: ['rms', 'velocityRmsMmS'], nodeFields: ['anomalyScore'], bandCount: 0 };
    const b = new FeatureColumnsBuilder(layout, 5600);
    for (let k = 0; k < 5600; k++) {
      const t = k % n;
      b.push(k, Math.floor(((k * 512 + 1024) * 1e6) / 48000), 29.95, [values[t], values[4 * n + t], values[5 * n + t], k % 50 ? values[9 * n + t] : NaN, k % 10 ? 0.4 + t / 1e3 : NaN], []);
    }
    const c = packChunk(b, 0, 5600, { sessionId: 'S', nodeId: 'N', t0Ms: 1_700_000_000_000 });
    const packed = packChunkRow(c);
    const exact = codeChunkValues(packed);
    const coded = codeChunkValues(packed, [0, 1, 2, 3]);
    expect(exact.valueBound).toBeUndefined();
    expect(coded.valueBound).toEqual({ maxRelError: 2 ** -14, columns: [0, 1, 2, 3] });
    expect(coded.valueBits!.byteLength).toBeLessThan(exact.valueBits!.byteLength * 0.75);
    const back = unpackChunk(structuredClone(coded)).values;
    const r = bound(c.values.subarray(0, 4 * 5600), back.subarray(0, 4 * 5600));
    expect(r.maxRel).toBeLessThanOrEqual(LEVEL_MAX_REL_ERROR);
    expect(r.othersExact).toBe(true); // the NaN velocities
    expect(bitsOf(back.subarray(4 * 5600))).toEqual(bitsOf(c.values.subarray(4 * 5600))); // the score, bit for bit
    // Read back and coded again (as a second retention run would): the same bytes.
    const again = codeChunkValues(packChunkRow(unpackChunk(coded)), [0, 1, 2, 3]);
    expect(Array.from(again.valueBits!)).toEqual(Array.from(coded.valueBits!));

    const s = summarize(c);
    const sc = codeSummaryRow(s, [0, 1, 2, 3]);
    const se = codeSummaryRow(s);
    if (!isCodedSummary(sc) || !isCodedSummary(se)) throw new Error('not coded');
    expect(sc.valueBound).toEqual({ maxRelError: 2 ** -14, columns: [0, 1, 2, 3] });
    expect(se.valueBound).toBeUndefined();
    expect(sc.summaryBits.byteLength).toBeLessThan(se.summaryBits.byteLength);
    const sb = decodeSummaryRow(structuredClone(sc)) as FeatureSummary & { valueBound?: unknown };
    expect(sb.valueBound).toEqual(sc.valueBound); // a reader knows
    const nb = s.buckets;
    for (const k of ['min', 'mean', 'max'] as const) {
      const rr = bound(s[k].subarray(0, 4 * nb), sb[k].subarray(0, 4 * nb));
      expect(rr.maxRel, k).toBeLessThanOrEqual(LEVEL_MAX_REL_ERROR);
      expect(rr.othersExact).toBe(true);
      expect(bitsOf(sb[k].subarray(4 * nb)), k).toEqual(bitsOf(s[k].subarray(4 * nb)));
    }
    for (let i = 0; i < sb.mean.length; i++) expect(sb.min[i] <= sb.mean[i] && sb.mean[i] <= sb.max[i] || Number.isNaN(sb.mean[i])).toBe(true);
    expect(Array.from(sb.windows)).toEqual(Array.from(s.windows));
    expect(Array.from(sb.tUsOffset)).toEqual(Array.from(s.tUsOffset));
    // Coded again from what was read, asked for no rounding: still bounded, the same bytes.
    const sc2 = codeSummaryRow(sb);
    if (!isCodedSummary(sc2)) throw new Error('not coded');
    expect(Array.from(sc2.summaryBits)).toEqual(Array.from(sc.summaryBits));
    expect(sc2.valueBound).toEqual(sc.valueBound);
    // A row read from a coded one is known as such (retention does not store it again); a plain row is not.
    expect(wasReadCoded(sb)).toBe(true);
    expect(wasReadCoded(s)).toBe(false);
    expect(wasReadCoded(decodeSummaryRow(s))).toBe(false);
  });
});
