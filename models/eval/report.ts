/**
 * The evaluation a technician sees before anything is pushed: on held-out normal windows and on
 * every labelled anomaly, for the new autoencoder (float and int8), the model the node runs now,
 * and three plain baselines on the same windows (RMS threshold, Mahalanobis distance on the same
 * log band energies, an Edge-Impulse-style k-means anomaly score on them). Thresholds come from training/validation data only; the held-out figures are
 * what those thresholds actually give.
 */
import type { FeatureSpec } from '../features/spec';
import { floatScores } from '../nn/float';
import { int8SumsqBatch, sumsqToScore } from '../nn/int8';
import { featureSpecHash } from '../nn/specHash';
import { equalBytes } from '../crypto/sha256';
import type { FloatAutoencoder, Int8Autoencoder } from '../nn/types';
import { fitKMeans, kmeansScores } from './kmeans';
import { fitMahalanobis, mahalanobisScores } from './mahalanobis';
import { quantile, rateOver, rocAuc } from './roc';
import { alarmsPerDay, chooseThreshold, normalQuantile } from './threshold';
import type { PerRecordingReport } from './perRecording';
import { inEnglish, msg, numOf, type Msg } from '../i18n/msg';

/** The windows of one evaluation (see models/train/dataset.ts for how they are split). */
export interface EvalData {
  spec: FeatureSpec;
  train: { rows: Float32Array[]; rms: ArrayLike<number> };
  val: { rows: Float32Array[]; rms: ArrayLike<number> };
  testNormal: { rows: Float32Array[]; rms: ArrayLike<number> };
  anomalies: Map<string, { rows: Float32Array[]; rms: ArrayLike<number> }>;
}

export interface EvalOptions {
  /** Target per-window false-alarm rate for the thresholds chosen here (default 0.001). */
  targetRate?: number;
  debounceK?: number;
  debounceN?: number;
  /** Keep every score in the report (for plots). Default true. */
  keepScores?: boolean;
}

export type DetectorId = 'float' | 'int8' | 'current' | 'rms' | 'mahalanobis' | 'kmeans';

export interface DetectorEval {
  id: DetectorId;
  name: string;
  /** Where its threshold came from. */
  thresholdSource: string;
  /** Score units of this detector (for display). */
  threshold: number;
  auc: Record<string, number>;
  aucMin: number;
  /** Fraction of held-out normal windows over the threshold (before debounce). */
  falseAlarmRate: number;
  /** Fraction of each label's windows over the threshold (before debounce). */
  detectionRate: Record<string, number>;
  detectionMin: number;
  /** Expected alarms per day at the node's window rate with k-of-n debounce, from falseAlarmRate (independent windows). */
  falseAlarmsPerDay: number;
  scores?: { val: number[]; testNormal: number[]; anomalies: Record<string, number[]> };
  /** Set when the detector could not be evaluated on these windows (e.g. built for other features). */
  unavailable?: string;
  /**
   * The name, threshold source and unavailable reason above (which stay English, for the CLI) as
   * catalogue keys (verdict.detector.*), for a screen in any language. Absent in reports made
   * before it was added.
   */
  say?: DetectorSay;
}

export interface DetectorSay {
  name: Msg;
  /** Null when the detector was not evaluated. */
  thresholdSource: Msg | null;
  unavailable?: Msg;
}

export interface EvaluationReport {
  windows: Record<string, number>;
  targetRate: number;
  debounce: { k: number; n: number };
  windowsPerSecond: number;
  detectors: DetectorEval[];
  /** Per held-out recording and operating condition (models/eval/perRecording.ts), when computed. */
  perRecording?: PerRecordingReport;
}

interface Scorer {
  id: DetectorId;
  name: Msg;
  score: (set: { rows: Float32Array[]; rms: ArrayLike<number> }) => ArrayLike<number>;
  /** A fixed threshold (the one a model file carries), else chosen from validation. */
  fixedThreshold?: { value: number; source: Msg; toDisplay?: (t: number) => number };
  floor?: number;
  toDisplay?: (s: number) => number;
  /** For scores that may be 0 or negative: a threshold from validation other than the log-normal fit. */
  pickThreshold?: { choose: (val: ArrayLike<number>, targetRate: number) => number; source: Msg };
}

