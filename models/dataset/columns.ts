/**
 * Feature frames by column. A recording's windows are stored as typed-array columns (window index,
 * node time, shaft speed, one column per axis and per-axis field, and the log band energies), so
 * that more fields and band energies fit without changing the storage schema: the layout says
 * which columns there are. See docs/storage.md, "Feature chunks".
 */
import { StreamContinuity } from '../protocol/continuity';
import type { WindowFeatures } from '../features/windower';

export interface FeatureLayout {
  axisCount: number;
  /** Per-axis scalar fields, in the order of the FEATURES frame (docs/protocol.md 3.2). */
  fields: readonly string[];
  /**
   * One value per window for the whole node (the anomaly score), stored once after the per-axis
   * columns: column axisCount · fields.length + j. Absent (none) in layouts from before it existed.
   */
  nodeFields?: readonly string[];
  /** Log band energies per axis (0 when there are none). */
  bandCount: number;
}

/**
 * What the live recorder stores per axis: the RMS (FEATURES field 0) and the ISO 20816 velocity
 * RMS (field 4; NaN from a node that does not send it). Recordings made before velocity was
 * stored have `['rms']`.
 */
export const LIVE_FIELDS: readonly string[] = ['rms', 'velocityRmsMmS'];
/** What the live recorder stores once per window for the node: its anomaly score (the FEATURES trailer; NaN when it runs no model). */
export const LIVE_NODE_FIELDS: readonly string[] = ['anomalyScore'];
/** What models/features computes for every window (AxisFeatures, in protocol order). */
export const EXTRACTOR_FIELDS = ['rms', 'peak', 'crest', 'kurtosis', 'velocityRmsMmS'] as const;

export function scalarColumnCount(l: FeatureLayout): number {
  return l.axisCount * l.fields.length + (l.nodeFields?.length ?? 0);
}

/**
 * Axis-major, as in the FEATURES frame: axis a, field f is column a * fields + f; a node field j
 * (the same for every axis asked) is column axisCount * fields + j.
 */
export function columnIndex(l: FeatureLayout, field: string, axis: number): number {
  if (axis < 0 || axis >= l.axisCount) return -1;
  const f = l.fields.indexOf(field);
  if (f >= 0) return axis * l.fields.length + f;
  const j = l.nodeFields?.indexOf(field) ?? -1;
  return j < 0 ? -1 : l.axisCount * l.fields.length + j;
}

export function sameLayout(a: FeatureLayout, b: FeatureLayout): boolean {
  const an = a.nodeFields ?? [];
  const bn = b.nodeFields ?? [];
  return a.axisCount === b.axisCount && a.bandCount === b.bandCount && a.fields.length === b.fields.length && a.fields.every((f, i) => f === b.fields[i]) && an.length === bn.length && an.every((f, i) => f === bn[i]);
}

/** Node time of window k (docs/protocol.md 3.2): floor((k * hop + windowLen) * 1e6 / fs). */
export function windowTimeUs(k: number, hop: number, windowLen: number, sampleRateHz: number): number {
  return Math.floor(((k * hop + windowLen) * 1e6) / sampleRateHz);
}

/** A growable set of feature columns (one Float32Array per scalar column, plus bands). */
export class FeatureColumnsBuilder {
  windowIndex: Float64Array;
  tUs: Float64Array;
  shaftHz: Float32Array;
  values: Float32Array[];
  bands: Float32Array[];
  private n = 0;

  constructor(
    readonly layout: FeatureLayout,
    capacity = 1024,
  ) {
    const cap = Math.max(16, capacity);
    this.windowIndex = new Float64Array(cap);
    this.tUs = new Float64Array(cap);
    this.shaftHz = new Float32Array(cap);
    this.values = Array.from({ length: scalarColumnCount(layout) }, () => new Float32Array(cap));
    this.bands = Array.from({ length: layout.axisCount * layout.bandCount }, () => new Float32Array(cap));
  }

  get length(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.windowIndex.length * 2;
    const g64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const g32 = (a: Float32Array) => {
      const b = new Float32Array(cap);
      b.set(a);
      return b;
    };
    this.windowIndex = g64(this.windowIndex);
    this.tUs = g64(this.tUs);
    this.shaftHz = g32(this.shaftHz);
    this.values = this.values.map(g32);
    this.bands = this.bands.map(g32);
  }

