// Evaluation: ROC AUC with ties, the Mahalanobis baseline (Ledoit-Wolf), thresholds from
// validation data, k-of-n debounce in alarms per day, the FEMTO snapshot alarm rule, the report.
import { describe, expect, it } from 'vitest';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { firstExceedance, firstSnapshotAlarm, snapshotMedians } from '../../../models/eval/alarm';
import { fitMahalanobis, mahalanobisScore } from '../../../models/eval/mahalanobis';
import { evaluate, summarize } from '../../../models/eval/report';
import { median, rateOver, rocAuc } from '../../../models/eval/roc';
import {
  alarmOnsetProbability,
  alarmsPerDay,
  chooseThreshold,
  debounceAlarms,
  normalQuantile,
  rateForAlarmsPerDay,
  windowsPerDay,
} from '../../../models/eval/threshold';
import { Prng } from '../../../models/train/prng';
import { vectorModel } from '../../../scripts/gen-nn-vectors';

describe('ROC AUC', () => {
  it('perfect, inverted, chance and tied cases', () => {
    expect(rocAuc([1, 2, 3], [4, 5])).toBe(1);
    expect(rocAuc([4, 5], [1, 2, 3])).toBe(0);
    expect(rocAuc([1, 1], [1, 1])).toBe(0.5);
    // one tie between a normal and an anomaly counts one half: pairs (1,2)(1,1)(3,2)(3,1)... = 2.5/4
    expect(rocAuc([1, 3], [2, 1])).toBe(0.375);
    expect(rocAuc([0, 1, 2], [1, 2, 3])).toBeCloseTo((3 + 2.5 + 1.5) / 9 + 0 / 9, 12);
    expect(Number.isNaN(rocAuc([], [1]))).toBe(true);
  });
  it('equals the pairwise count on random data with many ties', () => {
    const r = new Prng(2);
    const a = Array.from({ length: 300 }, () => Math.floor(r.next() * 20));
    const b = Array.from({ length: 200 }, () => Math.floor(r.next() * 20) + 3);
    let s = 0;
    for (const x of a) for (const y of b) s += y > x ? 1 : y === x ? 0.5 : 0;
    expect(rocAuc(a, b)).toBeCloseTo(s / (a.length * b.length), 12);
  });
});

describe('Mahalanobis baseline (Ledoit-Wolf shrinkage)', () => {
  const X = [
    [1, 2, 0.5],
    [2, 1, 0.7],
    [0.5, 0.2, 1.9],
    [3, 2.5, 0.1],
    [1.5, 1.1, 1.0],
    [2.2, 0.3, 0.4],
  ];
  it('matches scikit-learn ledoit_wolf on standardised features (numpy reference)', () => {
    const m = fitMahalanobis(X);
    expect(m.shrinkage).toBeCloseTo(0.7453401306099142, 9);
    expect(mahalanobisScore(m, [2, 2, 2])).toBeCloseTo(2.3084000215276297, 6);
    expect(mahalanobisScore(m, Array.from(m.mean))).toBe(0);
  });
  it('does not depend on the units of a feature', () => {
    const a = fitMahalanobis(X);
    const b = fitMahalanobis(X.map((r) => [r[0] * 1000, r[1], r[2] - 5]));
    expect(mahalanobisScore(b, [2000, 2, -3])).toBeCloseTo(mahalanobisScore(a, [2, 2, 2]), 9);
  });
});

describe('thresholds from validation data', () => {
  it('the normal quantile function', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 6);
  });
  it('on log-normal scores the threshold lands near the true 99.9% quantile, never below the largest validation score', () => {
    const r = new Prng(9);
    const val = Array.from({ length: 2000 }, () => Math.exp(0.3 + 0.5 * r.normal()));
    const t = chooseThreshold(val, 0.001);
    const truth = Math.exp(0.3 + 0.5 * 3.090232306);
    expect(Math.abs(Math.log(t.lognormal / truth))).toBeLessThan(0.08);
    expect(t.threshold).toBeGreaterThanOrEqual(Math.max(...val));
    const fresh = Array.from({ length: 100000 }, () => Math.exp(0.3 + 0.5 * r.normal()));
    expect(rateOver(fresh, t.threshold)).toBeLessThan(0.003);
  });
  it('refuses too little data and impossible targets', () => {
    expect(() => chooseThreshold([1], 0.001)).toThrow(/at least 2/);
    expect(() => chooseThreshold([1, 2], 0)).toThrow(RangeError);
  });
});

