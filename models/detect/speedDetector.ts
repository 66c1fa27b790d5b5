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
 *  - Interpolation error as a nuisance: between two knots the true healthy mean is not the
 *    interpolated one. It is modelled as a random offset with the covariance of a Brownian bridge
 *    pinned at the knots, per band: scale * t (1 - t) * d_i^2, d = the knots' mean difference,
 *    t the position between them in log rpm. It is 0 at a knot and largest mid-way, and added to
 *    the scatter at that speed, so a healthy machine between knots scores like a trained one.
 *    scale = 1 (the prior: each band a random walk in log rpm, its rate estimated from its own
 *    knot-to-knot change) with two knots; estimated by leave-one-knot-out with three or more.
 *  - Threshold: not the largest validation score (one transient would set it) but the upper 95 %
 *    tolerance bound of the log-normal (1 - target) quantile, with the smoothed scores' effective
 *    number of independent windows (models/eval/threshold.ts toleranceThreshold).
 *  - Condition: a speed outside the trained span (widened by `spanTolerance` in log rpm) is its
 *    own state, "operating condition not seen in training", and is never called a fault.
 *
 * Score = squared Mahalanobis distance of the residual / D (about 1 on training-like windows),
 * with the covariance at the window's speed (modelAt).
 */
import { cholesky, fitMahalanobis, mahalanobisScore, type MahalanobisModel } from '../eval/mahalanobis';
import { blockToleranceThreshold, toleranceThreshold, type BlockToleranceThresholdChoice, type ScoreBlock, type ToleranceThresholdChoice } from '../eval/threshold';

export interface SpeedGroup {
  rpm: number;
  /** Windows of one recording, in time order (smoothing runs along them). */
  rows: ArrayLike<number>[];
  /**
   * Indices of windows that follow a gap in the samples (snapshot data, lost windows): the EMA
   * restarts there, as it does at index 0. Absent = one contiguous stretch.
   */
  segmentStarts?: number[];
  /**
   * The recording these windows come from (a file name): groups that share it are one recording
   * (its training and validation stretches) for the leave-one-recording-out threshold. Absent =
   * a recording of its own.
   */
  recording?: string;
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
  /**
   * Interpolation-error scale used with two knots (with three or more it is estimated by
   * leave-one-knot-out). 1 = Brownian-bridge prior; 0 = trust the linear interpolation.
   */
  interpolationPrior?: number;
  /** Confidence of the threshold's tolerance bound on the (1 - targetRate) quantile. */
  thresholdConfidence?: number;
  /**
   * 'blocks' (the default): validation blocks with a one-way random-effects bound
   * (validationBlocks, blockToleranceThreshold), so drift between blocks widens it; never below
   * the homogeneous bound. 'homogeneous': every settled validation window one sample of one
   * log-normal (toleranceThreshold), the rule before (docs/detection.md §3.2).
   */
  thresholdRule?: ThresholdRule;
  /**
   * Where the threshold's scores come from (docs/detection.md §3.3, §3.4). Absent (the default):
   * 'leave-one-recording-out' when every speed has two healthy recordings at least, else
   * 'separate'.
   *  - 'leave-one-recording-out': train on training and validation windows together; the threshold
   *    from every recording's scores by a model fitted on the other recordings
   *    (leaveOneRecordingOutScores), so it carries the shift from one recording to the next.
   *  - 'separate': train on the training windows, threshold from the validation windows' scores
   *    (the rule before).
   *  - 'cross-fit': train on both, threshold from out-of-fold scores of contiguous folds within
   *    each recording (crossFitScores); measured, not adopted.
   */
  validation?: ValidationScheme;
}

export type ValidationScheme = 'cross-fit' | 'separate' | 'leave-one-recording-out';

export type ThresholdRule = 'homogeneous' | 'blocks';

/**
 * The interpolation error between knots k and k + 1, as a nuisance: at a fraction t of the way (in
 * log rpm) the true healthy mean differs from the interpolated one by a random vector with
 * independent bands of variance scale * t (1 - t) * d_i^2, d = mean_{k+1} - mean_k.
 */
