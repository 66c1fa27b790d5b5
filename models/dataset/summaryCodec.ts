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
import { decodeValues, encodeValues } from './valueCodec';

type SummaryRow = FeatureSummary | FeatureMinuteSummary;

/** The fields of a coded summary row that stand for its five bucket columns. */
export interface SummaryCoding {
  /** tUsOffset, windows, then the min, mean and max columns, as series of `buckets` float32 bit patterns (./valueCodec.ts). */
  summaryBits: Uint8Array;
  /** Scalar columns of `min`, `mean` and `max`. */
  summaryColumns: number;
  /** Bytes of a `windows` value: 2 (per-second rows, Uint16Array) or 4 (per-minute rows, Uint32Array). */
  summaryWindowBytes: 2 | 4;
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
 */
export function codeSummaryRow<T extends SummaryRow>(row: T | CodedSummaryRow<T>): T | CodedSummaryRow<T> {
  if (isCodedSummary(row)) return row;
  const r = row as T;
  const nb = r.buckets;
  if (!Number.isInteger(nb) || nb <= 0) return r;
  const cols = r.mean.length / nb;
  const wide = r.windows instanceof Uint32Array;
  if (!Number.isInteger(cols) || r.min.length !== r.mean.length || r.max.length !== r.mean.length || r.tUsOffset.length !== nb || r.windows.length !== nb) return r;
  const all = new Uint32Array((2 + 3 * cols) * nb);
  all.set(r.tUsOffset, 0);
  all.set(r.windows, nb);
  [r.min, r.mean, r.max].forEach((a, k) => all.set(new Uint32Array(a.buffer, a.byteOffset, a.length), (2 + k * cols) * nb));
  const bits = encodeValues(new Float32Array(all.buffer), nb);
  const plain = plainBytes(r);
  if (bits.byteLength >= plain) return r;
  const { tUsOffset: _t, windows: _w, min: _min, mean: _mean, max: _max, ...rest } = r;
  return { ...rest, summaryBits: bits, summaryColumns: cols, summaryWindowBytes: wide ? 4 : 2, bytes: r.bytes - plain + bits.byteLength } as CodedSummaryRow<T>;
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
  return {
    ...rest,
    tUsOffset: all.slice(0, nb),
    windows: r.summaryWindowBytes === 4 ? windows.slice() : new Uint16Array(windows),
    min: part(0),
    mean: part(1),
    max: part(2),
  } as unknown as T;
}
