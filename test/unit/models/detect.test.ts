// The speed-aware detector (models/detect): smoothing with restarts, the trained span and
// interpolation in log rpm, fault vs unseen condition, per-recording evaluation, weak faults, the
// node learner and its golden vectors for the C twin (firmware/test/test_baseline.c).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BaselineLearner } from '../../../models/detect/baseline';
import { baselineVectors, gaussianNoise, HEADER_PATH, renderBaselineHeader } from '../../../scripts/gen-baseline-vectors';
import { evaluateScores, weakFaultRows } from '../../../models/detect/evaluate';
import { segmentRms } from '../../../models/eval/alarm';
import { bracket, CROSS_FIT_FOLDS, crossFitScores, expectedMean, fitSpeedDetector, leaveOneRecordingOutScores, twoRecordingsPerSpeed, leaveOneKnotOut, scoreGroup, smoothRows, validationBlocks, validationThreshold, windowState, windowsSinceRestart } from '../../../models/detect/speedDetector';
import { nodeFitOf, nodeFormOf, nodeScoreGroup } from '../../../models/detect/speedNode';
import { blockToleranceThreshold, normalQuantile, toleranceFactor, toleranceThreshold, type BlockToleranceThresholdChoice, type ScoreBlock } from '../../../models/eval/threshold';

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
    // Mid-way the interpolation nuisance (sd about half a band's knot-to-knot change, here 0.2-0.4) hides
    // a small change in one band; a fault that raises several bands well above it is flagged.
    const bad = evaluateScores(scoreGroup(det, { rpm: 1000, rows: healthy(1000, 500, 6, (b) => (b >= 4 ? 2 : 0)) }), det.threshold.threshold, det.warmup);
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

/**
 * Healthy log band energies whose spectrum moves smoothly but not linearly with speed: band b by
 * s_b (x + 0.6 x^2), x = log(rpm / 800) / log(1.5) (0 at 800 rpm, 1 at 1200 rpm), s_b = 0.5 + 0.2 b,
 * except the last band, which speed does not move. Linear interpolation between 800 and 1200 rpm
 * misses the mean at 1000 rpm by 0.15 s_b, 2-8 times the smoothed scatter.
 */
function moving(rpm: number, n: number, seed: number, extra: (b: number) => number = () => 0): Float32Array[] {
  const g = noise(seed);
  const x = Math.log(rpm / 800) / Math.log(1.5);
  return Array.from({ length: n }, () => Float32Array.from({ length: D }, (_, b) => -3 + (b === D - 1 ? 0 : 0.5 + 0.2 * b) * (x + 0.6 * x * x) + 0.1 * g() + extra(b)));
}

describe('speed-aware detector, spectrum moving non-linearly with speed', () => {
  const train = [
    { rpm: 800, rows: moving(800, 600, 11) },
    { rpm: 1200, rows: moving(1200, 600, 12) },
  ];
  const val = [
    { rpm: 800, rows: moving(800, 400, 13) },
    { rpm: 1200, rows: moving(1200, 400, 14) },
  ];
  const flagged = (det: ReturnType<typeof fitSpeedDetector>, rows: Float32Array[], rpm = 1000) => evaluateScores(scoreGroup(det, { rpm, rows }), det.threshold.threshold, det.warmup);

  it('without the interpolation nuisance flags the healthy mid speed (the failure it fixes)', () => {
    const bare = fitSpeedDetector(train, val, { interpolationPrior: 0 });
    expect(flagged(bare, moving(1000, 500, 15)).flagged).toBeGreaterThan(0.5);
  });

  it('scores a healthy machine between the knots like a trained one and still flags a fault there', () => {
    const det = fitSpeedDetector(train, val);
    expect(det.interpolation).toMatchObject({ scale: 1, source: 'prior' });
    const ok = flagged(det, moving(1000, 500, 15));
    expect(ok.flagged).toBeLessThan(0.01);
    expect(ok.alarms).toBe(0);
    // A fault's extra energy in a band the speed does not move is seen as at a knot; in bands it
    // moves, the fault must stand out of the interpolation nuisance (sd 0.8 s_b mid-way).
    expect(flagged(det, moving(1000, 500, 16, (b) => (b === D - 1 ? 0.5 : 0))).flagged).toBeGreaterThan(0.99);
    expect(flagged(det, moving(1000, 500, 17, (b) => (b < 3 ? 2.5 : 0))).flagged).toBeGreaterThan(0.99);
    // At a knot the nuisance is zero: the same fault is seen there as well.
    expect(flagged(det, moving(800, 500, 18, (b) => (b === D - 1 ? 0.5 : 0)), 800).flagged).toBeGreaterThan(0.99);
    expect(flagged(det, moving(800, 500, 19), 800).flagged).toBeLessThan(0.01);
  });

  it('estimates the interpolation scale by leave-one-knot-out from three knots', () => {
    const lin = [800, 1000, 1200].map((rpm) => ({ rpm, mean: Float64Array.from({ length: D }, (_, b) => b * Math.log(rpm)) }));
    expect(leaveOneKnotOut(lin)[0]).toBeCloseTo(0, 9);
    expect(leaveOneKnotOut(lin.slice(0, 2))).toEqual([]);
    const three = fitSpeedDetector([...train, { rpm: 1000, rows: moving(1000, 600, 20) }], [...val, { rpm: 1000, rows: moving(1000, 400, 21) }]);
    expect(three.interpolation.source).toBe('leave-one-knot-out');
    expect(three.interpolation.scale).toBeGreaterThan(0);
    expect(three.interpolation.ratios).toHaveLength(1);
  });
});

