/**
 * The speed-aware detector (docs/detection.md): a fault is told from a change of speed by scoring
 * each window against the healthy spectrum *expected at the window's shaft speed*.
 *
 *  - Features: the node's log band energies, smoothed by an exponential moving average over
 *    windows (`smoothing` = the EMA weight of the newest window, 1 = no smoothing). A fault's extra
 *    energy is steady while the healthy window-to-window scatter averages out, so smoothing is what
 *    buys the weak-fault sensitivity.
 *  - Expected healthy spectrum: the mean of the smoothed features at every trained speed (a knot),
 *    interpolated linearly in log rpm between the two knots that bracket the window's speed.
 *  - Scatter: one Ledoit-Wolf covariance of the residuals (window minus its own speed's mean),
 *    pooled over every trained speed: speed moves the mean, not the scatter, and pooling keeps the
 *    covariance estimated from every training window (the weak-fault sensitivity of a pooled model).
 *  - Condition: a speed outside the trained span (widened by `spanTolerance` in log rpm) is its
 *    own state, "operating condition not seen in training", and is never called a fault.
 *
 * Score = squared Mahalanobis distance of the residual / D (about 1 on training-like windows).
 */
import { fitMahalanobis, mahalanobisScore, type MahalanobisModel } from '../eval/mahalanobis';
import { chooseThreshold, type ThresholdChoice } from '../eval/threshold';

export interface SpeedGroup {
  rpm: number;
  /** Windows of one recording, in time order (smoothing runs along them). */
  rows: ArrayLike<number>[];
  /**
   * Indices of windows that follow a gap in the samples (snapshot data, lost windows): the EMA
   * restarts there, as it does at index 0. Absent = one contiguous stretch.
   */
  segmentStarts?: number[];
}

export interface SpeedDetectorOptions {
  /** EMA weight of the newest window (0 < smoothing <= 1). */
  smoothing?: number;
  /** Windows dropped at the start of every group while the EMA settles. */
  warmup?: number;
  /** Trained span widened by this much in log rpm on each side (0.03 = about 3 %). */
  spanTolerance?: number;
  /** Target per-window false-alarm rate for the threshold. */
  targetRate?: number;
}

export interface SpeedDetector {
  dim: number;
  smoothing: number;
  warmup: number;
  spanTolerance: number;
  /** Trained speeds, ascending, with the mean smoothed features at each. */
  knots: { rpm: number; mean: Float64Array }[];
  within: MahalanobisModel;
  threshold: ThresholdChoice;
}

export type WindowState = 'healthy' | 'fault' | 'unseen-condition';

export const DEFAULT_SMOOTHING = 0.25;
export const DEFAULT_WARMUP = 8;
export const DEFAULT_SPAN_TOLERANCE = 0.03;

/** EMA of consecutive rows, restarting at every segment start: y = x there, else y_k = y_{k-1} + a (x_k - y_{k-1}). */
export function smoothRows(rows: ArrayLike<number>[], smoothing: number, segmentStarts: number[] = []): Float64Array[] {
  if (!(smoothing > 0 && smoothing <= 1)) throw new RangeError(`smoothing ${smoothing} must be in (0, 1]`);
  const restart = new Set(segmentStarts);
  const out: Float64Array[] = [];
  let y: Float64Array | null = null;
  rows.forEach((x, k) => {
    const next: Float64Array = y === null || restart.has(k) ? Float64Array.from(x) : Float64Array.from(y, (v, i) => v + smoothing * (x[i] - v));
    out.push(next);
    y = next;
  });
  return out;
}

/** For every window, how many windows since the EMA last restarted (0 at a restart). */
export function windowsSinceRestart(count: number, segmentStarts: number[] = []): Uint32Array {
  const restart = new Set(segmentStarts);
  const age = new Uint32Array(count);
  for (let k = 1; k < count; k++) age[k] = restart.has(k) ? 0 : age[k - 1] + 1;
  return age;
}

function settled(g: SpeedGroup, smoothing: number, warmup: number): Float64Array[] {
  const age = windowsSinceRestart(g.rows.length, g.segmentStarts);
  const s = smoothRows(g.rows, smoothing, g.segmentStarts).filter((_, k) => age[k] >= warmup);
  if (s.length < 2) throw new RangeError(`the ${g.rpm} rpm group has ${g.rows.length} windows; at least ${warmup + 2} are needed`);
  return s;
}

