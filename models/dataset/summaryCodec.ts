/**
 * How retention stores the summaries it keeps past `fullResolutionHours` (docs/storage.md, "Feature
 * values of the kept minutes"): a per-second row (FeatureSummary) or a per-minute row
 * (FeatureMinuteSummary) with its bucket columns — `tUsOffset`, `windows`, `min`, `mean`, `max` —
 * coded without loss through ./valueCodec.ts into one `summaryBits` stream, those five columns left
 * out of the row. Every column comes back bit for bit (the u32 and u16 columns as the bit patterns
 * of float32 series, which valueCodec keeps exactly); a row whose coded form would not be smaller
 * stays as it was. The database decodes coded rows as they are read (the Dexie `reading` hook,
 * renderer/src/db/db.ts), so every reader gets the row as it was written; `bytes` then says what the
 * row takes as stored.
 */
import type { FeatureMinuteSummary, FeatureSummary } from './columns';
import { decodeValues, encodeValues, LEVEL_DROP_BITS, LEVEL_MAX_REL_ERROR, roundLevelBits, type ValueBound } from './valueCodec';

type SummaryRow = FeatureSummary | FeatureMinuteSummary;

/** The fields of a coded summary row that stand for its five bucket columns. */
export interface SummaryCoding {
  /** tUsOffset, windows, then the min, mean and max columns, as series of `buckets` float32 bit patterns (./valueCodec.ts). */
  summaryBits: Uint8Array;
  /** Scalar columns of `min`, `mean` and `max`. */
  summaryColumns: number;
  /** Bytes of a `windows` value: 2 (per-second rows, Uint16Array) or 4 (per-minute rows, Uint32Array). */
  summaryWindowBytes: 2 | 4;
  /** Absent: every bucket value is the one written, bit for bit. Present: the scalar columns whose min, mean and max were stored within a bound (./valueCodec.ts, ValueBound); kept when the row is read. */
  valueBound?: ValueBound;
}

/** A summary row as stored once coded: the row less its five bucket columns, plus how they were coded. */
export type CodedSummaryRow<T extends SummaryRow = SummaryRow> = Omit<T, 'tUsOffset' | 'windows' | 'min' | 'mean' | 'max'> & SummaryCoding;

export function isCodedSummary(r: object): r is CodedSummaryRow {
  return (r as Partial<SummaryCoding>).summaryBits instanceof Uint8Array;
}

/** Bytes of the five bucket columns as plain typed arrays. */
function plainBytes(r: SummaryRow): number {
  return r.tUsOffset.byteLength + r.windows.byteLength + r.min.byteLength + r.mean.byteLength + r.max.byteLength;
}

/**
 * The row as retention stores it: coded when that is smaller than its plain columns, else the row
 * itself (unchanged: a row with no buckets, or columns whose lengths do not agree, stays plain).
 * Without `rounded` every column is kept bit for bit. With it, the min, mean and max of the scalar
 * columns it lists (levels: RMS, velocity RMS) are rounded first (./valueCodec.ts roundLevelBits: a
 * positive normal value within a relative LEVEL_MAX_REL_ERROR, any other value as it is; the order
 * min ≤ mean ≤ max is kept, the rounding being monotonic) and the row says so (`valueBound`); the
 * times, the window counts and the other columns stay bit for bit. Idempotent: a row read back
 * from this codes to the same bytes.
 */