  /** `values`: the scalar columns in layout order (missing ones become NaN). */
  push(windowIndex: number, tUs: number, shaftHz: number, values: ArrayLike<number>, bands?: ArrayLike<number>): void {
    if (this.n === this.windowIndex.length) this.grow();
    const i = this.n++;
    this.windowIndex[i] = windowIndex;
    this.tUs[i] = tUs;
    this.shaftHz[i] = shaftHz;
    for (let c = 0; c < this.values.length; c++) this.values[c][i] = c < values.length ? values[c] : NaN;
    for (let c = 0; c < this.bands.length; c++) this.bands[c][i] = bands && c < bands.length ? bands[c] : NaN;
  }

  /** A window from models/features (its own index and time replaced by the recording's). */
  pushWindow(w: WindowFeatures, windowIndex: number, tUs: number, shaftHz = 0): void {
    const l = this.layout;
    const vals = new Float64Array(scalarColumnCount(l)).fill(NaN);
    for (let a = 0; a < l.axisCount; a++) {
      const ax = w.axes[a] as unknown as Record<string, number>;
      for (let f = 0; f < l.fields.length; f++) vals[a * l.fields.length + f] = ax[l.fields[f]];
    }
    this.push(windowIndex, tUs, shaftHz, vals, w.logBands);
  }

  clear(): void {
    this.n = 0;
  }

  /** Drops the first `k` rows (the live recorder, once they are stored in a closed chunk). */
  dropFirst(k: number): void {
    if (k <= 0) return;
    if (k >= this.n) {
      this.n = 0;
      return;
    }
    const sh = (a: Float64Array | Float32Array) => a.copyWithin(0, k, this.n);
    sh(this.windowIndex);
    sh(this.tUs);
    sh(this.shaftHz);
    this.values.forEach(sh);
    this.bands.forEach(sh);
    this.n -= k;
  }
}

/** One minute of node time of one session: the unit of feature storage. */
export const CHUNK_US = 60_000_000;
/** Summary buckets: one second of node time. */
export const BUCKET_US = 1_000_000;

export interface FeatureChunk {
  /** `${sessionId}:${chunkIndex}`: stable, so a chunk written twice (or imported twice) is one row. */
  id: string;
  sessionId: string;
  nodeId: string;
  /** floor(tUs / CHUNK_US) of its windows. */
  chunkIndex: number;
  /** Wall-clock time (ms since 1970) of the first and last window. */
  startMs: number;
  endMs: number;
  count: number;
  windowIndex: Uint32Array;
  /** tUs - chunkIndex * CHUNK_US (< 6e7, fits in u32). */
  tUsOffset: Uint32Array;
  shaftHz: Float32Array;
  /** Column-major: scalar column c at [c * count, (c + 1) * count). */
  values: Float32Array;
  /** Column-major: axis a, band b at [(a * bandCount + b) * count, ...), or null. */
  bands: Float32Array | null;
  /** Bytes of the typed arrays (for the storage page). */
  bytes: number;
}

/** Min, mean and max of every scalar column per second of node time: what a day view draws. */
export interface FeatureSummary {
  id: string;
  sessionId: string;
  nodeId: string;
  chunkIndex: number;
  startMs: number;
  endMs: number;
  /** Wall clock of the chunk's start (node time chunkIndex * CHUNK_US), ms. */
  chunkStartMs: number;
  /** Buckets that hold at least one window. */
  buckets: number;
  /** Offset of each bucket's start from the chunk start, µs. */
  tUsOffset: Uint32Array;
  windows: Uint16Array;
  /** Column-major buckets x scalar columns. */
  min: Float32Array;
  mean: Float32Array;
  max: Float32Array;
  bytes: number;
}

export interface ChunkContext {
  sessionId: string;
  nodeId: string;
  /** Wall-clock ms at node time 0 of the session. */
  t0Ms: number;
}

/**
 * Packs rows [from, to) of a builder into one chunk. All rows must belong to the same chunk index
 * (see `chunkRanges`).
 */