describe('tolerance threshold', () => {
  it('bounds the quantile above its point estimate, less so with more independent windows', () => {
    expect(toleranceFactor(1e7, 0.001, 0.95)).toBeCloseTo(3.09, 2);
    expect(toleranceFactor(30, 0.001, 0.95)).toBeGreaterThan(toleranceFactor(300, 0.001, 0.95));
    expect(toleranceFactor(300, 0.001, 0.95)).toBeGreaterThan(3.09);
    expect(() => toleranceFactor(2, 0.001, 0.95)).toThrow(/independent windows/);
  });

  it('is not set by one transient', () => {
    const g = noise(30);
    const scores = Array.from({ length: 500 }, () => Math.exp(0.2 * g()));
    const calm = toleranceThreshold(scores, 0.001, 70);
    const withSpike = toleranceThreshold([...scores.slice(1), 20], 0.001, 70);
    expect(withSpike.maxValidation).toBe(20);
    expect(withSpike.threshold).toBeLessThan(4);
    expect(withSpike.threshold / calm.threshold).toBeLessThan(1.25); // the largest score alone would say 20
  });
});

describe('block (random-effects) tolerance threshold', () => {
  // Blocks of log-normal scores: block g's log mean is shift(g), windows scatter 0.2 about it.
  function blocks(G: number, n: number, shift: (g: number) => number, seed: number): ScoreBlock[] {
    const g = noise(seed);
    return Array.from({ length: G }, (_, b) => ({ scores: Array.from({ length: n }, () => Math.exp(shift(b) + 0.2 * g())), effective: n / 4 }));
  }
  const centred = (bs: ScoreBlock[]): ScoreBlock[] =>
    bs.map((b) => {
      const logs = Array.from(b.scores, Math.log);
      const m = logs.reduce((s, l) => s + l, 0) / logs.length;
      return { ...b, scores: logs.map((l) => Math.exp(l - m)) };
    });

  it('the k factor with separate effective size and degrees of freedom is within 1 % of the exact noncentral-t factor', () => {
    // Exact one-sided factors t'_{0.95; f, z_0.999 sqrt(n)} / sqrt(n) (scipy.stats.nct.ppf), the
    // form of R tolerance::K.factor(n, f) for an effective sample size n and f degrees of freedom.
    for (const [n, f, exact] of [
      [72, 71, 3.63346],
      [40, 26, 4.06693],
      [30, 10, 4.96572],
      [100, 20, 4.21313],
    ]) {
      const k = toleranceFactor(n, 0.001, 0.95, f);
      expect(Math.abs(k - exact) / exact).toBeLessThan(0.01);
    }
    expect(toleranceFactor(72, 0.001, 0.95)).toBe(toleranceFactor(72, 0.001, 0.95, 71));
    // Fewer degrees of freedom, wider bound.
    expect(toleranceFactor(100, 0.001, 0.95, 10)).toBeGreaterThan(toleranceFactor(100, 0.001, 0.95, 99));
  });

  it('gives the homogeneous bound when the blocks have identical means', () => {
    const bs = centred(blocks(8, 40, () => 0, 41));
    const t = blockToleranceThreshold(bs);
    const all = bs.flatMap((b) => Array.from(b.scores));
    const homogeneous = toleranceThreshold(all, 0.001, bs.reduce((s, b) => s + b.effective, 0));
    expect(t.threshold).toBe(homogeneous.threshold);
    expect(t.betweenShare).toBe(0);
    expect(t.k).toBe(homogeneous.k);
    expect(t.blocks).toBe(8);
  });

  it('widens the bound when the block means spread (a drift), and more so the more they spread', () => {
    const flat = blockToleranceThreshold(centred(blocks(8, 40, () => 0, 42)));
    const drift = blockToleranceThreshold(centred(blocks(8, 40, () => 0, 42)).map((b, g) => ({ ...b, scores: Array.from(b.scores, (v) => v * Math.exp(0.1 * g)) })));
    const steep = blockToleranceThreshold(centred(blocks(8, 40, () => 0, 42)).map((b, g) => ({ ...b, scores: Array.from(b.scores, (v) => v * Math.exp(0.2 * g)) })));
    expect(drift.betweenShare).toBeGreaterThan(0);
    expect(drift.threshold).toBeGreaterThan(drift.homogeneous);
    expect(steep.threshold).toBeGreaterThan(drift.threshold);
    expect(steep.threshold).toBeGreaterThan(flat.threshold * 1.2);
  });

  it('uses the one-way ANOVA estimates, Satterthwaite degrees of freedom and Mee-Owen effective size (balanced blocks)', () => {
    const G = 6;
    const n = 40;
    const bs = blocks(G, n, (g) => 0.3 * Math.sin(g), 43);
    const t = blockToleranceThreshold(bs);
    // The same quantities computed here by the textbook balanced formulas (effective size m per block).
    const m = bs[0].effective;
    const logs = bs.map((b) => Array.from(b.scores, Math.log));
    const means = logs.map((l) => l.reduce((s, x) => s + x, 0) / n);
    const grand = means.reduce((s, x) => s + x, 0) / G;
    const msw = logs.reduce((s, l, g) => s + l.reduce((a, x) => a + (x - means[g]) ** 2, 0), 0) / (G * n - G);
    const msb = (m * means.reduce((s, x) => s + (x - grand) ** 2, 0)) / (G - 1);
    const sa2 = (msb - msw) / m;
    const total = sa2 + msw;
    const rho = sa2 / total;
    const f = total ** 2 / ((msb / m) ** 2 / (G - 1) + ((1 - 1 / m) * msw) ** 2 / (G * m - G));
    const nStar = (G * m) / (1 + (m - 1) * rho);
    expect(t.betweenShare).toBeCloseTo(rho, 10);
    expect(t.degreesOfFreedom).toBeCloseTo(f, 8);
    expect(t.effectiveWindows).toBeCloseTo(nStar, 8);
    expect(t.threshold).toBeCloseTo(Math.exp(grand + toleranceFactor(nStar, 0.001, 0.95, f) * Math.sqrt(total)), 8);
  });

  it('with two blocks far apart (too few degrees of freedom for a bound) is at least the largest score and the point estimate', () => {
    const bs = blocks(2, 40, (g) => 3 * g, 44);
    const t = blockToleranceThreshold(bs);
    expect(t.k).toBeNaN();
    expect(t.threshold).toBeGreaterThanOrEqual(t.maxValidation);
    expect(t.threshold).toBeGreaterThanOrEqual(t.homogeneous);
    const logs = bs.flatMap((b) => Array.from(b.scores, Math.log));
    expect(t.threshold).toBeGreaterThan(Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length + normalQuantile(0.999) * 0.2));
  });

  it('cuts validation scores into blocks of 10 EMA time constants, never across a restart, after the warm-up', () => {
    const scores = Array.from({ length: 200 }, (_, i) => 1 + i / 1000);
    const bs = validationBlocks([{ scores, segmentStarts: [108] }, { scores: scores.slice(0, 30) }], 0.25, 8);
    // Stretch 8..107 (100 windows) -> 2 blocks of 50; 116..199 (84) -> 2 of 42; the 22 settled of
    // the second recording -> 1 block (shorter than 40).
    expect(bs.map((b) => b.scores.length)).toEqual([50, 50, 42, 42, 22]);
    expect(bs[0].scores[0]).toBe(scores[8]);
    expect(bs[2].scores[0]).toBe(scores[116]);
    const a = 0.25 / 1.75;
    expect(bs[0].effective).toBeCloseTo(1 + 49 * a, 12);
    expect(bs[1].effective).toBeCloseTo(50 * a, 12);
    // The blocks' effective counts add up to the homogeneous rule's.
    const homogeneous = validationThreshold([{ scores, segmentStarts: [108] }, { scores: scores.slice(0, 30) }], 0.25, 8, 0.001, 0.95, 'homogeneous');
    expect(bs.reduce((s, b) => s + b.effective, 0)).toBeCloseTo(homogeneous.effectiveWindows, 9);
    expect(() => validationThreshold([{ scores }], 0.25, 8, 0.001, 0.95, 'other' as 'blocks')).toThrow(/threshold rule other/);
  });

  it('the detector takes the block rule by default and the homogeneous rule on request', () => {
    const train = [{ rpm: 1000, rows: healthy(1000, 400, 50) }];
    // Validation with a slow drift in every band (a warm-up), as a recording might have.
    const val = [{ rpm: 1000, rows: healthy(1000, 400, 51).map((r, i) => r.map((v) => v + 0.0015 * i)) }];
    const plain = fitSpeedDetector(train, val, { thresholdRule: 'homogeneous' });
    const withBlocks = fitSpeedDetector(train, val);
    expect('blocks' in plain.threshold).toBe(false);
    expect('blocks' in withBlocks.threshold).toBe(true);
    expect(withBlocks.threshold.threshold).toBeGreaterThanOrEqual(plain.threshold.threshold);
    expect((withBlocks.threshold as BlockToleranceThresholdChoice).betweenShare).toBeGreaterThan(0);
  });
});