function evalScorer(s: Scorer, data: EvalData, o: Required<EvalOptions>): DetectorEval {
  const val = s.score(data.val);
  const test = s.score(data.testNormal);
  let threshold: number;
  let thresholdSource: Msg;
  const pct = numOf(o.targetRate * 100, 2);
  if (s.fixedThreshold) {
    threshold = s.fixedThreshold.value;
    thresholdSource = s.fixedThreshold.source;
  } else if (s.pickThreshold) {
    threshold = s.pickThreshold.choose(val, o.targetRate);
    thresholdSource = msg('verdict.detector.threshold.validationHow', { pct, how: s.pickThreshold.source });
  } else {
    threshold = chooseThreshold(val, o.targetRate, s.floor ?? 1e-12).threshold;
    thresholdSource = msg('verdict.detector.threshold.validation', { pct });
  }
  const auc: Record<string, number> = {};
  const det: Record<string, number> = {};
  const anomScores: Record<string, number[]> = {};
  for (const [label, set] of data.anomalies) {
    const a = s.score(set);
    auc[label] = rocAuc(test, a);
    det[label] = rateOver(a, threshold);
    if (o.keepScores) anomScores[label] = Array.from(a, s.toDisplay ?? ((x) => x));
  }
  const far = rateOver(test, threshold);
  const disp = s.toDisplay ?? ((x: number) => x);
  return {
    id: s.id,
    name: inEnglish(s.name),
    thresholdSource: inEnglish(thresholdSource),
    threshold: disp(threshold),
    auc,
    aucMin: minOf(Object.values(auc)),
    falseAlarmRate: far,
    detectionRate: det,
    detectionMin: minOf(Object.values(det)),
    falseAlarmsPerDay: alarmsPerDay(far, o.debounceK, o.debounceN, data.spec.sampleRateHz, data.spec.hop),
    scores: o.keepScores ? { val: Array.from(val, disp), testNormal: Array.from(test, disp), anomalies: anomScores } : undefined,
    say: { name: s.name, thresholdSource },
  };
}

const minOf = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);

/** Why a model cannot be used on these features (another spec hash or input width), or null when it can. */
export function incompatibility(model: { spec: FeatureSpec; axes: number[] }, spec: FeatureSpec, inputDim: number): Msg | null {
  if (!equalBytes(featureSpecHash(model.spec), featureSpecHash(spec))) return msg('verdict.detector.unavailable.otherFeatures');
  const d = model.axes.length * (model.spec.bandEdges.length - 1);
  if (d !== inputDim) return msg('verdict.detector.unavailable.otherAxes', { axes: numOf(model.axes.length), inputs: numOf(d), have: numOf(inputDim) });
  return null;
}

/** Whether a model was built for these features (same spec hash and input width): null, or why not in English. */
export function compatible(model: { spec: FeatureSpec; axes: number[] }, spec: FeatureSpec, inputDim: number): string | null {
  const why = incompatibility(model, spec, inputDim);
  return why && inEnglish(why);
}

export interface Candidates {
  float?: FloatAutoencoder;
  int8?: Int8Autoencoder;
  /** The model the node runs now (its own threshold), if known. */
  current?: Int8Autoencoder;
}

export function evaluate(data: EvalData, c: Candidates, options: EvalOptions = {}): EvaluationReport {
  const o: Required<EvalOptions> = { targetRate: 0.001, debounceK: 3, debounceN: 5, keepScores: true, ...options };
  const d = data.train.rows[0]?.length ?? data.testNormal.rows[0]?.length ?? 0;
  const scorers: (Scorer | DetectorEval)[] = [];
  if (c.float) {
    const m = c.float;
    scorers.push({ id: 'float', name: msg('verdict.detector.name.float'), score: (s) => floatScores(m, s.rows) });
  }
  const int8Scorer = (id: DetectorId, name: Msg, m: Int8Autoencoder, source: Msg): Scorer | DetectorEval => {
    const why = incompatibility(m, data.spec, d);
    if (why) return unavailable(id, name, why);
    return {
      id,
      name,
      score: (s) => int8SumsqBatch(m, s.rows),
      fixedThreshold: { value: m.detector.thresholdSumsq, source },
      toDisplay: (x) => sumsqToScore(m, x),
    };
  };
  if (c.int8) scorers.push(int8Scorer('int8', msg('verdict.detector.name.int8'), c.int8, msg('verdict.detector.threshold.stored')));
  if (c.current) scorers.push(int8Scorer('current', msg('verdict.detector.name.current', { version: String(c.current.modelVersion) }), c.current, msg('verdict.detector.threshold.nodeOwn')));
  scorers.push({ id: 'rms', name: msg('verdict.detector.name.rms'), score: (s) => s.rms });
  if (data.train.rows.length >= 2) {
    const maha = fitMahalanobis(data.train.rows);
    scorers.push({ id: 'mahalanobis', name: msg('verdict.detector.name.mahalanobis'), score: (s) => mahalanobisScores(maha, s.rows) });
    const km = fitKMeans(data.train.rows, { k: KMEANS_K, seed: KMEANS_SEED });
    scorers.push({
      id: 'kmeans',
      name: msg('verdict.detector.name.kmeans', { k: String(km.k) }),
      score: (s) => kmeansScores(km, s.rows),
      pickThreshold: { choose: normalThreshold, source: msg('verdict.detector.threshold.normalFit') },
    });
  }
  const windows: Record<string, number> = { train: data.train.rows.length, validation: data.val.rows.length, normal_test: data.testNormal.rows.length };
  for (const [label, set] of data.anomalies) windows[label] = set.rows.length;
  return {
    windows,
    targetRate: o.targetRate,
    debounce: { k: o.debounceK, n: o.debounceN },
    windowsPerSecond: data.spec.sampleRateHz / data.spec.hop,
    detectors: scorers.map((s) => ('score' in s ? evalScorer(s, data, o) : s)),
  };
}

