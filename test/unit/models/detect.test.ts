// The speed-aware detector (models/detect): smoothing with restarts, the trained span and
// interpolation in log rpm, fault vs unseen condition, per-recording evaluation, weak faults, the
// node learner and its golden vectors for the C twin (firmware/test/test_baseline.c).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BaselineLearner } from '../../../models/detect/baseline';
import { baselineVectors, gaussianNoise, HEADER_PATH, renderBaselineHeader } from '../../../scripts/gen-baseline-vectors';
import { evaluateScores, weakFaultRows } from '../../../models/detect/evaluate';
import { segmentRms } from '../../../models/eval/alarm';
import { bracket, expectedMean, fitSpeedDetector, scoreGroup, smoothRows, windowState, windowsSinceRestart } from '../../../models/detect/speedDetector';

const noise = gaussianNoise;
const D = 8;
/** Healthy log band energies whose mean moves linearly with log rpm (band b by 0.5 + 0.2 b per e-fold). */
function healthy(rpm: number, n: number, seed: number, extra: (b: number) => number = () => 0): Float32Array[] {
  const g = noise(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: D }, (_, b) => -3 + (0.5 + 0.2 * b) * Math.log(rpm / 1000) + 0.1 * g() + extra(b)));
}

describe('smoothing', () => {
  it('is an EMA that restarts at every segment start', () => {
    const y = smoothRows([[0], [4], [8], [100], [0]], 0.5, [3]);
    expect(y.map((r) => r[0])).toEqual([0, 2, 5, 100, 50]);
    expect(Array.from(windowsSinceRestart(5, [3]))).toEqual([0, 1, 2, 0, 1]);
    expect(() => smoothRows([[1]], 0)).toThrow(/smoothing 0/);
  });
});

describe('speed-aware detector', () => {
  const train = [
    { rpm: 800, rows: healthy(800, 400, 1) },
    { rpm: 1200, rows: healthy(1200, 400, 2) },
  ];
  const val = [
    { rpm: 800, rows: healthy(800, 300, 3) },
    { rpm: 1200, rows: healthy(1200, 300, 4) },
  ];
  const det = fitSpeedDetector(train, val);

  it('interpolates the healthy mean in log rpm and knows its span', () => {
    expect(det.knots.map((k) => k.rpm)).toEqual([800, 1200]);
    expect(bracket(det, 1000)!.t).toBeCloseTo(Math.log(1000 / 800) / Math.log(1200 / 800), 12);
    expect(bracket(det, 1220)).not.toBeNull(); // within the 3 % tolerance
    expect(bracket(det, 1400)).toBeNull();
    expect(bracket(det, 0)).toBeNull();
    expect(expectedMean(det, 1000)![3]).toBeCloseTo(-3, 1); // log(1000/1000) = 0 at every band
  });

  it('does not flag a healthy machine at an unseen speed inside the span, flags a fault there', () => {
    const ok = evaluateScores(scoreGroup(det, { rpm: 1000, rows: healthy(1000, 500, 5) }), det.threshold.threshold, det.warmup);
    expect(ok.flagged).toBeLessThan(0.01);
    expect(ok.state).toBe('healthy');
    const bad = evaluateScores(scoreGroup(det, { rpm: 1000, rows: healthy(1000, 500, 6, (b) => (b === 6 ? 0.3 : 0)) }), det.threshold.threshold, det.warmup);
    expect(bad.flagged).toBeGreaterThan(0.99);
    expect(bad.state).toBe('fault');
  });

  it('reports a speed outside the span as an unseen condition, never as a fault', () => {
    const s = scoreGroup(det, { rpm: 1600, rows: healthy(1600, 50, 7, () => 2) });
    expect(s.every(Number.isNaN)).toBe(true);
    expect(evaluateScores(s, det.threshold.threshold).state).toBe('unseen condition');
    expect(windowState(det, 1600, 1e9)).toBe('unseen-condition');
    expect(windowState(det, 1000, 0)).toBe('healthy');
    expect(windowState(det, 1000, det.threshold.threshold * 2)).toBe('fault');
  });

  it('refuses what it cannot fit, in plain words', () => {
    expect(() => fitSpeedDetector([], val)).toThrow(/needs healthy training windows/);
    expect(() => fitSpeedDetector(train, [])).toThrow(/validation/);
    expect(() => fitSpeedDetector(train, [{ rpm: 2000, rows: healthy(2000, 50, 8) }])).toThrow(/outside the trained span/);
    expect(() => fitSpeedDetector([{ rpm: 800, rows: healthy(800, 5, 9) }], val)).toThrow(/at least 10 are needed/);
  });
});

