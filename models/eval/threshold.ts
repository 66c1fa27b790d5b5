/**
 * Choosing the alarm threshold from validation data only, and what a threshold means in alarms
 * per day once the node's k-of-n debounce is applied.
 *
 * A target per-window false-alarm rate p (0.1 % by default) asks for the (1 - p) quantile of the
 * normal score distribution, further out in the tail than a few hundred validation windows can
 * show. The threshold is therefore the larger of
 *   - the (1 - p) quantile of a log-normal fitted to the validation scores (log-scores are close
 *     to Gaussian for squared-error scores of normal windows), and
 *   - the largest validation score (the empirical tail never argues for less),
 * so it is never below what the validation data itself shows.
 */

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability ${p} must be in (0, 1)`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export interface ThresholdChoice {
  threshold: number;
  /** The log-normal tail estimate and the largest validation score it was compared with. */
  lognormal: number;
  maxValidation: number;
  targetRate: number;
  windows: number;
}

/**
 * Threshold for a target per-window false-alarm rate from validation scores (higher = more
 * anomalous, all >= 0). `floor` replaces zero scores before taking logs (0.5 for integer sumsq).
 */
export function chooseThreshold(validation: ArrayLike<number>, targetRate = 0.001, floor = 1e-12): ThresholdChoice {
  const n = validation.length;
  if (n < 2) throw new RangeError(`a threshold needs at least 2 validation windows, got ${n}`);
  if (!(targetRate > 0 && targetRate < 1)) throw new RangeError(`target false-alarm rate ${targetRate} must be in (0, 1)`);
  let m = 0;
  let s2 = 0;
  let maxV = -Infinity;
  const logs = Float64Array.from(validation, (v) => Math.log(Math.max(v, floor)));
  for (const l of logs) m += l;
  m /= n;
  for (const l of logs) s2 += (l - m) ** 2;
  const sd = Math.sqrt(s2 / (n - 1));
  for (let i = 0; i < n; i++) maxV = Math.max(maxV, validation[i]);
  const lognormal = Math.exp(m + normalQuantile(1 - targetRate) * sd);
  return { threshold: Math.max(lognormal, maxV), lognormal, maxValidation: maxV, targetRate, windows: n };
}

export interface ToleranceThresholdChoice extends ThresholdChoice {
  /** Effective number of independent validation windows the bound was computed with. */
  effectiveWindows: number;
  /** The one-sided tolerance factor k (threshold = exp(mean + k sd) of the log scores); NaN when too few windows gave chooseThreshold's rule instead. */
  k: number;
  confidence: number;
}

/**
 * One-sided normal tolerance factor: with n independent samples, mean + k sd exceeds the (1 - p)
 * quantile of the population with probability `confidence` (Natrella's approximation,
 * NIST/SEMATECH e-Handbook 7.2.6.3): k = (z_p + sqrt(z_p^2 - a b)) / a with
 * a = 1 - z_g^2 / (2 f), b = z_p^2 - z_g^2 / n, f = n - 1 for one sample. The same derivation
 * (mean + k sd taken as normal, the mean with variance sigma^2 / n, the sd with sigma^2 / (2 f))
 * holds when the mean's effective sample size n and the variance's degrees of freedom f differ,
 * as in the one-way random-effects bound below.
 */
export function toleranceFactor(n: number, targetRate: number, confidence: number, degreesOfFreedom = n - 1): number {
  const zp = normalQuantile(1 - targetRate);
  const zg = normalQuantile(confidence);
  const a = 1 - zg * zg / (2 * degreesOfFreedom);
  if (!(n > 2 && a > 0)) throw new RangeError(`a tolerance bound needs more than ${Math.ceil(1 + zg * zg / 2)} independent windows, got ${n.toFixed(1)}`);
  const b = zp * zp - zg * zg / n;
  return (zp + Math.sqrt(zp * zp - a * b)) / a;
}

/**
 * Threshold for a target per-window rate from validation scores, not set by any single window:
 * a log-normal fitted to the scores (mean and sd of their logs), and instead of the (1 - p)
 * quantile's point estimate its upper one-sided tolerance bound at `confidence` (0.95), computed
 * with the effective number of independent windows (at most their count: smoothed scores are
 * correlated, so 500 windows are not 500 samples). The largest validation score is reported but
 * does not set the threshold: one transient in the validation stretch would.
 */
export function toleranceThreshold(validation: ArrayLike<number>, targetRate = 0.001, effectiveWindows = validation.length, confidence = 0.95, floor = 1e-12): ToleranceThresholdChoice {
  const base = chooseThreshold(validation, targetRate, floor);
  const n = validation.length;
  const logs = Float64Array.from(validation, (v) => Math.log(Math.max(v, floor)));
  let m = 0;
  for (const l of logs) m += l / n;
  let s2 = 0;
  for (const l of logs) s2 += (l - m) ** 2;
  const sd = Math.sqrt(s2 / (n - 1));
  const nEff = Math.min(n, effectiveWindows);
  // Too few independent windows for a bound (fewer than about 4): the point estimate or the largest
  // validation score, whichever is larger (chooseThreshold), is all the data can say.
  if (!(nEff > 1 + normalQuantile(confidence) ** 2 / 2 + 1)) return { ...base, effectiveWindows: nEff, k: NaN, confidence };
  const k = toleranceFactor(nEff, targetRate, confidence);
  return { ...base, threshold: Math.exp(m + k * sd), effectiveWindows: nEff, k, confidence };
}

/** A contiguous block of validation scores and its effective number of independent windows. */
export interface ScoreBlock {
  scores: ArrayLike<number>;
  effective: number;
}

export interface BlockToleranceThresholdChoice extends ToleranceThresholdChoice {
  /** The bound with every window one homogeneous sample (toleranceThreshold); the threshold is never below it. */
  homogeneous: number;
  blocks: number;
  /** Estimated between-block share of the log scores' variance (intraclass correlation; 0 = the homogeneous bound). */
  betweenShare: number;
  /** Satterthwaite degrees of freedom of the total variance (NaN when the homogeneous bound applies). */
  degreesOfFreedom: number;
}

/**
 * Threshold from validation scores in blocks (contiguous stretches of a fixed length, never across
 * a recording or a restart), allowing for slow drift: the log scores follow a one-way
 * random-effects model y = mu + a_block + e, a ~ N(0, s_a^2), e ~ N(0, s_e^2), and a new window's
 * log score is N(mu, s_a^2 + s_e^2). The upper `confidence` tolerance bound of that distribution's
 * (1 - p) quantile is mean + k sd with
 *   - the ANOVA estimates with effective counts n_g (smoothed windows are correlated):
 *     MSW = within-block sum of squares / (windows - blocks), MSB = sum n_g (mean_g - mean)^2 / (G - 1),
 *     n0 = (N - sum n_g^2 / N) / (G - 1), s_a^2 = (MSB - MSW) / n0, sd^2 = s_a^2 + MSW;
 *   - Satterthwaite's degrees of freedom for sd^2 = MSB / n0 + (1 - 1/n0) MSW (between df G - 1,
 *     within df N - G);
 *   - the mean's effective sample size N* = sd^2 / var(mean), var(mean) = s_a^2 sum n_g^2 / N^2 + MSW / N
 *     (balanced: G n / (1 + (n - 1) rho), Mee & Owen 1983);
 *   - k from toleranceFactor(N*, p, confidence, f).
 * When MSB <= MSW (no between-block variance estimated) it is the homogeneous bound; otherwise the
 * larger of the two. With too few degrees of freedom for a bound (f <= 1 + z_g^2 / 2, two blocks far
 * apart) it is the largest of the homogeneous bound, the point estimate exp(mean + z_p sd) and the
 * largest validation score.
 */
export function blockToleranceThreshold(blocks: ScoreBlock[], targetRate = 0.001, confidence = 0.95, floor = 1e-12): BlockToleranceThresholdChoice {
  const all: number[] = [];
  let N = 0;
  for (const b of blocks) {
    for (let i = 0; i < b.scores.length; i++) all.push(b.scores[i]);
    N += b.effective;
  }
  const base = toleranceThreshold(all, targetRate, N, confidence, floor);
  const used = blocks.filter((b) => b.scores.length > 0);
  const G = used.length;
  const homogeneous: BlockToleranceThresholdChoice = { ...base, homogeneous: base.threshold, blocks: G, betweenShare: 0, degreesOfFreedom: NaN };
  const windows = all.length;
  const fw = N - G;
  if (G < 2 || !(fw > 0) || windows <= G) return homogeneous;
  const means: number[] = [];
  let ssw = 0;
  for (const b of used) {
    const logs = Float64Array.from(b.scores, (v) => Math.log(Math.max(v, floor)));
    const m = logs.reduce((s, l) => s + l, 0) / logs.length;
    for (const l of logs) ssw += (l - m) ** 2;
    means.push(m);
  }
  const msw = ssw / (windows - G);
  const mean = used.reduce((s, b, g) => s + b.effective * means[g], 0) / N;
  const msb = used.reduce((s, b, g) => s + b.effective * (means[g] - mean) ** 2, 0) / (G - 1);
  if (!(msb > msw)) return homogeneous;
  const sumSq = used.reduce((s, b) => s + b.effective * b.effective, 0);
  const n0 = (N - sumSq / N) / (G - 1);
  const between = (msb - msw) / n0;
  const total = between + msw;
  const f = total ** 2 / ((msb / n0) ** 2 / (G - 1) + ((1 - 1 / n0) * msw) ** 2 / fw);
  const nMean = total / (between * sumSq / (N * N) + msw / N);
  const sd = Math.sqrt(total);
  const zg = normalQuantile(confidence);
  const out = { ...base, homogeneous: base.threshold, blocks: G, betweenShare: between / total, degreesOfFreedom: f };
  if (!(f > 1 + zg * zg / 2 && nMean > 2)) {
    const point = Math.exp(mean + normalQuantile(1 - targetRate) * sd);
    return { ...out, threshold: Math.max(base.threshold, point, base.maxValidation), effectiveWindows: nMean, k: NaN };
  }
  const k = toleranceFactor(nMean, targetRate, confidence, f);
  const bound = Math.exp(mean + k * sd);
  return bound > base.threshold ? { ...out, threshold: bound, effectiveWindows: nMean, k } : out;
}

/**
 * Probability that a given window starts an alarm under k-of-n debounce when windows are over
 * the threshold independently with probability p: the window entering must be over, the window
 * leaving must not have been, and exactly k-1 of the n-1 in between are over:
 * (1 - p) * C(n-1, k-1) p^(k-1) (1 - p)^(n-k) * p.
 */
export function alarmOnsetProbability(p: number, k: number, n: number): number {
  if (!(k >= 1 && n >= k)) throw new RangeError(`debounce ${k} of ${n}`);
  if (n === 1) return p * (1 - p);
  return (1 - p) * binom(n - 1, k - 1) * p ** (k - 1) * (1 - p) ** (n - k) * p;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

export const windowsPerDay = (sampleRateHz: number, hop: number): number => (86400 * sampleRateHz) / hop;

/** Expected alarms per day for a per-window over-threshold rate p (independent windows). */
export function alarmsPerDay(p: number, k: number, n: number, sampleRateHz: number, hop: number): number {
  return alarmOnsetProbability(p, k, n) * windowsPerDay(sampleRateHz, hop);
}

/** The per-window rate p that gives `target` alarms per day (bisection on a monotone function for p <= k/n). */
export function rateForAlarmsPerDay(target: number, k: number, n: number, sampleRateHz: number, hop: number): number {
  if (!(target > 0)) throw new RangeError('target alarms per day must be > 0');
  let lo = 0;
  let hi = Math.min(0.5, k / n);
  if (alarmsPerDay(hi, k, n, sampleRateHz, hop) <= target) return hi;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (alarmsPerDay(mid, k, n, sampleRateHz, hop) > target) hi = mid;
    else lo = mid;
  }
  return lo;
}

/** Replays k-of-n debounce over a sequence of over/not-over flags; returns the alarm onset indices. */
export function debounceAlarms(over: ArrayLike<boolean | number>, k: number, n: number): number[] {
  const onsets: number[] = [];
  const ring = new Uint8Array(n);
  let count = 0;
  let active = false;
  for (let i = 0; i < over.length; i++) {
    const slot = i % n;
    count -= ring[slot];
    ring[slot] = over[i] ? 1 : 0;
    count += ring[slot];
    const now = count >= k;
    if (now && !active) onsets.push(i);
    active = now;
  }
  return onsets;
}
