/**
 * Alarm rules on snapshot data (FEMTO-style run-to-failure: short bursts every few seconds).
 * A snapshot's score is the median of its windows' scores; an alarm is declared at the first
 * snapshot where at least k of the last n snapshots (this one included) are over the threshold.
 */
import { median } from './roc';

/** Median window score of every snapshot 0 .. count-1 (NaN for a snapshot without windows). */
export function snapshotMedians(scores: ArrayLike<number>, snapshotOfWindow: ArrayLike<number>, count: number): Float64Array {
  const buckets: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < scores.length; i++) buckets[snapshotOfWindow[i]]?.push(scores[i]);
  return Float64Array.from(buckets, (b) => (b.length ? median(b) : NaN));
}

/** 1-based snapshot number of the first alarm, or null if none. */
export function firstSnapshotAlarm(snapshotScores: ArrayLike<number>, threshold: number, k = 3, n = 5): number | null {
  const over: boolean[] = [];
  for (let s = 0; s < snapshotScores.length; s++) {
    over.push(snapshotScores[s] > threshold);
    let c = 0;
    for (let j = Math.max(0, s - n + 1); j <= s; j++) if (over[j]) c++;
    if (c >= k) return s + 1;
  }
  return null;
}

/** 1-based snapshot where a level first exceeds `factor` x its initial level (median of the first `initialCount` snapshots). */
export function firstExceedance(levels: ArrayLike<number>, initialCount: number, factor = 2): { snapshot: number | null; initial: number } {
  const initial = median(Array.from(levels).slice(0, Math.max(1, initialCount)));
  for (let s = 0; s < levels.length; s++) if (levels[s] > factor * initial) return { snapshot: s + 1, initial };
  return { snapshot: null, initial };
}

/** RMS of every segment of x (mean removed), segments starting at `starts` (the RMS x 2 rule's level). */
export function segmentRms(x: ArrayLike<number>, starts: number[]): Float64Array {
  return Float64Array.from(starts, (s, k) => {
    const e = k + 1 < starts.length ? starts[k + 1] : x.length;
    let m = 0;
    for (let i = s; i < e; i++) m += x[i];
    m /= e - s;
    let v = 0;
    for (let i = s; i < e; i++) v += (x[i] - m) ** 2;
    return Math.sqrt(v / (e - s));
  });
}
