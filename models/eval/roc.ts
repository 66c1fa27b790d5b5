/**
 * ROC AUC as the Mann-Whitney statistic with midranks: the probability that an anomalous window
 * scores higher than a normal one, ties counting one half. Scores: higher = more anomalous.
 */

export function rocAuc(normal: ArrayLike<number>, anomalous: ArrayLike<number>): number {
  const n0 = normal.length;
  const n1 = anomalous.length;
  if (n0 === 0 || n1 === 0) return NaN;
  const all = new Float64Array(n0 + n1);
  const isAnom = new Uint8Array(n0 + n1);
  for (let i = 0; i < n0; i++) all[i] = normal[i];
  for (let i = 0; i < n1; i++) {
    all[n0 + i] = anomalous[i];
    isAnom[n0 + i] = 1;
  }
  if (all.some((x) => Number.isNaN(x))) throw new RangeError('scores must not be NaN');
  const order = Array.from(all.keys()).sort((a, b) => all[a] - all[b]);
  let rankSumAnom = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && all[order[j + 1]] === all[order[i]]) j++;
    const mid = (i + j) / 2 + 1; // 1-based midrank
    for (let k = i; k <= j; k++) if (isAnom[order[k]]) rankSumAnom += mid;
    i = j + 1;
  }
  return (rankSumAnom - (n1 * (n1 + 1)) / 2) / (n0 * n1);
}

/** Fraction of scores strictly over the threshold. */
export function rateOver(scores: ArrayLike<number>, threshold: number): number {
  if (scores.length === 0) return NaN;
  let c = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold) c++;
  return c / scores.length;
}

/** ROC points (false-positive rate, true-positive rate) at every distinct threshold, for a plot. */
export function rocCurve(normal: ArrayLike<number>, anomalous: ArrayLike<number>): { fpr: number[]; tpr: number[] } {
  const ts = Array.from(new Set([...Array.from(normal), ...Array.from(anomalous)])).sort((a, b) => b - a);
  const fpr = [0];
  const tpr = [0];
  for (const t of ts) {
    fpr.push(rateOver(normal, t - Number.EPSILON * Math.abs(t) - Number.MIN_VALUE));
    tpr.push(rateOver(anomalous, t - Number.EPSILON * Math.abs(t) - Number.MIN_VALUE));
  }
  return { fpr, tpr };
}

export function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
