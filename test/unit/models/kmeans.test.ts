// The Edge-Impulse-style k-means baseline: distance to the nearest centre minus that cluster's
// radius on standardised features; a hand-worked case, a shifted cluster separated, every training
// window inside its cluster, and the same model from the same seed.
import { describe, expect, it } from 'vitest';
import { fitKMeans, kmeansScore, kmeansScores } from '../../../models/eval/kmeans';
import { rocAuc } from '../../../models/eval/roc';
import { Prng } from '../../../models/train/prng';

function blobs(prng: Prng, n: number, centres: number[][], sd: number): number[][] {
  return Array.from({ length: n }, (_, i) => centres[i % centres.length].map((c) => c + sd * prng.normal()));
}

describe('k-means anomaly baseline', () => {
  it('hand-worked: two 1-D clusters, standardised, score = distance to the nearest centre minus its radius', () => {
    // Points -6.2, -3.4, 3.4, 6.2: mean 0, std sqrt(4.8^2 + 1.4^2) = 5 (population), so standardised
    // -1.24, -0.68, 0.68, 1.24; clusters centred at -0.96 and 0.96, radius 0.28 each.
    const m = fitKMeans([[-6.2], [-3.4], [3.4], [6.2]], { k: 2 });
    expect(m.k).toBe(2);
    expect(Array.from(m.centres).sort((a, b) => a - b).map((c) => Number(c.toFixed(12)))).toEqual([-0.96, 0.96]);
    expect(Array.from(m.radius).map((r) => Number(r.toFixed(12)))).toEqual([0.28, 0.28]);
    expect(kmeansScore(m, [0])).toBeCloseTo(0.96 - 0.28, 12);
    expect(kmeansScore(m, [4.8])).toBeCloseTo(-0.28, 12); // at a centre: minus the radius
    expect(kmeansScore(m, [15])).toBeCloseTo(3 - 0.96 - 0.28, 12);
  });

  it('separates a shifted cluster from three normal ones, and keeps every training window inside its cluster', () => {
    const prng = new Prng(3);
    const normalCentres = [[0, 0, 0, 0, 0, 0], [3, 0, 1, 0, -2, 0], [0, 3, 0, -1, 0, 2]];
    const train = blobs(prng, 600, normalCentres, 0.3);
    const m = fitKMeans(train);
    expect(m.k).toBe(32);
    expect(m.iterations).toBeLessThan(100);
    expect(Math.max(...kmeansScores(m, train))).toBeLessThanOrEqual(1e-12);
    const testNormal = blobs(prng, 300, normalCentres, 0.3);
    const shifted = blobs(prng, 300, [[1.5, 1.5, 1.5, 1.5, 1.5, 1.5]], 0.3);
    const a = kmeansScores(m, testNormal);
    const b = kmeansScores(m, shifted);
    expect(rocAuc(a, b)).toBeGreaterThan(0.99);
    expect(Math.min(...b)).toBeGreaterThan(0);
    const median = (x: Float64Array) => Float64Array.from(x).sort()[x.length >> 1];
    expect(median(a)).toBeLessThan(0);
  });

  it('is deterministic: the same seed gives the same model; fewer distinct windows give fewer clusters', () => {
    const prng = new Prng(8);
    const rows = blobs(prng, 200, [[0, 0], [5, 5]], 1);
    const a = fitKMeans(rows, { seed: 4 });
    const b = fitKMeans(rows, { seed: 4 });
    expect(Array.from(b.centres)).toEqual(Array.from(a.centres));
    expect(Array.from(b.radius)).toEqual(Array.from(a.radius));
    const c = fitKMeans(rows, { seed: 5 });
    expect(Array.from(c.centres)).not.toEqual(Array.from(a.centres));
    const dup = fitKMeans([[1, 2], [1, 2], [3, 4], [3, 4], [1, 2]]);
    expect(dup.k).toBe(2);
    expect(() => fitKMeans([[1]])).toThrow(/at least 2 windows/);
  });
});