describe('cross-fitted threshold (measured beside the default, docs/detection.md §3.3)', () => {
  const train = [
    { rpm: 800, rows: healthy(800, 200, 60) },
    { rpm: 1200, rows: healthy(1200, 200, 61) },
  ];
  const val = [
    { rpm: 800, rows: healthy(800, 100, 62) },
    { rpm: 1200, rows: healthy(1200, 100, 63) },
  ];
  const settledOf = (rows: Float32Array[], keep: (k: number) => boolean = () => true) => {
    const age = windowsSinceRestart(rows.length);
    return smoothRows(rows, 0.25).filter((_, k) => age[k] >= 8 && keep(k));
  };
  const meanOf = (rows: Float64Array[]) => Float64Array.from(rows[0], (_, i) => rows.reduce((s, r) => s + r[i], 0) / rows.length);

  it('fits each fold model on every settled window but the fold and the warm-up on each side of it', () => {
    const all = [...train, ...val];
    const seen: { gi: number; mean800: Float64Array }[] = [];
    let calls = 0;
    crossFitScores(all, {}, (fold, g) => {
      const gi = all.indexOf(g as (typeof all)[number]);
      const f = calls++ % CROSS_FIT_FOLDS;
      if (gi === 0 && f === 2) seen.push({ gi, mean800: fold.knots[0].mean });
      return scoreGroup(fold, g);
    });
    expect(calls).toBe(all.length * CROSS_FIT_FOLDS);
    // Group 0 (200 windows), fold 2 = windows 80..119; left out 72..127.
    const expected = meanOf([...settledOf(train[0].rows, (k) => k < 72 || k >= 128), ...settledOf(val[0].rows)]);
    expect(seen).toHaveLength(1);
    for (let i = 0; i < D; i++) expect(seen[0].mean800[i]).toBeCloseTo(expected[i], 12);
  });

  it('scores a transient with a model that never saw it, where the model trained on it hides it', () => {
    // A transient in windows 88..111 of the 800 rpm training recording (inside its fold 2).
    const bumped = train[0].rows.map((r, k) => (k >= 88 && k < 112 ? r.map((v) => v + 1) : r));
    const groups = [{ rpm: 800, rows: bumped }, train[1], ...val];
    const oof = crossFitScores(groups, {}, scoreGroup)[0];
    const inSample = scoreGroup(fitSpeedDetector(groups, val, { validation: 'separate' }), groups[0]);
    const median = (xs: ArrayLike<number>) => Array.from(xs).sort((a, b) => a - b)[xs.length >> 1];
    expect(median(oof.subarray(96, 112))).toBeGreaterThan(3 * median(inSample.subarray(96, 112)));
    expect(oof.every(Number.isFinite)).toBe(true);
  });

  it('trains the final model on training and validation windows and sets its threshold from all of them', () => {
    const det = fitSpeedDetector(train, val, { validation: 'cross-fit' });
    expect(det.validation).toBe('cross-fit');
    // The default: recordings left out where every speed has two (here four unnamed groups, four
    // recordings), else the validation stretch (training and validation of one recording per speed).
    expect(fitSpeedDetector(train, val).validation).toBe('leave-one-recording-out');
    const oneEach = (gs: typeof train) => gs.map((g) => ({ ...g, recording: `r${g.rpm}` }));
    expect(fitSpeedDetector(oneEach(train), oneEach(val)).validation).toBe('separate');
    const expected = meanOf([...settledOf(train[0].rows), ...settledOf(val[0].rows)]);
    for (let i = 0; i < D; i++) expect(det.knots[0].mean[i]).toBeCloseTo(expected[i], 12);
    expect(det.threshold.windows).toBe(2 * (200 - 8) + 2 * (100 - 8));
    // Healthy windows it never saw stay under it.
    const r = evaluateScores(scoreGroup(det, { rpm: 1000, rows: healthy(1000, 400, 64) }), det.threshold.threshold, det.warmup);
    expect(r.flagged).toBeLessThan(0.01);
  });

  it('sets the node form threshold from the node forms of the fold models, and needs the training groups for it', () => {
    const det = fitSpeedDetector(train, val, { validation: 'cross-fit' });
    expect(() => nodeFitOf(det, val)).toThrow(/needs its training groups/);
    const fit = nodeFitOf(det, val, { train });
    expect(Math.abs(fit.node.threshold / det.threshold.threshold - 1)).toBeLessThan(0.1);
    // The threshold rule on the fold models' node forms, each scoring its own fold.
    const all = [...train, ...val];
    const scores = crossFitScores(all, {}, (fold, g) => nodeScoreGroup(nodeFormOf(fold, 'i8'), g));
    const expected = validationThreshold(scores.map((sc) => ({ scores: sc })), det.smoothing, det.warmup, 0.001, 0.95).threshold;
    expect(fit.node.threshold).toBe(Math.fround(expected));
    // Not the final model's node form scoring windows it trained on.
    const finalNode = nodeFormOf(det, 'i8');
    const inSample = validationThreshold(all.map((g) => ({ scores: nodeScoreGroup(finalNode, g) })), det.smoothing, det.warmup, 0.001, 0.95).threshold;
    expect(fit.node.threshold).toBeGreaterThan(inSample);
  });

  it('says in words when a recording is too short to spare a fold', () => {
    // The only recording at 800 rpm: its fold 3 (windows 7..9) and 8 windows each side leave none of its 4 settled windows.
    expect(() => fitSpeedDetector([{ rpm: 800, rows: healthy(800, 12, 65) }, train[1]], [val[1]], { validation: 'cross-fit' })).toThrow(
      /800 rpm recording has 12 windows, too few to set a cross-fitted threshold/,
    );
    expect(() => fitSpeedDetector(train, val, { validation: 'both' as never })).toThrow(/none of 'separate', 'cross-fit', 'leave-one-recording-out'/);
  });
});

