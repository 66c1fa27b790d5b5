/**
 * Reading features back: a node's time range at full resolution (every window) or as per-second
 * summaries (what a day view draws), and one recording's series for its chart.
 */
import { unpackChunkFeatures } from '../../../models/dataset/chunkCodec';
import { CHUNK_US, columnIndex, MINUTE_ROW_US } from '../../../models/dataset/columns';
import { summaryBuckets, type Bucketed } from '../../../models/dataset/summaryBuckets';
import type { VigilDb } from './db';
import type { FeatureChunkRow, FeatureMinuteRow, FeatureSummaryRow, SessionRow } from './types';

/** Chunks start at most one minute before their first window is older than `fromMs`. */
const CHUNK_SPAN_MS = CHUNK_US / 1000;

export interface NodeFeatures {
  /** Wall clock of every window, ms. */
  tMs: Float64Array;
  windowIndex: Float64Array;
  /** One column per scalar column of the layout. */
  columns: Float32Array[];
  chunks: number;
}

function byTime<T extends { startMs: number; id: string }>(a: T, b: T): number {
  return a.startMs - b.startMs || (a.id < b.id ? -1 : 1);
}

async function rangeRows<T extends { startMs: number; endMs: number; id: string }>(
  table: VigilDb['featureChunks'] | VigilDb['featureSummaries'] | VigilDb['featureMinutes'],
  nodeId: string,
  fromMs: number,
  toMs: number,
  spanMs = CHUNK_SPAN_MS,
): Promise<T[]> {
  const rows = (await table
    .where('[nodeId+startMs]')
    .between([nodeId, fromMs - spanMs], [nodeId, toMs], true, false)
    .toArray()) as unknown as T[];
  return rows.filter((r) => r.endMs >= fromMs).sort(byTime);
}

/** Every window of a node in [fromMs, toMs), in time order. */
export async function readNodeFeatures(db: VigilDb, nodeId: string, fromMs: number, toMs: number): Promise<NodeFeatures> {
  const chunks = (await rangeRows<FeatureChunkRow>(db.featureChunks, nodeId, fromMs, toMs)).map(unpackChunkFeatures);
  let n = 0;
  for (const c of chunks) n += c.count;
  const cols = chunks.length > 0 ? chunks[0].values.length / chunks[0].count : 0;
  const tMs = new Float64Array(n);
  const windowIndex = new Float64Array(n);
  const columns = Array.from({ length: cols }, () => new Float32Array(n));
  let o = 0;
  for (const c of chunks) {
    const t0 = c.startMs - c.tUsOffset[0] / 1000;
    for (let i = 0; i < c.count; i++) {
      const t = t0 + c.tUsOffset[i] / 1000;
      if (t < fromMs || t >= toMs) continue;
      tMs[o] = t;
      windowIndex[o] = c.windowIndex[i];
      for (let k = 0; k < cols && k * c.count < c.values.length; k++) columns[k][o] = c.values[k * c.count + i];
      o++;
    }
  }
  return { tMs: tMs.subarray(0, o), windowIndex: windowIndex.subarray(0, o), columns: columns.map((c) => c.subarray(0, o)), chunks: chunks.length };
}

export interface NodeSummaries {
  /** Wall clock of each bucket's start, ms. */
  tMs: Float64Array;
  /** Each bucket's length: 1 s (per-second summaries) or 60 s (per-minute, where retention compacted the seconds). */
  bucketS: Uint8Array;
  windows: Uint32Array;
  min: Float32Array[];
  mean: Float32Array[];
  max: Float32Array[];
  chunks: number;
}

/**
 * The buckets to draw: every per-second row, and the minutes of per-minute rows whose per-second
 * row is gone (compacted by retention); in time order (models/dataset/summaryBuckets.ts, the rule
 * the maintenance report reads too).
 */
const mergeBuckets = (seconds: readonly FeatureSummaryRow[], minutes: readonly FeatureMinuteRow[]) => summaryBuckets(seconds, minutes);

/**
 * Min / mean / max of every scalar column of a node in [fromMs, toMs): per second, and per minute
 * where retention has compacted the per-second summaries (docs/storage.md).
 */
