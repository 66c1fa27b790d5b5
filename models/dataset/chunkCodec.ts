/**
 * How a feature chunk is kept in IndexedDB (docs/storage.md, "Feature chunks"). In memory a chunk
 * has one u32 window index, one u32 time offset and one f32 shaft speed per window (FeatureChunk,
 * ./columns.ts): 12 bytes a window beside the feature values. Stored, these three columns are
 * almost always predictable from the first window: the index goes up by one, the time follows the
 * window index on a straight line (the node's floor((k · hop + windowLen) · 10⁶ / fs)), the speed
 * stays the same. A packed chunk keeps only what breaks the pattern:
 *
 * - `windowRuns`: [row, windowIndex] at row 0 and at every row whose index is not the previous + 1;
 * - `shaftRuns`: [row, f32 bits] at row 0 and at every row whose speed differs in its bits (so NaN
 *   and −0 come back as they were);
 * - time: `tUsOffset = tRule[0] + floor(((w − tRule[1]) · tRule[2] + tRule[3]) / tRule[4])`, w the
 *   row's window index, with [row, tUsOffset] in `timeExceptions` for every row the line misses; or,
 *   when that would not be smaller, the plain `tUsOffset` column (`tRule` null).
 *
 * - band energies (`bands` in memory): quantized to a fixed step of 2^-11 and coded without further
 *   loss (./bandCodec.ts): `bandBits`, `bandSeries`, `bandStepLog2`, `bandExceptions`; `bands` null.
 *   Every band value reads back within BAND_MAX_ERROR (2^-12) of the value the node sent, and a
 *   value that is not finite exactly.
 *
 * - scalar feature values (`values` in memory), in the minutes retention keeps past
 *   `fullResolutionHours`: coded without loss (./valueCodec.ts) into `valueBits` (`valueCount`
 *   values), `values` null, when that is smaller (`codeChunkValues`). The recorder and the import
 *   write them plain.
 *
 * Each of the first three columns is written in whichever form is smaller, and the encoder checks
 * that every row decodes back bit for bit before it chooses the runs. Chunks written before (the old layout, every column in
 * full) are read as they are: `unpackChunk` returns them unchanged, and so are packed chunks written
 * before bands were quantized (float32 `bands`). Everything that reads a stored chunk goes through
 * `unpackChunk`; dataset bundles carry chunks in the old layout (exchange.ts), bands as float32.
 */
import { decodeBands, encodeBands } from './bandCodec';
import type { FeatureChunk } from './columns';
import { decodeValues, encodeValues, LEVEL_DROP_BITS, LEVEL_MAX_REL_ERROR, roundLevels, type ValueBound } from './valueCodec';

/** A feature chunk as the current code stores it. */
export interface PackedFeatureChunk {
  id: string;
  sessionId: string;
  nodeId: string;
  chunkIndex: number;
  startMs: number;
  endMs: number;
  count: number;
  /** Marks the packed layout (an old-layout row has no such field). */
  packing: 1;
  /** [row, windowIndex] pairs: row 0, then each row whose index is not the previous one + 1 (mod 2³²). */
  windowRuns: Uint32Array | null;
  /** The plain window index column, when runs would be larger (null otherwise). */
  windowIndex: Uint32Array | null;
  /** [row, float32 bits] pairs: row 0, then each row whose speed differs in its bits from the previous one. */
  shaftRuns: Uint32Array | null;
  /** The plain speed column, when runs would be larger (null otherwise). */
  shaftHz: Float32Array | null;
  /** [base, w0, num, phase, den]: the time line; null when `tUsOffset` is stored plain. */
  tRule: Float64Array | null;
  /** [row, tUsOffset] pairs of the rows the line misses. */
  timeExceptions: Uint32Array | null;
  /** The plain time column, when no line fits well enough (null otherwise). */
  tUsOffset: Uint32Array | null;
  /** The scalar feature columns, column-major; null when they are coded (`valueBits`). */
  values: Float32Array | null;
  /** The scalar feature columns coded without loss (./valueCodec.ts, series of `count`); absent or null: `values` holds them. */
  valueBits?: Uint8Array | null;
  /** Values in `valueBits` (scalar columns · count). */
  valueCount?: number;
  /** Absent: every value in `valueBits` is the one written, bit for bit. Present: the columns retention stored within a bound (./valueCodec.ts, ValueBound). */
  valueBound?: ValueBound;
  /** Band energies as float32: packed chunks written before bands were quantized; null since (or with no bands). */
  bands: Float32Array | null;
  /** The band energies quantized and coded (./bandCodec.ts); absent or null: the chunk has no coded bands. */
  bandBits?: Uint8Array | null;
  /** Series in `bandBits` (axisCount · bandCount). */
  bandSeries?: number;
  /** log2 of the step the bands were quantized with (BAND_STEP_LOG2). */
  bandStepLog2?: number;
  /** Runs of band values kept exactly (not finite, out of range, −0): [first index, count, float32 bits] triples; null when none. */
  bandExceptions?: Uint32Array | null;
  /** Bytes of the typed arrays (for the storage page). */
  bytes: number;
}

