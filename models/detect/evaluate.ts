/**
 * Per-recording evaluation of a detector that scores consecutive windows (docs/detection.md):
 * the fraction of windows over the threshold, the k-of-n debounced alarms, and the state a
 * technician is shown for the recording. Also the synthetic weak fault used to measure
 * sensitivity: a fault recording's extra band energy, scaled down, added to healthy windows.
 */
import { debounceAlarms } from '../eval/threshold';

export type RecordingState = 'fault' | 'unseen condition' | 'healthy';

export interface RecordingResult {
  /** Windows scored (after the smoothing warm-up). */
  windows: number;
  flagged: number;
  alarms: number;
  state: RecordingState;
}

/**
 * `scores` are NaN where the speed is outside the trained span. A recording shows "unseen
 * condition" when its speed is, "fault" when the debounced alarm fired, "healthy" otherwise.
 */
export function evaluateScores(scores: ArrayLike<number>, threshold: number, skip = 0, k = 3, n = 5): RecordingResult {
  const over: boolean[] = [];
  let unseen = 0;
  for (let i = skip; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) unseen++;
    over.push(scores[i] > threshold);
  }
  const windows = over.length;
  const flagged = windows ? over.filter(Boolean).length / windows : 0;
  const alarms = debounceAlarms(over, k, n).length;
  const state: RecordingState = unseen > windows / 2 ? 'unseen condition' : alarms > 0 ? 'fault' : 'healthy';
  return { windows, flagged, alarms, state };
}

/**
 * Healthy windows plus `alpha` times a fault's extra energy, band by band in linear power:
 * log10(10^h + alpha * max(0, 10^f - 10^m)), with h a healthy window, f the fault window of the
 * same index (cycled) and m the healthy mean log energy at the fault's speed.
 */
export function weakFaultRows(healthy: ArrayLike<number>[], fault: ArrayLike<number>[], healthyMean: ArrayLike<number>, alpha: number): Float32Array[] {
  if (!(alpha >= 0)) throw new RangeError(`weak-fault scale ${alpha} must be >= 0`);
  if (fault.length === 0) throw new RangeError('a weak fault needs fault windows');
  return healthy.map((h, w) => {
    const f = fault[w % fault.length];
    return Float32Array.from(h, (v, i) => Math.log10(10 ** v + alpha * Math.max(0, 10 ** f[i] - 10 ** healthyMean[i])));
  });
}
