/**
 * The Edge-Impulse-style k-means baseline (docs/training.md "Baselines"), after Edge Impulse's
 * "Anomaly detection (K-means)" learning block: k clusters over the standardised log band energies
 * of normal training windows; each cluster keeps its centre and its radius (the largest distance of
 * a member to the centre, Edge Impulse's "size of the cluster"); a window's score is its distance to
 * the nearest centre minus that cluster's radius, so a window inside a cluster scores below 0.
 * Deterministic: k-means++ seeding from a seeded PRNG, then Lloyd iterations.
 */
import { Prng } from '../train/prng';

export interface KMeansModel {
  mean: Float64Array;
  std: Float64Array;
  /** k centres of the standardised features, row-major k x dim. */
  centres: Float64Array;
  /** Largest member distance of each cluster (standardised units). */
  radius: Float64Array;
  k: number;
  dim: number;
  iterations: number;
}

export interface KMeansOptions {
  /** Clusters (Edge Impulse's default 32); fewer when there are fewer distinct windows. */
  k?: number;
  seed?: number;
  maxIterations?: number;
  minStd?: number;
}

export function fitKMeans(rows: ArrayLike<number>[], options: KMeansOptions = {}): KMeansModel {
  const { k: wantK = 32, seed = 1, maxIterations = 100, minStd = 0.01 } = options;
  const n = rows.length;
  if (n < 2) throw new RangeError('the k-means baseline needs at least 2 windows');
  if (!(wantK >= 1)) throw new RangeError('k-means needs at least one cluster');
  const d = rows[0].length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i] += r[i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  for (const r of rows) for (let i = 0; i < d; i++) std[i] += (r[i] - mean[i]) ** 2;
  for (let i = 0; i < d; i++) std[i] = Math.max(minStd, Math.sqrt(std[i] / n));
  const X = new Float64Array(n * d);
  rows.forEach((r, j) => {
    for (let i = 0; i < d; i++) X[j * d + i] = (r[i] - mean[i]) / std[i];
  });
  const sq = (a: Float64Array, ai: number, b: Float64Array, bi: number) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += (a[ai + i] - b[bi + i]) ** 2;
    return s;
  };

  // k-means++ (Arthur & Vassilvitskii 2007): the first centre uniformly, each next one with
  // probability proportional to the squared distance to the nearest centre chosen so far.
  const prng = new Prng(seed);
  const chosen: number[] = [Math.floor(prng.next() * n)];
  const near = new Float64Array(n).fill(Infinity);
  while (chosen.length < Math.min(wantK, n)) {
    const last = chosen[chosen.length - 1];
    let total = 0;
    for (let j = 0; j < n; j++) {
      near[j] = Math.min(near[j], sq(X, j * d, X, last * d));
      total += near[j];
    }
    if (!(total > 0)) break; // every window sits on a centre already
    let u = prng.next() * total;
    let pick = -1;
    for (let j = 0; j < n; j++) {
      if (near[j] <= 0) continue;
      pick = j;
      u -= near[j];
      if (u < 0) break;
    }
    chosen.push(pick);
  }
  const k = chosen.length;
  const centres = new Float64Array(k * d);
  chosen.forEach((j, c) => centres.set(X.subarray(j * d, (j + 1) * d), c * d));

  // Lloyd: assign to the nearest centre (lowest index on ties), move centres to their means; an
  // emptied cluster keeps its centre.
  const assign = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let moved = 0;
    for (let j = 0; j < n; j++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const s = sq(X, j * d, centres, c * d);
        if (s < bestD) {
          bestD = s;
          best = c;
        }
      }
      if (assign[j] !== best) moved++;
      assign[j] = best;
    }
    if (moved === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let j = 0; j < n; j++) {
      const c = assign[j];
      counts[c]++;
      for (let i = 0; i < d; i++) sums[c * d + i] += X[j * d + i];
    }
    for (let c = 0; c < k; c++) if (counts[c] > 0) for (let i = 0; i < d; i++) centres[c * d + i] = sums[c * d + i] / counts[c];
  }
  const radius = new Float64Array(k);
  for (let j = 0; j < n; j++) {
    const c = assign[j];
    radius[c] = Math.max(radius[c], Math.sqrt(sq(X, j * d, centres, c * d)));
  }
  return { mean, std, centres, radius, k, dim: d, iterations };
}

/** Distance (standardised units) to the nearest centre minus that cluster's radius: below 0 inside a cluster. */
export function kmeansScore(m: KMeansModel, x: ArrayLike<number>, tmp = new Float64Array(m.dim)): number {
  const d = m.dim;
  for (let i = 0; i < d; i++) tmp[i] = (x[i] - m.mean[i]) / m.std[i];
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < m.k; c++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (tmp[i] - m.centres[c * d + i]) ** 2;
    if (s < bestD) {
      bestD = s;
      best = c;
    }
  }
  return Math.sqrt(bestD) - m.radius[best];
}

export function kmeansScores(m: KMeansModel, rows: ArrayLike<number>[]): Float64Array {
  const tmp = new Float64Array(m.dim);
  return Float64Array.from(rows, (r) => kmeansScore(m, r, tmp));
}