describe('threshold from recordings left out (the default where every speed has two, docs/detection.md §3.4)', () => {
  /** A recording at 1000 rpm: healthy windows plus the recording's own offset per band (mounting, load, temperature). */
  const recording = (seed: number, n: number) => {
    const g = noise(1000 + seed);
    const offset = Array.from({ length: D }, () => 0.15 * g());
    return healthy(1000, n, seed, (b) => offset[b]);
  };
  const recs = [1, 2, 3].map((seed) => recording(seed, 300));
  // Each recording's first 200 windows train, the next 100 validate (the CLI's split, one recording each).
  const train = recs.map((rows, i) => ({ rpm: 1000, rows: rows.slice(0, 200), recording: `r${i}` }));
  const val = recs.map((rows, i) => ({ rpm: 1000, rows: rows.slice(200), recording: `r${i}` }));

  it('scores each recording, training and validation stretches alike, with a model fitted on the others only', () => {
    const all = [...train, ...val];
    const means = new Map<string, Float64Array>();
    leaveOneRecordingOutScores(all, {}, (fold, g) => {
      means.set(g.recording!, fold.knots[0].mean);
      return scoreGroup(fold, g);
    });
    expect([...means.keys()].sort()).toEqual(['r0', 'r1', 'r2']);
    const settled = (rows: Float32Array[]) => {
      const age = windowsSinceRestart(rows.length);
      return smoothRows(rows, 0.25).filter((_, k) => age[k] >= 8);
    };
    const others = [1, 2].flatMap((i) => [...settled(train[i].rows), ...settled(val[i].rows)]);
    for (let b = 0; b < D; b++) expect(means.get('r0')![b]).toBeCloseTo(others.reduce((s, r) => s + r[b], 0) / others.length, 12);
  });

  it('carries the shift from one recording to the next: a new recording stays under it, not under the in-recording thresholds', () => {
    const loro = fitSpeedDetector(train, val);
    expect(loro.validation).toBe('leave-one-recording-out');
    const separate = fitSpeedDetector(train, val, { validation: 'separate' });
    const crossFit = fitSpeedDetector(train, val, { validation: 'cross-fit' });
    const fresh = { rpm: 1000, rows: recording(4, 400) };
    const flagged = (det: typeof loro) => evaluateScores(scoreGroup(det, fresh), det.threshold.threshold, det.warmup).flagged;
    expect(loro.threshold.threshold).toBeGreaterThan(separate.threshold.threshold);
    expect(loro.threshold.threshold).toBeGreaterThan(crossFit.threshold.threshold);
    expect(flagged(loro)).toBeLessThanOrEqual(0.01);
    expect(flagged(separate)).toBeGreaterThan(0.1);
  });

  it('counts a recording only with 2 settled windows, and takes short validation stretches as the validation stretch does', () => {
    const tr = [0, 1, 2].map((i) => ({ rpm: i < 2 ? 800 : 1200, rows: recording(20 + i, 100), recording: `s${i}` }));
    // Validation stretches of 9 windows: one settled window each after the warm-up of 8.
    const short = [0, 1, 2].map((i) => ({ rpm: tr[i].rpm, rows: recording(30 + i, 9), recording: `s${i}` }));
    // A second 1200 rpm recording with 9 windows in all does not count: 1200 rpm has one, so 'separate'.
    const tooShort = { rpm: 1200, rows: recording(40, 9), recording: 's3' };
    expect(twoRecordingsPerSpeed([...tr, ...short, tooShort])).toBe(false);
    expect(fitSpeedDetector(tr, [...short, tooShort]).validation).toBe('separate');
    // With a second usable 1200 rpm recording it runs, the 9-window stretches adding their one window.
    const tr2 = [...tr, { rpm: 1200, rows: recording(23, 100), recording: 's4' }];
    const det = fitSpeedDetector(tr2, [...short, tooShort]);
    expect(det.validation).toBe('leave-one-recording-out');
    expect(det.threshold.windows).toBe(4 * (100 - 8) + 3 * 1 + 1);
  });

  it('needs two recordings at every speed, and says which speed has one', () => {
    const one = [...train, { rpm: 1400, rows: recording(5, 200), recording: 'r5' }];
    expect(twoRecordingsPerSpeed(one)).toBe(false);
    expect(twoRecordingsPerSpeed(train)).toBe(true);
    expect(fitSpeedDetector(one, val).validation).toBe('separate');
    expect(() => fitSpeedDetector(one, val, { validation: 'leave-one-recording-out' })).toThrow(/needs two healthy recordings at every trained speed; 1400 rpm has one \(r5\)/);
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