describe('evaluation', () => {
  it('counts flagged windows after the warm-up and debounced alarms', () => {
    const r = evaluateScores([9, 9, 0, 2, 2, 2, 0, 0], 1, 2);
    expect(r).toEqual({ windows: 6, flagged: 0.5, alarms: 1, state: 'fault' });
    expect(evaluateScores([2, 0, 2, 0, 0], 1).state).toBe('healthy');
  });

  it('weak faults add the scaled extra energy of the fault, band by band', () => {
    const h = [Float32Array.of(0, 1)];
    const f = [Float32Array.of(1, 0)];
    const m = [0, 1];
    expect(Array.from(weakFaultRows(h, f, m, 0)[0])).toEqual([0, 1]);
    const w = weakFaultRows(h, f, m, 0.1)[0];
    expect(w[0]).toBeCloseTo(Math.log10(1 + 0.1 * 9), 6);
    expect(w[1]).toBeCloseTo(1, 6); // the fault has less energy there: nothing added
    expect(() => weakFaultRows(h, f, m, -1)).toThrow(/must be >= 0/);
  });
});

describe('node baseline learner', () => {
  const cfg = { dim: D, periodWindows: 1200, learnWindows: 250, calibrateWindows: 250 };
  function learned(): BaselineLearner {
    const b = new BaselineLearner(cfg);
    const seen: number[] = [];
    for (const [rpm, seed] of [
      [800, 11],
      [1200, 12],
    ])
      for (const r of healthy(rpm, 600, seed)) {
        const s = b.step(r, rpm);
        expect(s.state).toBe('learning');
        seen.push(s.percent);
      }
    expect(seen[0]).toBe(0);
    expect(seen[599]).toBe(50);
    expect(Math.max(...seen)).toBe(99);
    return b;
  }

  it('learns each speed of its learning period, then detects between them', () => {
    const b = learned();
    expect(b.learning).toBe(false);
    expect(b.learnedRpm).toEqual([800, 1200]);
    const run = (rpm: number, rows: Float32Array[]) => {
      b.restart();
      return rows.map((r) => b.step(r, rpm)).slice(b.cfg.warmup);
    };
    const ok = run(1000, healthy(1000, 400, 13));
    expect(ok.filter((s) => s.state === 'over').length).toBeLessThanOrEqual(4);
    expect(ok.every((s) => s.percent === 100 && s.score > 0)).toBe(true);
    const bad = run(1000, healthy(1000, 400, 14, (k) => (k === 5 ? 0.5 : 0)));
    expect(bad.filter((s) => s.state === 'over').length).toBeGreaterThan(390);
    expect(run(1600, healthy(1600, 20, 15)).every((s) => s.state === 'unseen-condition' && Number.isNaN(s.score))).toBe(true);
    expect(run(0, healthy(1000, 20, 16)).every((s) => s.state === 'unseen-condition')).toBe(true);
  });

  it('drops a speed it could not finish within the period', () => {
    const b = new BaselineLearner(cfg);
    for (const r of healthy(800, 700, 17)) b.step(r, 800);
    for (const r of healthy(1200, 500, 18)) b.step(r, 1200);
    expect(b.learning).toBe(false);
    expect(b.learnedRpm).toEqual([800]);
    expect(b.step(healthy(1200, 1, 19)[0], 1200).state).toBe('unseen-condition');
  });

  it('refuses a configuration it cannot run, in plain words', () => {
    expect(() => new BaselineLearner({ dim: 0 })).toThrow(/dimension 0/);
    expect(() => new BaselineLearner({ dim: 97 })).toThrow(/dimension 97/);
    expect(() => new BaselineLearner({ dim: 8, periodWindows: 100 })).toThrow(/learning period of 100 windows/);
    expect(() => new BaselineLearner({ dim: 8, smoothing: 2 })).toThrow(/smoothing 2/);
  });
});

describe('node baseline learner golden vectors', () => {
  it('the committed C header is what scripts/gen-baseline-vectors.ts prints', () => {
    expect(readFileSync(HEADER_PATH, 'utf8')).toBe(renderBaselineHeader(baselineVectors()));
  });
});

describe('segment RMS (the RMS x 2 rule)', () => {
  it('is the RMS of each segment about its own mean', () => {
    expect(Array.from(segmentRms([1, 3, 1, 3, 5, 5, -5, -5], [0, 4]))).toEqual([1, 5]);
  });
});