/** A row of `featureChunks`: the old layout (every column in full) or the packed one. */
export type StoredFeatureChunk = FeatureChunk | PackedFeatureChunk;

export function isPackedChunk(c: StoredFeatureChunk): c is PackedFeatureChunk {
  return (c as Partial<PackedFeatureChunk>).packing === 1;
}

/** The time offset of window `w` on the line `r` ([base, w0, num, phase, den]). */
function onLine(r: ArrayLike<number>, w: number): number {
  return r[0] + Math.floor(((w - r[1]) * r[2] + r[3]) / r[4]);
}

/**
 * The fraction p/q with the smallest q strictly between lo and hi (lo < hi, hi > 0), by continued
 * fractions; null when floating point runs out first (the caller then stores the column plain).
 */
export function simplestBetween(lo: number, hi: number, depth = 0): [number, number] | null {
  if (!(lo < hi) || depth > 40) return null;
  const fl = Math.floor(lo);
  if (fl + 1 < hi) return [fl + 1, 1];
  // lo and hi lie in [fl, fl + 1]: fl + 1/y with y between 1/(hi - fl) and 1/(lo - fl).
  const inner = simplestBetween(1 / (hi - fl), lo === fl ? Infinity : 1 / (lo - fl), depth + 1);
  if (!inner) return null;
  const [p, q] = inner;
  return [fl * p + q, p];
}

/** The line of slope num/den through row `first`, its phase from every row (a row that would leave no phase is left out). */
function lineWithSlope(windowIndex: Uint32Array, t: Uint32Array, num: number, den: number): Float64Array {
  const w0 = windowIndex[0];
  const base = t[0];
  let lo = 0;
  let hi = den - 1;
  for (let i = 0; i < t.length; i++) {
    const a = (t[i] - base) * den - (windowIndex[i] - w0) * num;
    const b = a + den - 1;
    if (Math.max(lo, a) <= Math.min(hi, b)) {
      lo = Math.max(lo, a);
      hi = Math.min(hi, b);
    }
  }
  return Float64Array.of(base, w0, num, lo, den);
}

/** Rows the line misses, as [row, tUsOffset] pairs; stops once there are `limit` numbers. */
function misses(rule: ArrayLike<number>, windowIndex: Uint32Array, t: Uint32Array, limit: number): number[] {
  const ex: number[] = [];
  for (let i = 0; i < t.length && ex.length < limit; i++) if (onLine(rule, windowIndex[i]) !== t[i]) ex.push(i, t[i]);
  return ex;
}

/** Largest denominator tried: keeps every product of the line exact in a double. */
const MAX_DEN = 1 << 20;

/**
 * The best line through the rows' times: slopes from the first row to the last, to the middle, and
 * from the middle to the last (the simplest fraction that reaches the one row from the other); the
 * one that misses fewest rows, with those rows.
 */
function fitTime(windowIndex: Uint32Array, t: Uint32Array, limit: number): { rule: Float64Array; ex: number[] } | null {
  const n = t.length;
  const m = n >> 1;
  let best: { rule: Float64Array; ex: number[] } | null = null;
  for (const [a, b] of [
    [0, n - 1],
    [0, m],
    [m, n - 1],
  ]) {
    const dj = windowIndex[b] - windowIndex[a];
    const de = t[b] - t[a];
    const slope = b > a && dj > 0 ? simplestBetween((de - 1) / dj, (de + 1) / dj) : ([0, 1] as [number, number]);
    if (!slope || slope[1] > MAX_DEN || Math.abs(slope[0]) > 2 ** 40) continue;
    const rule = lineWithSlope(windowIndex, t, slope[0], slope[1]);
    const ex = misses(rule, windowIndex, t, best ? best.ex.length : limit);
    if (ex.length < limit && (!best || ex.length < best.ex.length)) best = { rule, ex };
    if (best && best.ex.length === 0) break;
  }
  return best;
}

/**
 * Packs a chunk for storage; `unpackChunk` gives it back bit for bit, but the band energies: each
 * within BAND_MAX_ERROR (./bandCodec.ts). With `codeBands: false` the bands stay float32 (the
 * layout before they were coded, read the same way): the live recorder's open chunk, rewritten at
 * every flush until its minute is over, is not coded again each time.
 */