export function packChunk(b: FeatureColumnsBuilder, from: number, to: number, ctx: ChunkContext): FeatureChunk {
  const count = to - from;
  if (count <= 0) throw new RangeError('packChunk: empty range');
  const chunkIndex = Math.floor(b.tUs[from] / CHUNK_US);
  const base = chunkIndex * CHUNK_US;
  const windowIndex = new Uint32Array(count);
  const tUsOffset = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    windowIndex[i] = b.windowIndex[from + i];
    const off = b.tUs[from + i] - base;
    if (off < 0 || off >= CHUNK_US) throw new RangeError(`packChunk: row ${from + i} is outside chunk ${chunkIndex}`);
    tUsOffset[i] = off;
  }
  const shaftHz = b.shaftHz.slice(from, to);
  const values = new Float32Array(count * b.values.length);
  b.values.forEach((col, c) => values.set(col.subarray(from, to), c * count));
  let bands: Float32Array | null = null;
  if (b.bands.length > 0) {
    bands = new Float32Array(count * b.bands.length);
    b.bands.forEach((col, c) => bands!.set(col.subarray(from, to), c * count));
  }
  const bytes = windowIndex.byteLength + tUsOffset.byteLength + shaftHz.byteLength + values.byteLength + (bands?.byteLength ?? 0);
  return {
    id: `${ctx.sessionId}:${chunkIndex}`,
    sessionId: ctx.sessionId,
    nodeId: ctx.nodeId,
    chunkIndex,
    startMs: ctx.t0Ms + b.tUs[from] / 1000,
    endMs: ctx.t0Ms + b.tUs[to - 1] / 1000,
    count,
    windowIndex,
    tUsOffset,
    shaftHz,
    values,
    bands,
    bytes,
  };
}

/** Splits rows [from, to) (in time order) into runs that share a chunk index. */
export function chunkRanges(tUs: ArrayLike<number>, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let s = from;
  for (let i = from + 1; i <= to; i++) {
    if (i === to || Math.floor(tUs[i] / CHUNK_US) !== Math.floor(tUs[s] / CHUNK_US)) {
      if (i > s) out.push([s, i]);
      s = i;
    }
  }
  return out;
}

export function summarize(c: FeatureChunk): FeatureSummary {
  const cols = c.count === 0 ? 0 : c.values.length / c.count;
  // Bucket of each row; rows are in time order, so buckets are runs.
  const starts: number[] = [];
  let last = -1;
  for (let i = 0; i < c.count; i++) {
    const b = Math.floor(c.tUsOffset[i] / BUCKET_US);
    if (b !== last) {
      starts.push(i);
      last = b;
    }
  }
  const nb = starts.length;
  const tUsOffset = new Uint32Array(nb);
  const windows = new Uint16Array(nb);
  const min = new Float32Array(nb * cols);
  const mean = new Float32Array(nb * cols);
  const max = new Float32Array(nb * cols);
  for (let k = 0; k < nb; k++) {
    const s = starts[k];
    const e = k + 1 < nb ? starts[k + 1] : c.count;
    tUsOffset[k] = Math.floor(c.tUsOffset[s] / BUCKET_US) * BUCKET_US;
    windows[k] = Math.min(e - s, 65535);
    for (let col = 0; col < cols; col++) {
      const v = c.values.subarray(col * c.count + s, col * c.count + e);
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      let n = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (Number.isNaN(x)) continue;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
        sum += x;
        n++;
      }
      min[col * nb + k] = n ? lo : NaN;
      max[col * nb + k] = n ? hi : NaN;
      mean[col * nb + k] = n ? sum / n : NaN;
    }
  }
  return {
    id: c.id,
    sessionId: c.sessionId,
    nodeId: c.nodeId,
    chunkIndex: c.chunkIndex,
    startMs: c.startMs,
    endMs: c.endMs,
    chunkStartMs: c.count > 0 ? c.startMs - c.tUsOffset[0] / 1000 : c.startMs,
    buckets: nb,
    tUsOffset,
    windows,
    min,
    mean,
    max,
    bytes: tUsOffset.byteLength + windows.byteLength + min.byteLength * 3,
  };
}

/** Per-minute summary rows: one row per session and hour of node time, one bucket per minute. */
export const MINUTE_ROW_US = 3_600_000_000;
/** Minutes per per-minute row (a minute bucket is one feature chunk: CHUNK_US). */
export const MINUTES_PER_ROW = MINUTE_ROW_US / CHUNK_US;

/**
 * Min, mean and max of every scalar column per minute of node time, one row per session-hour
 * (`${sessionId}:h${hourIndex}`): what is left of a stretch after its per-second summaries are
 * compacted (docs/storage.md, "Retention and compaction"). Same shape as FeatureSummary, with
 * `chunkStartMs` the wall clock of the hour's start and `windows` as u32 (a minute can hold more
 * than 65,535 windows).
 */