/** Edge Impulse's default cluster count, and a fixed seed so an evaluation repeats exactly. */
export const KMEANS_K = 32;
export const KMEANS_SEED = 1;

/**
 * A threshold for scores that may be negative (the k-means score): mean + z(1 - rate) x sd of the
 * validation scores, and never below the largest of them (as chooseThreshold does for the others).
 */
export function normalThreshold(val: ArrayLike<number>, targetRate: number): number {
  const n = val.length;
  if (n < 2) throw new RangeError(`a threshold needs at least 2 validation windows, got ${n}`);
  let m = 0;
  let maxV = -Infinity;
  for (let i = 0; i < n; i++) {
    m += val[i];
    maxV = Math.max(maxV, val[i]);
  }
  m /= n;
  let s2 = 0;
  for (let i = 0; i < n; i++) s2 += (val[i] - m) ** 2;
  return Math.max(m + normalQuantile(1 - targetRate) * Math.sqrt(s2 / (n - 1)), maxV);
}

function unavailable(id: DetectorId, name: Msg, why: Msg): DetectorEval {
  return {
    id,
    name: inEnglish(name),
    thresholdSource: '',
    threshold: NaN,
    auc: {},
    aucMin: NaN,
    falseAlarmRate: NaN,
    detectionRate: {},
    detectionMin: NaN,
    falseAlarmsPerDay: NaN,
    unavailable: inEnglish(why),
    say: { name, thresholdSource: null, unavailable: why },
  };
}

/** A coarse histogram of scores on shared log-spaced bins (for the score-distribution plot). */
export function logHistogram(groups: Record<string, ArrayLike<number>>, bins = 40): { edges: number[]; counts: Record<string, number[]> } {
  const all = Object.values(groups).flatMap((g) => Array.from(g)).filter((x) => x > 0 && Number.isFinite(x));
  if (all.length === 0) return { edges: [], counts: {} };
  const lo = Math.log10(quantile(all, 0) || 1e-12);
  const hi = Math.log10(quantile(all, 1));
  const span = hi > lo ? hi - lo : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => 10 ** (lo + (span * i) / bins));
  const counts: Record<string, number[]> = {};
  for (const [k, g] of Object.entries(groups)) {
    const c = new Array(bins).fill(0);
    for (let i = 0; i < g.length; i++) {
      const x = g[i];
      if (!(x > 0)) continue;
      const b = Math.min(bins - 1, Math.max(0, Math.floor(((Math.log10(x) - lo) / span) * bins)));
      c[b]++;
    }
    counts[k] = c;
  }
  return { edges, counts };
}

/** The summary the CLI prints and the registry keeps (the CLI's published JSON, snake_case keys). */
export interface CliSummary {
  auc: Record<string, number> | null;
  auc_int8: Record<string, number> | null;
  auc_min: number | null;
  auc_int8_min: number | null;
  threshold: number | null;
  threshold_sumsq?: number;
  false_alarm_rate: number | null;
  detection_rate: Record<string, number> | null;
  false_alarms_per_day: number | null;
  baselines: Record<'rms' | 'mahalanobis' | 'kmeans', { auc_min: number | null; false_alarm_rate: number | null; detection_rate_min: number | null }>;
  float: { threshold: number; false_alarm_rate: number; detection_rate_min: number } | null;
  windows: Record<string, number>;
}

const nul = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : x);

export function summarize(r: EvaluationReport, thresholdSumsq?: number): CliSummary {
  const by = (id: DetectorId) => r.detectors.find((d) => d.id === id && !d.unavailable);
  const f = by('float');
  const q = by('int8');
  const base = (id: DetectorId) => {
    const d = by(id);
    return { auc_min: nul(d?.aucMin), false_alarm_rate: nul(d?.falseAlarmRate), detection_rate_min: nul(d?.detectionMin) };
  };
  const windows: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.windows)) if (k !== 'train' && k !== 'validation') windows[k] = v;
  return {
    auc: f ? f.auc : null,
    auc_int8: q ? q.auc : null,
    auc_min: nul(f?.aucMin),
    auc_int8_min: nul(q?.aucMin),
    threshold: nul(q?.threshold),
    ...(thresholdSumsq !== undefined ? { threshold_sumsq: thresholdSumsq } : {}),
    false_alarm_rate: nul(q?.falseAlarmRate),
    detection_rate: q ? q.detectionRate : null,
    false_alarms_per_day: nul(q?.falseAlarmsPerDay),
    baselines: { rms: base('rms'), mahalanobis: base('mahalanobis'), kmeans: base('kmeans') },
    float: f ? { threshold: f.threshold, false_alarm_rate: f.falseAlarmRate, detection_rate_min: f.detectionMin } : null,
    windows,
  };
}