export interface InterpolationModel {
  scale: number;
  /** 'prior' (two knots, or a scale given) or 'leave-one-knot-out' (three knots or more). */
  source: 'prior' | 'leave-one-knot-out';
  /** Leave-one-knot-out: |error|^2 / (t (1 - t) |d|^2) per interior knot, ascending rpm. */
  ratios: number[];
}

export interface SpeedDetector {
  dim: number;
  smoothing: number;
  warmup: number;
  spanTolerance: number;
  /** Trained speeds, ascending, with the mean smoothed features at each. */
  knots: { rpm: number; mean: Float64Array }[];
  within: MahalanobisModel;
  interpolation: InterpolationModel;
  threshold: ToleranceThresholdChoice;
  /** How the threshold's scores were obtained (SpeedDetectorOptions.validation); absent = 'separate'. */
  validation?: ValidationScheme;
}

export type WindowState = 'healthy' | 'fault' | 'unseen-condition';

export const DEFAULT_SMOOTHING = 0.25;
export const DEFAULT_WARMUP = 8;
export const DEFAULT_SPAN_TOLERANCE = 0.03;
export const DEFAULT_INTERPOLATION_PRIOR = 1;
export const DEFAULT_THRESHOLD_CONFIDENCE = 0.95;

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

/** A group's smoothed windows after the warm-up; `required` = at least 2 of them, or an error in words. */
function settled(g: SpeedGroup, smoothing: number, warmup: number, required = true): Float64Array[] {
  const age = windowsSinceRestart(g.rows.length, g.segmentStarts);
  const s = smoothRows(g.rows, smoothing, g.segmentStarts).filter((_, k) => age[k] >= warmup);
  if (required && s.length < 2) throw new RangeError(`the ${g.rpm} rpm group has ${g.rows.length} windows; at least ${warmup + 2} are needed`);
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
 * The residual model at a speed inside the span: the pooled within-speed scatter plus, between two
 * knots, the interpolation nuisance (scale t (1 - t) d_i^2 per band). Null outside the span.
 */
export function modelAt(det: Pick<SpeedDetector, 'knots' | 'spanTolerance' | 'within' | 'interpolation' | 'dim'>, rpm: number): MahalanobisModel | null {
  const b = bracket(det, rpm);
  if (!b) return null;
  const w = det.within;
  const f = det.interpolation.scale * b.t * (1 - b.t);
  if (b.lo === b.hi || !(f > 0)) return w;
  const D = det.dim;
  const lo = det.knots[b.lo].mean;
  const hi = det.knots[b.hi].mean;
  // The scatter of the standardised residuals, C = L L^T, plus the nuisance in the same units.
  const C = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += w.chol[i * D + k] * w.chol[j * D + k];
      if (i === j) s += (f * (hi[i] - lo[i]) ** 2) / w.std[i] ** 2;
      C[i * D + j] = C[j * D + i] = s;
    }
  return { ...w, chol: cholesky(C, D) };
}

/**
 * Leave-one-knot-out: every interior knot predicted from its two neighbours; per knot the ratio of
 * the squared error to the nuisance's expected size at scale 1, t (1 - t) |d|^2 (d = the
 * neighbours' difference). The ratio does not depend on the knot spacing for a Brownian bridge
 * (variance ~ h, |d|^2 ~ h) nor for a smooth curve (error ~ h^2 f'', |d|^2 ~ h^2 f'^2), so it
 * carries over to the narrower intervals the detector uses. Empty with fewer than three knots.
 */
export function leaveOneKnotOut(knots: { rpm: number; mean: ArrayLike<number> }[]): number[] {
  const ratios: number[] = [];
  for (let k = 1; k + 1 < knots.length; k++) {
    const a = knots[k - 1];
    const c = knots[k + 1];
    const t = Math.log(knots[k].rpm / a.rpm) / Math.log(c.rpm / a.rpm);
    let e2 = 0;
    let d2 = 0;
    for (let i = 0; i < a.mean.length; i++) {
      const d = c.mean[i] - a.mean[i];
      e2 += (knots[k].mean[i] - (a.mean[i] + t * d)) ** 2;
      d2 += d * d;
    }
    ratios.push(d2 > 0 ? e2 / (t * (1 - t) * d2) : 0);
  }
  return ratios;
}

