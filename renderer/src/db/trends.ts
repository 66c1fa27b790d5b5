/**
 * A node's trend for a time range, read at the resolution its span asks for (renderer/src/live/
 * trendSpan.ts) and filled in from a coarser one where retention compacted the finer away: every
 * window (feature chunks), else per-second summaries, else per-minute ones. Every read is an
 * indexed range on [nodeId+startMs]; summaries are first listed by key (no row read) so only the
 * rows that are needed are fetched. Velocity RMS and the anomaly score exist for live recordings
 * made since they are stored (models/dataset/columns.ts LIVE_FIELDS); older ones have RMS only.
 */
import { unpackChunkFeatures } from '../../../models/dataset/chunkCodec';
import { CHUNK_US, columnIndex, MINUTE_ROW_US, MINUTES_PER_ROW, type FeatureLayout } from '../../../models/dataset/columns';
import { emptyPoints, pushPoint, SOURCE_RANK, sortPoints, type TrendPoints, type TrendSource } from '../live/trendSpan';
import type { VigilDb } from './db';
import type { EventRow, FeatureChunkRow, FeatureMinuteRow, FeatureSummaryRow } from './types';

const CHUNK_MS = CHUNK_US / 1000;
const HOUR_ROW_MS = MINUTE_ROW_US / 1000;

interface Columns {
  rms: number[];
  vel: number[];
  score: number;
}

function columnsOf(layout: FeatureLayout, axes: number): Columns {
  const rms: number[] = [];
  const vel: number[] = [];
  for (let a = 0; a < axes; a++) {
    rms.push(columnIndex(layout, 'rms', a));
    vel.push(columnIndex(layout, 'velocityRmsMmS', a));
  }
  return { rms, vel, score: columnIndex(layout, 'anomalyScore', 0) };
}

/** Keys of the rows of a table whose [nodeId+startMs] lies in [from − span, to). */
async function keysIn(table: VigilDb['featureChunks'] | VigilDb['featureSummaries'] | VigilDb['featureMinutes'], nodeId: string, fromMs: number, toMs: number, spanMs: number): Promise<string[]> {
  return (await table
    .where('[nodeId+startMs]')
    .between([nodeId, fromMs - spanMs], [nodeId, toMs], true, false)
    .primaryKeys()) as string[];
}

export interface TrendRead {
  points: TrendPoints;
  /** Rows read per table (what the query cost). */
  rows: { chunks: number; seconds: number; minutes: number };
  /** Wall clock at node time 0 of the node's newest live recording (null when it has none). */
  t0Ms: number | null;
}

/**
 * The trend of a node's `axes` axes in [fromMs, toMs) at `source` resolution, with coarser points
 * where the finer ones are gone, in time order.
 */