export function packChunkRow(c: FeatureChunk, o: { codeBands?: boolean } = {}): PackedFeatureChunk {
  const n = c.count;
  const wi = c.windowIndex;
  // Each column in runs only when that is smaller than the column itself (n numbers of 4 bytes).
  const runs: number[] = [];
  for (let i = 0; i < n && runs.length < n; i++) if (i === 0 || wi[i] !== ((wi[i - 1] + 1) >>> 0)) runs.push(i, wi[i]);
  const windowRuns = runs.length < n ? Uint32Array.from(runs) : null;

  const bits = new Uint32Array(c.shaftHz.buffer, c.shaftHz.byteOffset, n);
  const sRuns: number[] = [];
  for (let i = 0; i < n && sRuns.length < n; i++) if (i === 0 || bits[i] !== bits[i - 1]) sRuns.push(i, bits[i]);
  const shaftRuns = sRuns.length < n ? Uint32Array.from(sRuns) : null;

  // The line costs 40 bytes (10 numbers of 4) beside its exceptions.
  const fit = n > 0 ? fitTime(wi, c.tUsOffset, n - 10) : null;
  const coded = o.codeBands !== false && c.bands && c.bands.length > 0 && n > 0 ? encodeBands(c.bands, n) : null;
  const row: PackedFeatureChunk = {
    id: c.id,
    sessionId: c.sessionId,
    nodeId: c.nodeId,
    chunkIndex: c.chunkIndex,
    startMs: c.startMs,
    endMs: c.endMs,
    count: n,
    packing: 1,
    windowRuns,
    windowIndex: windowRuns ? null : wi.slice(),
    shaftRuns,
    shaftHz: shaftRuns ? null : c.shaftHz.slice(),
    tRule: fit ? fit.rule : null,
    timeExceptions: fit ? Uint32Array.from(fit.ex) : null,
    tUsOffset: fit ? null : c.tUsOffset.slice(),
    values: c.values,
    bands: coded ? null : c.bands,
    bytes: 0,
  };
  if (coded) {
    row.bandBits = coded.bits;
    row.bandSeries = coded.series;
    row.bandStepLog2 = coded.stepLog2;
    row.bandExceptions = coded.exceptions;
  }
  row.bytes = storedBytes(row);
  return row;
}

/** Bytes of a packed row's typed arrays, as stored. */
function storedBytes(row: PackedFeatureChunk): number {
  const size = (a: ArrayBufferView | null | undefined) => a?.byteLength ?? 0;
  return [row.windowRuns, row.windowIndex, row.shaftRuns, row.shaftHz, row.tRule, row.timeExceptions, row.tUsOffset, row.values, row.valueBits, row.bands, row.bandBits, row.bandExceptions].reduce((s, a) => s + size(a), 0);
}

/**
 * The packed row with its scalar feature values coded (./valueCodec.ts), when that is smaller than
 * the float32 column; else the row itself. Without `rounded` every value is kept bit for bit. With
 * it, the scalar columns it lists (by index: levels such as RMS and velocity RMS) are first rounded
 * to LEVEL_MANTISSA_BITS bits of mantissa (roundLevelBits: a positive normal value within a relative
 * LEVEL_MAX_REL_ERROR, every other value as it is) and the row says so (`valueBound`); the other
 * columns stay bit for bit. Rounding is idempotent: coding a row read back from this gives the same
 * bytes. Everything else (bands coded or not, runs, time line) is kept as it is: nothing is quantized again.
 */
export function codeChunkValues(c: PackedFeatureChunk, rounded: readonly number[] = []): PackedFeatureChunk {
  const v = c.values;
  if (!v || v.length === 0 || c.count <= 0 || v.length % c.count !== 0) return c;
  const series = v.length / c.count;
  const cols = [...new Set(rounded)].filter((k) => Number.isInteger(k) && k >= 0 && k < series).sort((a, b) => a - b);
  const stored = cols.length > 0 ? roundLevels(v, c.count, cols) : v;
  const bits = cols.length > 0 ? encodeValues(stored, c.count, Array.from({ length: series }, (_, k) => (cols.includes(k) ? LEVEL_DROP_BITS : 0))) : encodeValues(v, c.count);
  if (bits.byteLength >= v.byteLength) return c;
  const row: PackedFeatureChunk = { ...c, values: null, valueBits: bits, valueCount: v.length };
  if (cols.length > 0) row.valueBound = { maxRelError: LEVEL_MAX_REL_ERROR, columns: cols };
  else delete row.valueBound;
  row.bytes = storedBytes(row);
  return row;
}