/** The knots, pooled scatter and interpolation nuisance from settled (smoothed) windows per speed. */
function fitCore(bySpeed: Map<number, Float64Array[]>, dim: number, options: SpeedDetectorOptions): Pick<SpeedDetector, 'knots' | 'within' | 'interpolation'> {
  const knots = [...bySpeed.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([rpm, rows]) => {
      const mean = new Float64Array(dim);
      for (const r of rows) for (let i = 0; i < dim; i++) mean[i] += r[i] / rows.length;
      return { rpm, mean };
    });
  const residuals: Float64Array[] = [];
  for (const { rpm, mean } of knots) for (const r of bySpeed.get(rpm)!) residuals.push(r.map((v, i) => v - mean[i]));
  const ratios = options.interpolationPrior === undefined ? leaveOneKnotOut(knots) : [];
  const interpolation: InterpolationModel = ratios.length
    ? { scale: ratios.reduce((s, x) => s + x, 0) / ratios.length, source: 'leave-one-knot-out', ratios }
    : { scale: options.interpolationPrior ?? DEFAULT_INTERPOLATION_PRIOR, source: 'prior', ratios };
  if (!(interpolation.scale >= 0)) throw new RangeError(`interpolation scale ${interpolation.scale} must be >= 0`);
  return { knots, within: fitMahalanobis(residuals), interpolation };
}

/** Folds per recording for the cross-fitted threshold (validation 'cross-fit'). */
export const CROSS_FIT_FOLDS = 5;

/** A fold: the windows its model leaves out, and the ranges of windows it scores. */
interface Fold {
  out: (group: number, window: number) => boolean;
  scored: { group: number; from: number; to: number }[];
  /** Why the fold cannot be scored when it leaves no window at a scored group's speed. */
  tooFew: (rpm: number) => string;
}

/** Every fold's model fitted on the settled windows it keeps; its scores kept on the ranges it scores (NaN elsewhere). */
function scoreFolds(groups: SpeedGroup[], options: SpeedDetectorOptions, score: (fold: SpeedDetector, g: SpeedGroup) => Float64Array, folds: Fold[]): Float64Array[] {
  const smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const spanTolerance = options.spanTolerance ?? DEFAULT_SPAN_TOLERANCE;
  const dim = groups[0]?.rows[0]?.length ?? 0;
  const prepared = groups.map((g) => ({ g, smooth: smoothRows(g.rows, smoothing, g.segmentStarts), age: windowsSinceRestart(g.rows.length, g.segmentStarts) }));
  const out = groups.map((g) => new Float64Array(g.rows.length).fill(NaN));
  for (const fold of folds) {
    const bySpeed = new Map<number, Float64Array[]>();
    prepared.forEach((p, gi) => {
      const keep = p.smooth.filter((_, k) => p.age[k] >= warmup && !fold.out(gi, k));
      if (keep.length) bySpeed.set(p.g.rpm, [...(bySpeed.get(p.g.rpm) ?? []), ...keep]);
    });
    for (const [rpm, rows] of bySpeed) if (rows.length < 2) bySpeed.delete(rpm);
    // Without a scored speed's knot the fold model cannot score it as the final model would.
    for (const r of fold.scored) if (!bySpeed.has(groups[r.group].rpm)) throw new RangeError(fold.tooFew(groups[r.group].rpm));
    const model: SpeedDetector = { dim, smoothing, warmup, spanTolerance, ...fitCore(bySpeed, dim, options), threshold: null as unknown as ToleranceThresholdChoice };
    for (const r of fold.scored) {
      const s = score(model, groups[r.group]);
      for (let k = r.from; k < r.to; k++) out[r.group][k] = s[k];
    }
  }
  return out;
}