describe('k-of-n debounce and alarms per day', () => {
  it('replays onsets: an alarm starts when k of the last n windows are over, once per episode', () => {
    const over = [0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1].map(Boolean);
    expect(debounceAlarms(over, 3, 5)).toEqual([4, 14]);
    expect(debounceAlarms(over, 1, 1)).toEqual([1, 3, 12]);
  });
  it('the onset probability formula matches a simulation of independent windows', () => {
    const r = new Prng(4);
    const p = 0.2;
    const n = 400000;
    const over = Array.from({ length: n }, () => r.next() < p);
    const simulated = debounceAlarms(over, 3, 5).length / n;
    expect(simulated / alarmOnsetProbability(p, 3, 5)).toBeCloseTo(1, 1);
  });
  it('converts between a per-window rate and alarms per day at the node window rate', () => {
    expect(windowsPerDay(48000, 512)).toBe(8_100_000);
    const apd = alarmsPerDay(0.001, 3, 5, 48000, 512);
    expect(apd).toBeCloseTo(0.999 * 6 * 1e-6 * 0.999 ** 2 * 0.001 * 8.1e6, 9);
    const p = rateForAlarmsPerDay(1, 3, 5, 48000, 512);
    expect(alarmsPerDay(p, 3, 5, 48000, 512)).toBeCloseTo(1, 6);
    expect(p).toBeGreaterThan(0.002);
    expect(p).toBeLessThan(0.004);
  });
});

describe('snapshot alarm rule (FEMTO)', () => {
  it('alarms at the first snapshot where 3 of the last 5 medians are over', () => {
    const med = [1, 5, 1, 1, 5, 1, 5, 1, 1, 1, 5, 5, 5];
    // 2, 5, 7 (1-based) are over, but never 3 within 5 snapshots; 11, 12, 13 are.
    expect(firstSnapshotAlarm(med, 2)).toBe(13);
    expect(firstSnapshotAlarm([1, 5, 1, 5, 1, 5, 1], 2)).toBe(6);
    expect(firstSnapshotAlarm([1, 1, 1], 2)).toBeNull();
  });
  it('per-snapshot medians and the RMS doubling point', () => {
    expect(Array.from(snapshotMedians([1, 2, 3, 10, 20, 30, 40], [0, 0, 0, 1, 1, 1, 1], 2))).toEqual([2, 25]);
    expect(firstExceedance([1, 1.1, 0.9, 1.5, 2.1, 3], 3)).toEqual({ snapshot: 5, initial: 1 });
    expect(median([3, 1, 2])).toBe(2);
  });
});

describe('evaluation report', () => {
  const { q, normal, fault } = vectorModel();
  const spec = defaultFeatureSpec(48000);
  const rms = (rows: Float32Array[], k: number) => rows.map((_, i) => k + i * 1e-4);
  const data = {
    spec,
    train: { rows: normal.slice(0, 50), rms: rms(normal.slice(0, 50), 0.1) },
    val: { rows: normal.slice(50, 70), rms: rms(normal.slice(50, 70), 0.1) },
    testNormal: { rows: normal.slice(70), rms: rms(normal.slice(70), 0.1) },
    anomalies: new Map([['inner_race', { rows: fault, rms: rms(fault, 0.3) }]]),
  };
  it('reports every detector on the same windows, with thresholds from validation or the model file', () => {
    const r = evaluate(data, { int8: q, current: { ...q, spec: defaultFeatureSpec(25600) } });
    expect(r.detectors.map((d) => d.id)).toEqual(['int8', 'current', 'rms', 'mahalanobis', 'kmeans']);
    const current = r.detectors.find((d) => d.id === 'current')!;
    expect(current.unavailable).toMatch(/other features/);
    const maha = r.detectors.find((d) => d.id === 'mahalanobis')!;
    expect(maha.aucMin).toBe(1);
    expect(maha.thresholdSource).toMatch(/validation/);
    expect(r.detectors.find((d) => d.id === 'rms')!.detectionRate.inner_race).toBe(1);
    expect(r.windows).toMatchObject({ train: 50, validation: 20, normal_test: 22, inner_race: 92 });
    const s = summarize(r, q.detector.thresholdSumsq);
    expect(s.auc).toBeNull(); // no float model given
    expect(s.auc_int8).not.toBeNull();
    expect(s.windows).toEqual({ normal_test: 22, inner_race: 92 });
    expect(s.baselines.mahalanobis.auc_min).toBe(1);
  });
  it('includes the Edge-Impulse-style k-means baseline with its AUC, false alarms and detection, in the summary too', () => {
    const r = evaluate(data, { int8: q });
    const km = r.detectors.find((d) => d.id === 'kmeans')!;
    expect(km.name).toBe('k-means (Edge Impulse, k=32)');
    expect(km.unavailable).toBeUndefined();
    expect(km.aucMin).toBeGreaterThan(0.9);
    expect(km.thresholdSource).toMatch(/validation windows.*normal fit/);
    // the threshold is never below the largest validation score
    expect(km.threshold).toBeGreaterThanOrEqual(Math.max(...km.scores!.val));
    expect(km.falseAlarmRate).toBe(km.scores!.testNormal.filter((x) => x > km.threshold).length / 22);
    expect(km.detectionRate.inner_race).toBe(km.scores!.anomalies.inner_race.filter((x) => x > km.threshold).length / 92);
    const s = summarize(r);
    expect(s.baselines.kmeans).toEqual({ auc_min: km.aucMin, false_alarm_rate: km.falseAlarmRate, detection_rate_min: km.detectionMin });
    expect(Object.keys(s.baselines)).toEqual(['rms', 'mahalanobis', 'kmeans']);
    // the same evaluation twice gives the same k-means figures (seeded k-means++)
    expect(evaluate(data, { int8: q }).detectors.find((d) => d.id === 'kmeans')!.scores).toEqual(km.scores);
  });
});