export async function readTrend(db: VigilDb, nodeId: string, fromMs: number, toMs: number, source: TrendSource, axes: number): Promise<TrendRead> {
  const sessions = await db.sessions.where('nodeId').equals(nodeId).toArray();
  const cols = new Map<string, Columns>();
  for (const s of sessions) if (s.endMs >= fromMs - HOUR_ROW_MS && s.startMs < toMs) cols.set(s.id, columnsOf(s.layout, axes));
  const colsOf = (sessionId: string) => cols.get(sessionId);
  const newest = sessions.filter((x) => x.kind === 'live').reduce<(typeof sessions)[number] | null>((b, x) => (!b || x.endMs > b.endMs ? x : b), null);
  const out = emptyPoints(axes);
  const rows = { chunks: 0, seconds: 0, minutes: 0 };
  /** Minutes (`${sessionId}:${chunkIndex}`) already drawn at a finer resolution. */
  const done = new Set<string>();
  const rms = new Float64Array(axes);
  const vel = new Float64Array(axes);
  const cell = (arr: ArrayLike<number>, col: number, n: number, i: number) => (col < 0 ? NaN : arr[col * n + i]);

  if (source === 'window') {
    const keys = await keysIn(db.featureChunks, nodeId, fromMs, toMs, CHUNK_MS);
    const chunks = (await db.featureChunks.bulkGet(keys)).filter((c): c is FeatureChunkRow => c !== undefined && c.endMs >= fromMs);
    rows.chunks = chunks.length;
    for (const stored of chunks) {
      const k = colsOf(stored.sessionId);
      if (!k) continue;
      const c = unpackChunkFeatures(stored);
      done.add(`${c.sessionId}:${c.chunkIndex}`);
      const t0 = c.startMs - c.tUsOffset[0] / 1000;
      for (let i = 0; i < c.count; i++) {
        const t = t0 + c.tUsOffset[i] / 1000;
        if (t < fromMs || t >= toMs) continue;
        for (let a = 0; a < axes; a++) {
          rms[a] = cell(c.values, k.rms[a], c.count, i);
          vel[a] = cell(c.values, k.vel[a], c.count, i);
        }
        pushPoint(out, t, 0, SOURCE_RANK.window, rms, vel, cell(c.values, k.score, c.count, i));
      }
    }
  }

  // Per-second summaries: every bucket (source 'window' or 'second'), or one point per minute ('minute').
  const secondKeys = (await keysIn(db.featureSummaries, nodeId, fromMs, toMs, CHUNK_MS)).filter((key) => !done.has(key));
  let minuteRows: FeatureMinuteRow[] = [];
  if (source === 'minute') {
    // The per-minute rows first: the per-second rows of a minute they hold are not read at all.
    minuteRows = (await db.featureMinutes.where('[nodeId+startMs]').between([nodeId, fromMs - HOUR_ROW_MS], [nodeId, toMs], true, false).toArray()).filter((m) => m.endMs >= fromMs);
    for (const m of minuteRows) for (let k = 0; k < m.buckets; k++) done.add(`${m.sessionId}:${m.hourIndex * MINUTES_PER_ROW + m.tUsOffset[k] / CHUNK_US}`);
  }
  const wanted = secondKeys.filter((key) => !done.has(key));
  const seconds = (await db.featureSummaries.bulkGet(wanted)).filter((r): r is FeatureSummaryRow => r !== undefined && r.endMs >= fromMs);
  rows.seconds = seconds.length;
  for (const r of seconds) {
    const k = colsOf(r.sessionId);
    if (!k) continue;
    done.add(`${r.sessionId}:${r.chunkIndex}`);
    const n = r.buckets;
    if (source === 'minute') {
      // The minute this row is, as a per-minute row would hold it: means weighted by windows, the largest score.
      let w = 0;
      rms.fill(0);
      vel.fill(0);
      const wr = new Float64Array(axes);
      const wv = new Float64Array(axes);
      let score = NaN;
      for (let b = 0; b < n; b++) {
        const cnt = r.windows[b];
        w += cnt;
        for (let a = 0; a < axes; a++) {
          const x = cell(r.mean, k.rms[a], n, b);
          if (Number.isFinite(x)) {
            rms[a] += x * cnt;
            wr[a] += cnt;
          }
          const v = cell(r.mean, k.vel[a], n, b);
          if (Number.isFinite(v)) {
            vel[a] += v * cnt;
            wv[a] += cnt;
          }
        }
        const s = cell(r.max, k.score, n, b);
        if (Number.isFinite(s) && !(s <= score)) score = s;
      }
      if (w === 0) continue;
      for (let a = 0; a < axes; a++) {
        rms[a] = wr[a] ? rms[a] / wr[a] : NaN;
        vel[a] = wv[a] ? vel[a] / wv[a] : NaN;
      }
      pushPoint(out, r.chunkStartMs, CHUNK_MS, SOURCE_RANK.minute, rms, vel, score);
      continue;
    }
    for (let b = 0; b < n; b++) {
      const t = r.chunkStartMs + r.tUsOffset[b] / 1000;
      if (t + 1000 <= fromMs || t >= toMs) continue;
      for (let a = 0; a < axes; a++) {
        rms[a] = cell(r.mean, k.rms[a], n, b);
        vel[a] = cell(r.mean, k.vel[a], n, b);
      }
      pushPoint(out, t, 1000, SOURCE_RANK.second, rms, vel, cell(r.max, k.score, n, b));
    }
  }

  // Per-minute summaries: what is left where the per-second ones were compacted (or the span reads minutes).
  if (source !== 'minute') {
    minuteRows = (await db.featureMinutes.where('[nodeId+startMs]').between([nodeId, fromMs - HOUR_ROW_MS], [nodeId, toMs], true, false).toArray()).filter((m) => m.endMs >= fromMs);
  }
  rows.minutes = minuteRows.length;
  for (const m of minuteRows) {
    const k = colsOf(m.sessionId);
    if (!k) continue;
    const n = m.buckets;
    for (let b = 0; b < n; b++) {
      const minute = m.hourIndex * MINUTES_PER_ROW + m.tUsOffset[b] / CHUNK_US;
      if (source !== 'minute' && done.has(`${m.sessionId}:${minute}`)) continue;
      const t = m.chunkStartMs + m.tUsOffset[b] / 1000;
      if (t + CHUNK_MS <= fromMs || t >= toMs) continue;
      for (let a = 0; a < axes; a++) {
        rms[a] = cell(m.mean, k.rms[a], n, b);
        vel[a] = cell(m.mean, k.vel[a], n, b);
      }
      pushPoint(out, t, CHUNK_MS, SOURCE_RANK.minute, rms, vel, cell(m.max, k.score, n, b));
    }
  }
  return { points: sortPoints(out), rows, t0Ms: newest ? newest.t0Ms : null };
}

/** A node's stored events that overlap [fromMs, toMs), oldest first. */
export async function nodeEventsIn(db: VigilDb, nodeId: string, fromMs: number, toMs: number): Promise<EventRow[]> {
  const rows = await db.events.where('nodeId').equals(nodeId).filter((e) => e.startMs < toMs && Math.max(e.endMs, e.startMs) >= fromMs).toArray();
  return rows.sort((a, b) => a.startMs - b.startMs);
}