/**
 * Out-of-fold scores for the cross-fitted threshold (h-block cross-validation: Burman, Chow &
 * Nolan 1994, Biometrika 81:351-358; Racine 2000, J. Econometrics 99:39-61). Every group (a
 * recording's stretch, training or validation) is cut into `folds` contiguous folds of near-equal
 * length; for each fold a detector is fitted on every settled window of every group except that
 * fold and `warmup` windows on each side of it in the same group (so no window the fold's EMA
 * reaches trains its model), and `score` gives that fold model's scores of the group, of which the
 * fold's windows are kept. Every window thus gets a score from a model that never saw it nor its
 * neighbours, at the cost of `folds` x groups fits.
 */
export function crossFitScores(groups: SpeedGroup[], options: SpeedDetectorOptions, score: (fold: SpeedDetector, g: SpeedGroup) => Float64Array, folds = CROSS_FIT_FOLDS): Float64Array[] {
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const list: Fold[] = [];
  groups.forEach((g, group) => {
    const n = g.rows.length;
    for (let f = 0; f < folds; f++) {
      const from = Math.round((f * n) / folds);
      const to = Math.round(((f + 1) * n) / folds);
      if (to <= from) continue;
      list.push({
        out: (gi, k) => gi === group && k >= from - warmup && k < to + warmup,
        scored: [{ group, from, to }],
        tooFew: (rpm) => `the ${rpm} rpm recording has ${n} windows, too few to set a cross-fitted threshold (each of its ${folds} folds must leave 2 settled windows at that speed); record longer or add a recording at ${rpm} rpm`,
      });
    }
  });
  return scoreFolds(groups, options, score, list);
}

/** The recording a group belongs to: its `recording`, or the group itself when it has none. */
const recordingOf = (g: SpeedGroup, index: number): string => g.recording ?? `#${index}`;

/**
 * Out-of-recording scores for the leave-one-recording-out threshold: every recording (the groups
 * that share a `recording`; a group without one is its own) is scored, all its windows, by a
 * detector fitted on every settled window of the other recordings. Each score thus carries the
 * shift from one recording to the next, which windows of the same recording cannot show. Needs
 * two recordings at least at every speed; says which speed has one otherwise.
 */
export function leaveOneRecordingOutScores(groups: SpeedGroup[], options: SpeedDetectorOptions, score: (fold: SpeedDetector, g: SpeedGroup) => Float64Array): Float64Array[] {
  const recs = groups.map(recordingOf);
  const perSpeed = new Map<number, Set<string>>();
  groups.forEach((g, i) => perSpeed.set(g.rpm, (perSpeed.get(g.rpm) ?? new Set()).add(recs[i])));
  const folds: Fold[] = [...new Set(recs)].map((r) => ({
    out: (gi) => recs[gi] === r,
    scored: groups.flatMap((g, group) => (recs[group] === r ? [{ group, from: 0, to: g.rows.length }] : [])),
    tooFew: (rpm) => `a threshold from recordings left out needs two healthy recordings at every trained speed; ${rpm} rpm has ${perSpeed.get(rpm)!.size === 1 ? `one (${r.startsWith('#') ? 'unnamed' : r})` : 'too few windows outside ' + r}`,
  }));
  return scoreFolds(groups, options, score, folds);
}

/**
 * Whether every speed of these groups has two recordings at least with 2 settled windows each (the
 * leave-one-recording-out threshold can run: each recording left out leaves another to fit that
 * speed's knot).
 */
export function twoRecordingsPerSpeed(groups: SpeedGroup[], options: Pick<SpeedDetectorOptions, 'smoothing' | 'warmup'> = {}): boolean {
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const windows = new Map<string, { rpm: number; n: number }>();
  groups.forEach((g, i) => {
    const age = windowsSinceRestart(g.rows.length, g.segmentStarts);
    const key = `${g.rpm}\u0000${recordingOf(g, i)}`;
    const had = windows.get(key) ?? { rpm: g.rpm, n: 0 };
    windows.set(key, { rpm: g.rpm, n: had.n + age.filter((a) => a >= warmup).length });
  });
  const perSpeed = new Map<number, number>();
  for (const { rpm, n } of windows.values()) if (n >= 2) perSpeed.set(rpm, (perSpeed.get(rpm) ?? 0) + 1);
  return groups.every((g) => (perSpeed.get(g.rpm) ?? 0) >= 2);
}

