/**
 * Reading the stored summaries back as buckets: every per-second bucket, and the minutes of the
 * per-minute rows whose per-second row is gone (compacted by the retention policy,
 * docs/storage.md "Retention and compaction"), in time order. One rule for the app's recording
 * charts (renderer/src/db/features.ts) and the maintenance report (models/report/model.ts), which
 * reads the summaries where the windows themselves are gone.
 */
import { CHUNK_US, MINUTES_PER_ROW } from './columns';

/** What a per-second row (FeatureSummary) and a per-minute row (FeatureMinuteSummary) share. */
export interface Bucketed {
  sessionId: string;
  chunkStartMs: number;
  buckets: number;
  tUsOffset: ArrayLike<number>;
  windows: ArrayLike<number>;
  /** Column-major buckets x scalar columns. */
  min: ArrayLike<number>;
  mean: ArrayLike<number>;
  max: ArrayLike<number>;
}

export interface SummaryBucket {
  /** The row and its bucket k: column c of the bucket is at c * r.buckets + k. */
  r: Bucketed;
  k: number;
  /** The bucket's length, s: 1 (per-second) or 60 (per-minute). */
  s: 1 | 60;
  /** Wall clock of the bucket's start, ms. */
  t: number;
  /** `${sessionId}:${chunkIndex}` of the minute the bucket lies in (the id of that minute's feature chunk). */
  minute: string;
}

/**
 * The buckets of `seconds` (per-second rows, each one minute: a chunk) and of `minutes` (per-minute
 * rows, each one session-hour) in time order, a minute taken from the per-minute row only where
 * its per-second row is absent. Minutes named in `skip` (`${sessionId}:${chunkIndex}`, e.g. those
 * whose every window is at hand) are left out of both.
 */
export function summaryBuckets(
  seconds: readonly (Bucketed & { chunkIndex: number })[],
  minutes: readonly (Bucketed & { hourIndex: number })[],
  skip: ReadonlySet<string> = new Set(),
): SummaryBucket[] {
  const present = new Set(seconds.map((r) => `${r.sessionId}:${r.chunkIndex}`));
  const out: SummaryBucket[] = [];
  for (const r of seconds) {
    const minute = `${r.sessionId}:${r.chunkIndex}`;
    if (skip.has(minute)) continue;
    for (let k = 0; k < r.buckets; k++) out.push({ r, k, s: 1, t: r.chunkStartMs + r.tUsOffset[k] / 1000, minute });
  }
  for (const m of minutes) {
    for (let k = 0; k < m.buckets; k++) {
      const minute = `${m.sessionId}:${m.hourIndex * MINUTES_PER_ROW + m.tUsOffset[k] / CHUNK_US}`;
      if (!present.has(minute) && !skip.has(minute)) out.push({ r: m, k, s: 60, t: m.chunkStartMs + m.tUsOffset[k] / 1000, minute });
    }
  }
  if (minutes.length > 0) out.sort((a, b) => a.t - b.t);
  return out;
}