export interface FeatureMinuteSummary {
  id: string;
  sessionId: string;
  nodeId: string;
  /** floor(tUs / MINUTE_ROW_US). */
  hourIndex: number;
  /** Wall clock of the first and last window it summarises. */
  startMs: number;
  endMs: number;
  /** Wall clock of the hour's start (node time hourIndex * MINUTE_ROW_US), ms. */
  chunkStartMs: number;
  buckets: number;
  /** Offset of each minute bucket's start from the hour start, µs (a multiple of CHUNK_US). */
  tUsOffset: Uint32Array;
  windows: Uint32Array;
  /** Column-major buckets x scalar columns. */
  min: Float32Array;
  mean: Float32Array;
  max: Float32Array;
  bytes: number;
}

export function minuteRowId(sessionId: string, hourIndex: number): string {
  return `${sessionId}:h${hourIndex}`;
}

/**
 * The per-minute row of one session-hour from its per-second rows (each per-second row is one
 * chunk, so one minute): min of the mins, max of the maxes, mean weighted by each second's window
 * count (a NaN second, a column with no value in it, does not count). Rows of other hours or
 * sessions are refused.
 */
export function summarizeMinutes(seconds: readonly FeatureSummary[]): FeatureMinuteSummary {
  if (seconds.length === 0) throw new RangeError('summarizeMinutes: no rows');
  const rows = [...seconds].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const first = rows[0];
  const hourIndex = Math.floor(first.chunkIndex / MINUTES_PER_ROW);
  const cols = rows.reduce((c, r) => (r.buckets > 0 ? Math.max(c, r.mean.length / r.buckets) : c), 0);
  const nb = rows.length;
  const tUsOffset = new Uint32Array(nb);
  const windows = new Uint32Array(nb);
  const min = new Float32Array(nb * cols);
  const mean = new Float32Array(nb * cols);
  const max = new Float32Array(nb * cols);
  let startMs = Infinity;
  let endMs = -Infinity;
  for (let k = 0; k < nb; k++) {
    const r = rows[k];
    if (r.sessionId !== first.sessionId || Math.floor(r.chunkIndex / MINUTES_PER_ROW) !== hourIndex) throw new RangeError('summarizeMinutes: rows of more than one session-hour');
    if (k > 0 && r.chunkIndex === rows[k - 1].chunkIndex) throw new RangeError('summarizeMinutes: the same minute twice');
    startMs = Math.min(startMs, r.startMs);
    endMs = Math.max(endMs, r.endMs);
    tUsOffset[k] = (r.chunkIndex - hourIndex * MINUTES_PER_ROW) * CHUNK_US;
    let w = 0;
    for (let b = 0; b < r.buckets; b++) w += r.windows[b];
    windows[k] = w;
    for (let c = 0; c < cols; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      let n = 0;
      for (let b = 0; b < r.buckets; b++) {
        const m = r.mean[c * r.buckets + b];
        if (Number.isNaN(m)) continue;
        lo = Math.min(lo, r.min[c * r.buckets + b]);
        hi = Math.max(hi, r.max[c * r.buckets + b]);
        sum += m * r.windows[b];
        n += r.windows[b];
      }
      min[c * nb + k] = n ? lo : NaN;
      max[c * nb + k] = n ? hi : NaN;
      mean[c * nb + k] = n ? sum / n : NaN;
    }
  }
  return {
    id: minuteRowId(first.sessionId, hourIndex),
    sessionId: first.sessionId,
    nodeId: first.nodeId,
    hourIndex,
    startMs,
    endMs,
    chunkStartMs: first.chunkStartMs - (first.chunkIndex - hourIndex * MINUTES_PER_ROW) * (CHUNK_US / 1000),
    buckets: nb,
    tUsOffset,
    windows,
    min,
    mean,
    max,
    bytes: tUsOffset.byteLength + windows.byteLength + min.byteLength * 3,
  };
}

export interface WindowGap {
  /** First missing window index, and the first present one after the gap. */
  fromWindow: number;
  toWindow: number;
}

/** Jumps in window_index between consecutive rows of `windowIndex` (and after `prev`, if given). */
export function findGaps(windowIndex: ArrayLike<number>, from: number, to: number, prev = -1): WindowGap[] {
  const out: WindowGap[] = [];
  const windows = new StreamContinuity();
  if (prev >= 0) windows.observe(prev);
  for (let i = from; i < to; i++) {
    const w = windowIndex[i];
    const step = windows.observe(w);
    if (step.kind === 'missed') out.push({ fromWindow: (w - step.missed) >>> 0, toWindow: w });
  }
  return out;
}