/**
 * Fits on healthy recordings at one or more speeds (one group per recording stretch). The threshold
 * never comes from a score of a window the scoring model trained on: with 'leave-one-recording-out'
 * (the default where every speed has two recordings) the model trains on `train` and `validation`
 * together and the threshold comes from each recording's scores by a model of the other
 * recordings; with 'separate' (the default otherwise) the model trains on `train` and the threshold
 * comes from its scores of `validation`; 'cross-fit' is measured beside them (docs/detection.md §3.3).
 */
export function fitSpeedDetector(train: SpeedGroup[], validation: SpeedGroup[], options: SpeedDetectorOptions = {}): SpeedDetector {
  const smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const spanTolerance = options.spanTolerance ?? DEFAULT_SPAN_TOLERANCE;
  const scheme = options.validation ?? (twoRecordingsPerSpeed([...train, ...validation], options) ? 'leave-one-recording-out' : 'separate');
  if (scheme !== 'cross-fit' && scheme !== 'separate' && scheme !== 'leave-one-recording-out') throw new RangeError(`validation ${String(scheme)} is none of 'separate', 'cross-fit', 'leave-one-recording-out'`);
  const pooled = scheme !== 'separate';
  if (train.length === 0) throw new RangeError('the speed-aware detector needs healthy training windows at one speed at least');
  if (validation.length === 0) throw new RangeError('the speed-aware detector needs healthy validation windows to set its threshold');
  const dim = train[0].rows[0]?.length ?? 0;
  const bySpeed = new Map<number, Float64Array[]>();
  // Training groups must each have settled windows; validation groups pooled into training add
  // what they have (a short validation stretch has none after the warm-up, as under 'separate').
  for (const [g, required] of [...train.map((g) => [g, true] as const), ...(pooled ? validation.map((g) => [g, false] as const) : [])]) {
    if (!(g.rpm > 0)) throw new RangeError(`training speed ${g.rpm} rpm is not a positive number`);
    const rows = settled(g, smoothing, warmup, required);
    if (rows.length) bySpeed.set(g.rpm, [...(bySpeed.get(g.rpm) ?? []), ...rows]);
  }
  const partial = { dim, smoothing, warmup, spanTolerance, ...fitCore(bySpeed, dim, options) };
  for (const g of validation) if (!bracket(partial, g.rpm)) throw new RangeError(`validation speed ${g.rpm} rpm is outside the trained span`);
  const all = [...train, ...validation];
  const scored = pooled
    ? (scheme === 'cross-fit' ? crossFitScores : leaveOneRecordingOutScores)(all, options, scoreGroup).map((scores, i) => ({ scores, segmentStarts: all[i].segmentStarts }))
    : validation.map((g) => ({ scores: scoreGroup({ ...partial, threshold: null as unknown as ToleranceThresholdChoice }, g), segmentStarts: g.segmentStarts }));
  const threshold = validationThreshold(scored, smoothing, warmup, options.targetRate ?? 0.001, options.thresholdConfidence ?? DEFAULT_THRESHOLD_CONFIDENCE, options.thresholdRule);
  return { ...partial, threshold, validation: scheme };
}

/** Validation blocks are this many EMA time constants (1 / smoothing windows) long. */
export const THRESHOLD_BLOCK_TIME_CONSTANTS = 10;

/**
 * The settled validation scores cut into blocks for the threshold (blockToleranceThreshold): every
 * contiguous stretch (a recording, or the windows between restarts) after the warm-up is cut into
 * floor(length / L) blocks of near-equal length, at least one, L = 10 / smoothing windows (40 at the
 * default 0.25): long enough that neighbouring block means of the EMA's AR(1) scores are nearly
 * uncorrelated (about 5 %), short enough to show drift within a recording. A block's effective
 * count: its first window 1 if it starts a stretch (else smoothing / (2 - smoothing), it continues
 * the EMA), every later one smoothing / (2 - smoothing) (an EMA of weight a is an AR(1) with
 * rho = 1 - a); the counts add up to the stretch's effective count.
 */