export function codeSummaryRow<T extends SummaryRow>(row: T | CodedSummaryRow<T>, rounded: readonly number[] = []): T | CodedSummaryRow<T> {
  if (isCodedSummary(row)) return row;
  const r = row as T;
  const nb = r.buckets;
  if (!Number.isInteger(nb) || nb <= 0) return r;
  const cols = r.mean.length / nb;
  const wide = r.windows instanceof Uint32Array;
  if (!Number.isInteger(cols) || r.min.length !== r.mean.length || r.max.length !== r.mean.length || r.tUsOffset.length !== nb || r.windows.length !== nb) return r;
  // A row read back from a bounded one keeps its bound: its rounded columns stay rounded (rounding again changes nothing).
  const before = (r as { valueBound?: ValueBound }).valueBound?.columns ?? [];
  const levels = [...new Set([...rounded, ...before])].filter((k) => Number.isInteger(k) && k >= 0 && k < cols).sort((a, b) => a - b);
  const all = new Uint32Array((2 + 3 * cols) * nb);
  all.set(r.tUsOffset, 0);
  all.set(r.windows, nb);
  [r.min, r.mean, r.max].forEach((a, k) => all.set(new Uint32Array(a.buffer, a.byteOffset, a.length), (2 + k * cols) * nb));
  const shifts = new Array<number>(2 + 3 * cols).fill(0);
  for (let k = 0; k < 3; k++) {
    for (const c of levels) {
      const from = (2 + k * cols + c) * nb;
      for (let i = from; i < from + nb; i++) all[i] = roundLevelBits(all[i]);
      shifts[2 + k * cols + c] = LEVEL_DROP_BITS;
    }
  }
  const bits = levels.length > 0 ? encodeValues(new Float32Array(all.buffer), nb, shifts) : encodeValues(new Float32Array(all.buffer), nb);
  const plain = plainBytes(r);
  if (bits.byteLength >= plain) return r;
  const { tUsOffset: _t, windows: _w, min: _min, mean: _mean, max: _max, valueBound: _vb, ...rest } = r as T & { valueBound?: ValueBound };
  const coded = { ...rest, summaryBits: bits, summaryColumns: cols, summaryWindowBytes: wide ? 4 : 2, bytes: r.bytes - plain + bits.byteLength } as CodedSummaryRow<T>;
  if (levels.length > 0) coded.valueBound = { maxRelError: LEVEL_MAX_REL_ERROR, columns: levels };
  return coded;
}

/** Rows decodeSummaryRow made from a coded row (not a field: readers see the row as it was written). */
const fromCoded = new WeakSet<object>();

/** Whether `row` was read from a stored coded row (decodeSummaryRow): coding it again would store what is there. */
export function wasReadCoded(row: object): boolean {
  return fromCoded.has(row);
}

/**
 * The row with its five bucket columns back, bit for bit (a plain row is returned as it is). A
 * damaged row is an error in words (./valueCodec.ts), never made-up values.
 */
export function decodeSummaryRow<T extends SummaryRow>(r: T | CodedSummaryRow<T>): T {
  if (!isCodedSummary(r)) return r as T;
  const nb = r.buckets;
  const cols = r.summaryColumns;
  if (!Number.isInteger(nb) || nb <= 0 || !Number.isInteger(cols) || cols < 0 || (r.summaryWindowBytes !== 2 && r.summaryWindowBytes !== 4)) {
    throw new RangeError(`A stored summary row has a layout Vigil cannot read (${nb} buckets, ${cols} columns): the row is damaged.`);
  }
  const all = new Uint32Array(decodeValues(r.summaryBits, (2 + 3 * cols) * nb, nb).buffer);
  const part = (k: number) => new Float32Array(all.slice((2 + k * cols) * nb, (2 + (k + 1) * cols) * nb).buffer);
  const windows = all.subarray(nb, 2 * nb);
  if (r.summaryWindowBytes === 2) for (let i = 0; i < nb; i++) if (windows[i] > 0xffff) throw new RangeError('A stored summary row has a window count too large for its layout: the row is damaged.');
  const { summaryBits: _b, summaryColumns: _c, summaryWindowBytes: _w, ...rest } = r;
  const out = {
    ...rest,
    tUsOffset: all.slice(0, nb),
    windows: r.summaryWindowBytes === 4 ? windows.slice() : new Uint16Array(windows),
    min: part(0),
    mean: part(1),
    max: part(2),
  } as unknown as T;
  fromCoded.add(out);
  return out;
}