/** How a stored chunk keeps its scalar feature values: their number, and the bytes they take as stored and as float32. */
export function valueFormsFor(c: StoredFeatureChunk): { form: 'plain' | 'coded'; values: number; storedBytes: number; plainBytes: number } {
  if (isPackedChunk(c) && c.valueBits) return { form: 'coded', values: c.valueCount ?? 0, storedBytes: c.valueBits.byteLength, plainBytes: (c.valueCount ?? 0) * 4 };
  const v = c.values ?? new Float32Array(0);
  return { form: 'plain', values: v.length, storedBytes: v.byteLength, plainBytes: v.byteLength };
}

/** Fills `out` from [row, value] runs: each value from its row up to the next run's row. */
function fromRuns(r: Uint32Array, out: Uint32Array, step: 0 | 1): void {
  const n = out.length;
  for (let k = 0; k < r.length; k += 2) {
    const end = k + 2 < r.length ? r[k + 2] : n;
    for (let i = r[k], v = r[k + 1]; i < end; i++, v += step) out[i] = v >>> 0;
  }
}

/** A stored chunk with every column in full (an old-layout row is returned as it is). */
export function unpackChunk(c: StoredFeatureChunk): FeatureChunk {
  return unpack(c, true);
}

/**
 * The same without decoding coded band energies (`bands` null where they are coded; `bytes` as if
 * they were decoded): for the readers that use only the scalar columns (trends, the recording
 * chart, summaries), which would otherwise spend most of their time decoding bands they never read.
 */
export function unpackChunkFeatures(c: StoredFeatureChunk): FeatureChunk {
  return unpack(c, false);
}

function unpack(c: StoredFeatureChunk, withBands: boolean): FeatureChunk {
  if (!isPackedChunk(c)) return c;
  const n = c.count;
  let windowIndex: Uint32Array;
  if (c.windowRuns) fromRuns(c.windowRuns, (windowIndex = new Uint32Array(n)), 1);
  else windowIndex = c.windowIndex!.slice();
  let shaftHz: Float32Array;
  if (c.shaftRuns) {
    shaftHz = new Float32Array(n);
    fromRuns(c.shaftRuns, new Uint32Array(shaftHz.buffer), 0);
  } else shaftHz = c.shaftHz!.slice();
  let tUsOffset: Uint32Array;
  if (c.tRule) {
    tUsOffset = new Uint32Array(n);
    for (let i = 0; i < n; i++) tUsOffset[i] = onLine(c.tRule, windowIndex[i]);
    const ex = c.timeExceptions ?? new Uint32Array(0);
    for (let k = 0; k < ex.length; k += 2) tUsOffset[ex[k]] = ex[k + 1];
  } else tUsOffset = c.tUsOffset!.slice();
  const coded = c.bandBits ? { bits: c.bandBits, series: c.bandSeries ?? 0, stepLog2: c.bandStepLog2 ?? NaN, exceptions: c.bandExceptions ?? null } : null;
  const bands = coded ? (withBands ? decodeBands(coded, n) : null) : c.bands;
  const bandBytes = coded ? coded.series * n * 4 : (bands?.byteLength ?? 0);
  const values = c.valueBits ? decodeValues(c.valueBits, c.valueCount ?? -1, Math.max(1, n)) : c.values;
  if (!values) throw new RangeError('A stored feature chunk has neither its values nor their coded form: the chunk is damaged.');
  return {
    id: c.id,
    sessionId: c.sessionId,
    nodeId: c.nodeId,
    chunkIndex: c.chunkIndex,
    startMs: c.startMs,
    endMs: c.endMs,
    count: n,
    windowIndex,
    tUsOffset,
    shaftHz,
    values,
    bands,
    bytes: windowIndex.byteLength + tUsOffset.byteLength + shaftHz.byteLength + values.byteLength + bandBytes,
  };
}

/**
 * A chunk row from elsewhere (a dataset bundle carries the old layout) as it is stored: packed when
 * it has every column in full with the right types and lengths, else unchanged (the readers take
 * both layouts).
 */
export function packIfWhole(r: Record<string, unknown>): Record<string, unknown> {
  const n = r.count;
  const whole =
    (r as { packing?: unknown }).packing === undefined &&
    typeof n === 'number' &&
    Number.isInteger(n) &&
    n > 0 &&
    r.windowIndex instanceof Uint32Array &&
    r.windowIndex.length === n &&
    r.tUsOffset instanceof Uint32Array &&
    r.tUsOffset.length === n &&
    r.shaftHz instanceof Float32Array &&
    r.shaftHz.length === n &&
    r.values instanceof Float32Array &&
    (r.bands === null || r.bands instanceof Float32Array);
  if (!whole) return r;
  const packed = packChunkRow(r as unknown as FeatureChunk);
  // Anything else the row carried (a field a newer Vigil added) travels on unchanged.
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!['windowIndex', 'tUsOffset', 'shaftHz', 'bands', 'bytes'].includes(k)) rest[k] = v;
  return { ...rest, ...packed };
}