export function validationBlocks(groups: { scores: ArrayLike<number>; segmentStarts?: number[] }[], smoothing: number, warmup: number): ScoreBlock[] {
  const perWindow = smoothing / (2 - smoothing);
  const length = Math.ceil(THRESHOLD_BLOCK_TIME_CONSTANTS / smoothing);
  const blocks: ScoreBlock[] = [];
  for (const g of groups) {
    const age = windowsSinceRestart(g.scores.length, g.segmentStarts);
    let i = 0;
    while (i < g.scores.length) {
      if (age[i] < warmup) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < g.scores.length && age[end] > age[end - 1]) end++;
      const count = Math.max(1, Math.floor((end - i) / length));
      for (let b = 0; b < count; b++) {
        const from = i + Math.round((b * (end - i)) / count);
        const to = i + Math.round(((b + 1) * (end - i)) / count);
        const scores = Array.from({ length: to - from }, (_, j) => g.scores[from + j]);
        blocks.push({ scores, effective: (b === 0 ? 1 : perWindow) + (to - from - 1) * perWindow });
      }
      i = end;
    }
  }
  return blocks;
}

/**
 * The threshold rule on given validation scores (the laptop's and the node form's, speedNode.ts):
 * 'homogeneous' = toleranceThreshold on every settled window with the EMA's effective window count;
 * 'blocks' = blockToleranceThreshold on validationBlocks.
 */
export function validationThreshold(
  groups: { scores: ArrayLike<number>; segmentStarts?: number[] }[],
  smoothing: number,
  warmup: number,
  targetRate: number,
  confidence: number,
  rule: ThresholdRule = 'blocks',
): ToleranceThresholdChoice | BlockToleranceThresholdChoice {
  if (rule === 'blocks') return blockToleranceThreshold(validationBlocks(groups, smoothing, warmup), targetRate, confidence);
  if (rule !== 'homogeneous') throw new RangeError(`threshold rule ${String(rule)} is neither 'homogeneous' nor 'blocks'`);
  const vals: number[] = [];
  // Smoothed scores are correlated: after a restart the first is new, and each later one adds
  // about a / (2 - a) of an independent value (an EMA of weight a is an AR(1) with rho = 1 - a).
  let effective = 0;
  const perWindow = smoothing / (2 - smoothing);
  for (const g of groups) {
    const age = windowsSinceRestart(g.scores.length, g.segmentStarts);
    for (let i = 0; i < g.scores.length; i++)
      if (age[i] >= warmup) {
        effective += vals.length > 0 && age[i] > warmup && age[i - 1] >= warmup ? perWindow : 1;
        vals.push(g.scores[i]);
      }
  }
  return toleranceThreshold(vals, targetRate, effective, confidence);
}

/**
 * Scores consecutive windows of one recording at a known speed (NaN outside the trained span).
 * Scores within `warmup` windows of a restart are computed on an EMA that has not settled;
 * callers may skip them (windowsSinceRestart).
 */
export function scoreGroup(det: SpeedDetector, g: SpeedGroup): Float64Array {
  const mean = expectedMean(det, g.rpm);
  const model = modelAt(det, g.rpm);
  if (!mean || !model) return new Float64Array(g.rows.length).fill(NaN);
  const tmp = new Float64Array(det.dim);
  const r = new Float64Array(det.dim);
  return Float64Array.from(smoothRows(g.rows, det.smoothing, g.segmentStarts), (y) => {
    for (let i = 0; i < det.dim; i++) r[i] = y[i] - mean[i] + det.within.mean[i];
    return mahalanobisScore(model, r, tmp);
  });
}

/** What the node shows for a window: the condition test first, then the score. */
export function windowState(det: SpeedDetector, rpm: number, score: number): WindowState {
  if (!bracket(det, rpm)) return 'unseen-condition';
  return score > det.threshold.threshold ? 'fault' : 'healthy';
}