export async function readNodeSummaries(db: VigilDb, nodeId: string, fromMs: number, toMs: number): Promise<NodeSummaries> {
  const rows = await rangeRows<FeatureSummaryRow>(db.featureSummaries, nodeId, fromMs, toMs);
  const minuteRows = await rangeRows<FeatureMinuteRow>(db.featureMinutes, nodeId, fromMs, toMs, MINUTE_ROW_US / 1000);
  const first = [...rows, ...minuteRows].find((r) => r.buckets > 0);
  const cols = first ? first.mean.length / first.buckets : 0;
  const list = minuteRows.length > 0 ? mergeBuckets(rows, minuteRows).filter((b) => b.t + b.s * 1000 > fromMs && b.t < toMs) : null;
  let n = 0;
  if (list) n = list.length;
  else for (const r of rows) n += r.buckets;
  const tMs = new Float64Array(n);
  const bucketS = new Uint8Array(n).fill(1);
  const windows = new Uint32Array(n);
  const mk = () => Array.from({ length: cols }, () => new Float32Array(n));
  const min = mk();
  const mean = mk();
  const max = mk();
  let o = 0;
  const put = (r: Bucketed, k: number, t: number) => {
    tMs[o] = t;
    windows[o] = r.windows[k];
    for (let c = 0; c < cols; c++) {
      min[c][o] = r.min[c * r.buckets + k];
      mean[c][o] = r.mean[c * r.buckets + k];
      max[c][o] = r.max[c * r.buckets + k];
    }
    o++;
  };
  if (list) {
    for (const b of list) {
      bucketS[o] = b.s;
      put(b.r, b.k, b.t);
    }
  } else for (const r of rows) for (let k = 0; k < r.buckets; k++) put(r, k, summaryBucketMs(r, k));
  return { tMs, bucketS, windows, min, mean, max, chunks: rows.length + minuteRows.length };
}

/** Wall clock of the start of summary bucket k, ms. */
export function summaryBucketMs(r: FeatureSummaryRow, k: number): number {
  return r.chunkStartMs + r.tUsOffset[k] / 1000;
}

export interface ChartSeries {
  /** Wall clock, seconds (uPlot's time unit). */
  x: number[];
  /** One series per axis; null breaks the line at a gap. */
  y: (number | null)[][];
  /** 'summary': per-second means, and per-minute ones where retention compacted the seconds. */
  resolution: 'full' | 'summary';
  points: number;
}

/**
 * Above this many windows a recording's chart draws per-second means instead of every window; so
 * does a recording whose windows retention has compacted (its chunks hold fewer than it recorded).
 */
export const FULL_RESOLUTION_LIMIT = 200_000;

/** The chart of one recording: `field` (e.g. 'rms') of every axis. */
export async function sessionSeries(db: VigilDb, s: SessionRow, field: string): Promise<ChartSeries> {
  const cols = Array.from({ length: s.layout.axisCount }, (_, a) => columnIndex(s.layout, field, a));
  const x: number[] = [];
  const y: (number | null)[][] = cols.map(() => []);
  const gap = () => {
    x.push(x[x.length - 1] + 1e-6);
    y.forEach((col) => col.push(null));
  };
  // A recording made of snapshots (FEMTO: 0.1 s every 10 s) pauses by design: its trend joins the
  // snapshots and breaks only where one is missing. Any other jump in window_index is lost data.
  const spacingS = s.source?.settings.segmentSpacingS ?? null;
  const pauseWindows = spacingS ? (spacingS * s.sampleRateHz) / s.hop : 0;
  const breaks = (jump: number) => (pauseWindows > 0 ? jump > 1.5 * pauseWindows : jump > 1);
  const chunks = s.windowCount <= FULL_RESOLUTION_LIMIT ? (await db.featureChunks.where('sessionId').equals(s.id).toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex).map(unpackChunkFeatures) : null;
  if (chunks && (s.kind !== 'live' || chunks.reduce((n, c) => n + c.count, 0) >= s.windowCount)) {
    let prev = -1;
    for (const c of chunks) {
      const base = c.chunkIndex * CHUNK_US;
      for (let i = 0; i < c.count; i++) {
        const w = c.windowIndex[i];
        if (prev >= 0 && breaks(w - prev)) gap();
        prev = w;
        x.push((s.t0Ms + (base + c.tUsOffset[i]) / 1000) / 1000);
        cols.forEach((col, a) => y[a].push(col < 0 ? null : c.values[col * c.count + i]));
      }
    }
    return { x, y, resolution: 'full', points: x.length };
  }
  const sums = (await db.featureSummaries.where('sessionId').equals(s.id).toArray()).sort((a, b) => a.chunkIndex - b.chunkIndex);
  const minutes = await db.featureMinutes.where('sessionId').equals(s.id).toArray();
  let prevT = -Infinity;
  let prevS = 1;
  for (const b of mergeBuckets(sums, minutes)) {
    const t = b.t / 1000;
    // A bucket more than its own length and a half-second late (or a snapshot spacing) breaks the line.
    if (x.length > 0 && t - prevT > Math.max(2.5, 1.5 * (spacingS ?? 0)) + (prevS - 1)) gap();
    prevT = t;
    prevS = b.s;
    x.push(t);
    cols.forEach((col, a) => y[a].push(col < 0 ? null : b.r.mean[col * b.r.buckets + b.k]));
  }
  return { x, y, resolution: 'summary', points: x.length };
}
