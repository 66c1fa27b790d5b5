/**
 * The Mahalanobis baseline: a single Gaussian on the same log band energies the autoencoder sees,
 * with the Ledoit-Wolf shrunk covariance (Ledoit & Wolf 2004, as scikit-learn's `ledoit_wolf`),
 * computed on standardised features so the shrinkage target (a multiple of the identity) treats
 * every band alike. Score = squared Mahalanobis distance / D (about 1 on training-like data).
 */

export interface MahalanobisModel {
  mean: Float64Array;
  std: Float64Array;
  /** Lower-triangular Cholesky factor of the shrunk covariance of the standardised features, row-major. */
  chol: Float64Array;
  shrinkage: number;
  dim: number;
}

export function fitMahalanobis(rows: ArrayLike<number>[], minStd = 0.01): MahalanobisModel {
  const n = rows.length;
  if (n < 2) throw new RangeError('the Mahalanobis baseline needs at least 2 windows');
  const d = rows[0].length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i] += r[i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  for (const r of rows) for (let i = 0; i < d; i++) std[i] += (r[i] - mean[i]) ** 2;
  for (let i = 0; i < d; i++) std[i] = Math.max(minStd, Math.sqrt(std[i] / n));
  const X = rows.map((r) => Float64Array.from({ length: d }, (_, i) => (r[i] - mean[i]) / std[i]));
  // Empirical covariance (1/n) and the Ledoit-Wolf shrinkage toward mu * I.
  const S = new Float64Array(d * d);
  for (const x of X) for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) S[i * d + j] += x[i] * x[j];
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) S[j * d + i] = S[i * d + j] /= n;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += S[i * d + i];
  const mu = trace / d;
  let delta = 0; // ||S - mu I||_F^2 / d
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) delta += (S[i * d + j] - (i === j ? mu : 0)) ** 2;
  delta /= d;
  let beta = 0; // (1 / n^2) sum_k ||x_k x_k^T - S||_F^2 / d
  for (const x of X) {
    let s = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += (x[i] * x[j] - S[i * d + j]) ** 2;
    beta += s;
  }
  beta /= n * n * d;
  const shrinkage = delta > 0 ? Math.min(beta, delta) / delta : 1;
  const C = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) C[i * d + j] = (1 - shrinkage) * S[i * d + j] + (i === j ? shrinkage * mu : 0);
  // Guard a degenerate case (all features constant): a tiny ridge keeps the factorisation defined.
  for (let i = 0; i < d; i++) C[i * d + i] += 1e-9;
  return { mean, std, chol: cholesky(C, d), shrinkage, dim: d };
}

export function cholesky(A: Float64Array, d: number): Float64Array {
  const Lm = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let k = 0; k < j; k++) s -= Lm[i * d + k] * Lm[j * d + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError('covariance is not positive definite');
        Lm[i * d + i] = Math.sqrt(s);
      } else Lm[i * d + j] = s / Lm[j * d + j];
    }
  }
  return Lm;
}

/** Squared Mahalanobis distance / D. */
export function mahalanobisScore(m: MahalanobisModel, x: ArrayLike<number>, tmp = new Float64Array(m.dim)): number {
  const d = m.dim;
  // Solve L y = z (forward substitution); |y|^2 = z^T C^-1 z.
  let q = 0;
  for (let i = 0; i < d; i++) {
    let s = (x[i] - m.mean[i]) / m.std[i];
    for (let k = 0; k < i; k++) s -= m.chol[i * d + k] * tmp[k];
    tmp[i] = s / m.chol[i * d + i];
    q += tmp[i] * tmp[i];
  }
  return q / d;
}

export function mahalanobisScores(m: MahalanobisModel, rows: ArrayLike<number>[]): Float64Array {
  const tmp = new Float64Array(m.dim);
  return Float64Array.from(rows, (r) => mahalanobisScore(m, r, tmp));
}