/** Position of a speed among the knots: the bracketing pair and the weight of the upper one, or null outside the span. */
export function bracket(det: Pick<SpeedDetector, 'knots' | 'spanTolerance'>, rpm: number): { lo: number; hi: number; t: number } | null {
  const ks = det.knots;
  if (!(rpm > 0) || !Number.isFinite(rpm)) return null;
  const x = Math.log(rpm);
  const first = Math.log(ks[0].rpm);
  const last = Math.log(ks[ks.length - 1].rpm);
  if (x < first - det.spanTolerance || x > last + det.spanTolerance) return null;
  if (ks.length === 1 || x <= first) return { lo: 0, hi: 0, t: 0 };
  if (x >= last) return { lo: ks.length - 1, hi: ks.length - 1, t: 0 };
  let k = 0;
  while (Math.log(ks[k + 1].rpm) < x) k++;
  const a = Math.log(ks[k].rpm);
  return { lo: k, hi: k + 1, t: (x - a) / (Math.log(ks[k + 1].rpm) - a) };
}

/** The healthy mean expected at a speed inside the span (linear in log rpm between knots). */
export function expectedMean(det: SpeedDetector, rpm: number): Float64Array | null {
  const b = bracket(det, rpm);
  if (!b) return null;
  const lo = det.knots[b.lo].mean;
  const hi = det.knots[b.hi].mean;
  return Float64Array.from(lo, (v, i) => v + b.t * (hi[i] - v));
}

/**
 * Fits on healthy recordings at one or more speeds (one group per recording); the threshold comes
 * from separate healthy validation recordings at the trained speeds (never the training windows).
 */
export function fitSpeedDetector(train: SpeedGroup[], validation: SpeedGroup[], options: SpeedDetectorOptions = {}): SpeedDetector {
  const smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const spanTolerance = options.spanTolerance ?? DEFAULT_SPAN_TOLERANCE;
  if (train.length === 0) throw new RangeError('the speed-aware detector needs healthy training windows at one speed at least');
  if (validation.length === 0) throw new RangeError('the speed-aware detector needs healthy validation windows to set its threshold');
  const dim = train[0].rows[0]?.length ?? 0;
  const bySpeed = new Map<number, Float64Array[]>();
  for (const g of train) {
    if (!(g.rpm > 0)) throw new RangeError(`training speed ${g.rpm} rpm is not a positive number`);
    bySpeed.set(g.rpm, [...(bySpeed.get(g.rpm) ?? []), ...settled(g, smoothing, warmup)]);
  }
  const knots = [...bySpeed.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([rpm, rows]) => {
      const mean = new Float64Array(dim);
      for (const r of rows) for (let i = 0; i < dim; i++) mean[i] += r[i] / rows.length;
      return { rpm, mean };
    });
  const residuals: Float64Array[] = [];
  for (const { rpm, mean } of knots) for (const r of bySpeed.get(rpm)!) residuals.push(r.map((v, i) => v - mean[i]));
  const partial = { dim, smoothing, warmup, spanTolerance, knots, within: fitMahalanobis(residuals) };
  const valScores: number[] = [];
  for (const g of validation) {
    if (!bracket(partial, g.rpm)) throw new RangeError(`validation speed ${g.rpm} rpm is outside the trained span`);
    const s = scoreGroup({ ...partial, threshold: null as unknown as ThresholdChoice }, g);
    const age = windowsSinceRestart(s.length, g.segmentStarts);
    for (let i = 0; i < s.length; i++) if (age[i] >= warmup) valScores.push(s[i]);
  }
  return { ...partial, threshold: chooseThreshold(valScores, options.targetRate ?? 0.001) };
}

/**
 * Scores consecutive windows of one recording at a known speed (NaN outside the trained span).
 * Scores within `warmup` windows of a restart are computed on an EMA that has not settled;
 * callers may skip them (windowsSinceRestart).
 */
export function scoreGroup(det: SpeedDetector, g: SpeedGroup): Float64Array {
  const mean = expectedMean(det, g.rpm);
  if (!mean) return new Float64Array(g.rows.length).fill(NaN);
  const tmp = new Float64Array(det.dim);
  const r = new Float64Array(det.dim);
  return Float64Array.from(smoothRows(g.rows, det.smoothing, g.segmentStarts), (y) => {
    for (let i = 0; i < det.dim; i++) r[i] = y[i] - mean[i] + det.within.mean[i];
    return mahalanobisScore(det.within, r, tmp);
  });
}

/** What the node shows for a window: the condition test first, then the score. */
export function windowState(det: SpeedDetector, rpm: number, score: number): WindowState {
  if (!bracket(det, rpm)) return 'unseen-condition';
  return score > det.threshold.threshold ? 'fault' : 'healthy';
}
