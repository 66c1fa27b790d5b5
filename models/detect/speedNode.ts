/**
 * The speed-aware detector in the form a node runs (docs/detection.md §2.1, docs/model-format.md
 * §2.9): the TypeScript twin of firmware/src/nn/speed.c, operation for operation in binary32.
 *
 * The laptop's detector (speedDetector.ts) scores a window at speed v with the covariance
 * Σ(t) = Σ_w + f(t) diag(d²), f = scale · t (1 − t), which changes with every speed. A node cannot
 * refactorise a D × D matrix (RAM), so the exporter diagonalises the pair (Σ_w, diag(d²)) once
 * per knot interval: with Σ_w = S L Lᵀ S (S = diag(std), L the pooled Ledoit-Wolf Cholesky factor)
 * and A = L⁻¹ diag((d/s)²) L⁻ᵀ = Q Λ Qᵀ, the rows of W = Qᵀ L⁻¹ S⁻¹ satisfy
 *
 *     rᵀ Σ(t)⁻¹ r = Σ_k (W_k · r)² / (1 + f(t) λ_k)       for every t in the interval, exactly.
 *
 * So the node keeps one D × D matrix per interval in flash and per window does one matrix-vector
 * product and D divisions; the speed only changes the scalar f. The stated approximations (both
 * computed identically here and in C, so the laptop evaluates what the node runs):
 *  - W is stored as int8 with one f32 scale per row (relative step 1/127 of the row's largest):
 *    weight format 1, what `vigil train --speeds` writes (5,416 B for 64 features and two speeds);
 *    the first form, int16 (step 1/32767, weight format 0), is still read and scored;
 *  - the residual enters the product as int16: q_i = round(r_i · in_mul_i), in_mul_i =
 *    1 / (std_i · STEP_SD), a step of 1/256 standard deviation, clamped at ±128 sd (a window that
 *    far out is over any threshold anyway: clamping only lowers a score that is already huge);
 *  - the threshold is set again on this form's scores of the validation windows (same rule as the
 *    laptop detector's), so it belongs to what the node computes.
 * The accumulators Σ W16 · q16 are integers (exact in f64 here: |term| < 2^30, D ≤ 1024), and every
 * float step is one rounded binary32 operation in a fixed order (Math.fround), the node's log10
 * included, so C and TypeScript agree bit for bit when their inputs do.
 */
import { bracket, crossFitScores, fitSpeedDetector, leaveOneRecordingOutScores, validationThreshold, type SpeedDetector, type SpeedDetectorOptions, type SpeedGroup, type ThresholdRule } from './speedDetector';
import { type ToleranceThresholdChoice } from '../eval/threshold';

const f32 = Math.fround;

/** The residual's quantisation step, in standard deviations (±32767 steps = ±128 sd). */
export const STEP_SD = 1 / 256;
export const Q_MAX = 32767;
/** Largest stored weight magnitude per weight format: int16 (format 0) and int8 (format 1). */
export const W_MAX = { i16: 32767, i8: 127 } as const;
export type SpeedWeightFormat = keyof typeof W_MAX;
/** The byte at +7 of the section (docs/model-format.md §2.9). */
export const WEIGHT_FORMAT_CODE: Record<SpeedWeightFormat, number> = { i16: 0, i8: 1 };
export const SPEED_SECTION_MAGIC = 'VSPD';
export const MAX_KNOTS = 8;
/** The STM32F405 node's model slot (docs/size.md): the whole blob, layers and speed section, must fit. */
export const NODE_MODEL_SLOT_BYTES = 16352;

/** One knot interval's simultaneous diagonalisation (a single block when there is one knot). */
export interface SpeedBlock {
  /** f32 scale of each row of `w` (z_k = rowScale_k · Σ_i w[k·D + i] q_i). */
  rowScale: Float32Array;
  /** Eigenvalues λ_k of the interpolation nuisance in whitened units (0 with one knot). */
  lambda: Float32Array;
  /** D × D row-major: int16 in −32767 … 32767 (format i16) or int8 in −127 … 127 (format i8). */
  w: Int16Array | Int8Array;
}

/** What the model file's speed section holds (docs/model-format.md §2.9). */
export interface NodeSpeedDetector {
  dim: number;
  /** How W is stored: int16 (the first form) or int8 (half the bytes; what train writes). */
  weights: SpeedWeightFormat;
  /** EMA weight of the newest window. */
  smoothing: number;
  warmup: number;
  /** Natural log rpm. */
  spanTolerance: number;
  interpolationScale: number;
  /** A window is over when its score > threshold (f32 comparison). */
  threshold: number;
  inMul: Float32Array;
  knots: { rpm: number; mean: Float32Array }[];
  /** max(1, knots − 1) blocks: block j covers knots j … j + 1. */
  blocks: SpeedBlock[];
}

// ---- the node's log10 (firmware/src/dsp/log10.h dsp_log10_pos_f32), bit for bit ----
const LOG_BUF = new DataView(new ArrayBuffer(4));
const C3 = f32(1 / 3);
const C5 = f32(1 / 5);
const C7 = f32(1 / 7);
const C9 = f32(1 / 9);
const LOG10_2_HI = 0.301025390625; // 0x1.344p-2
const LOG10_2_LO = f32(4.6050389811952113e-6);
const LOG10_E = f32(0.43429448190325182765);

/** log10 of a positive normal binary32 value, as the node computes it. */
export function nodeLog10(x: number): number {
  LOG_BUF.setFloat32(0, x, true);
  const bits = LOG_BUF.getUint32(0, true);
  const shifted = (bits - 0x3f3504f3) >>> 0;
  const e = shifted >> 23; // arithmetic shift of the int32 (>> on a number is int32)
  const mbits = ((shifted & 0x007fffff) + 0x3f3504f3) >>> 0;
  LOG_BUF.setUint32(0, mbits, true);
  const m = LOG_BUF.getFloat32(0, true);
  const s = f32(f32(m - 1) / f32(m + 1));
  const s2 = f32(s * s);
  const poly = f32(s2 * f32(C3 + f32(s2 * f32(C5 + f32(s2 * f32(C7 + f32(s2 * C9)))))));
  const twoS = f32(2 * s);
  const lnM = f32(twoS + f32(twoS * poly));
  const fe = e;
  return f32(f32(fe * LOG10_2_HI) + f32(f32(fe * LOG10_2_LO) + f32(lnM * LOG10_E)));
}

// ---- building the node form ----

/** Symmetric eigen-decomposition by cyclic Jacobi rotations (row-major D × D); columns of V are the vectors. */
export function symmetricEigen(A0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(A0);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => A[i * n + i]), vectors: V };
}

/** L⁻¹ (lower triangular, row-major) of a Cholesky factor. */
function lowerInverse(L: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    X[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += L[i * n + k] * X[k * n + j];
      X[i * n + j] = -s / L[i * n + i];
    }
  }
  return X;
}

function quantiseRows(W: Float64Array, n: number, lambda: Float64Array, format: SpeedWeightFormat): SpeedBlock {
  const rowScale = new Float32Array(n);
  const wMax = W_MAX[format];
  const w = format === 'i8' ? new Int8Array(n * n) : new Int16Array(n * n);
  for (let k = 0; k < n; k++) {
    let mx = 0;
    for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(W[k * n + i]));
    const sc = f32(mx > 0 ? mx / wMax : 1);
    rowScale[k] = sc;
    for (let i = 0; i < n; i++) w[k * n + i] = Math.max(-wMax, Math.min(wMax, Math.round(W[k * n + i] / sc)));
  }
  return { rowScale, lambda: Float32Array.from(lambda, (x) => Math.max(0, x)), w };
}

/**
 * The node form of a fitted detector, without its threshold (NaN): the caller sets it from this
 * form's validation scores (fitNodeSpeedDetector).
 */
export function nodeFormOf(det: SpeedDetector, weights: SpeedWeightFormat = 'i8'): NodeSpeedDetector {
  const D = det.dim;
  if (det.knots.length > MAX_KNOTS) throw new RangeError(`the node keeps at most ${MAX_KNOTS} trained speeds; this detector has ${det.knots.length}`);
  const { std, chol } = det.within;
  const Linv = lowerInverse(chol, D);
  // in_mul_i = 1 / (std_i STEP_SD): the residual in steps of 1/256 sd
  const inMul = Float32Array.from(std, (s) => 1 / (s * STEP_SD));
  // Row k of W (float) maps r to z_k; with q_i ≈ r_i in_mul_i, the stored row is W_ki / in_mul_i.
  const block = (Q: Float64Array | null, lambda: Float64Array): SpeedBlock => {
    const W = new Float64Array(D * D);
    for (let k = 0; k < D; k++)
      for (let i = 0; i < D; i++) {
        // (Qᵀ L⁻¹)_{k i} / std_i, then per step of q
        let s = 0;
        if (Q) for (let j = i; j < D; j++) s += Q[j * D + k] * Linv[j * D + i];
        else s = Linv[k * D + i];
        W[k * D + i] = s / std[i] / inMul[i];
      }
    return quantiseRows(W, D, lambda, weights);
  };
  const blocks: SpeedBlock[] = [];
  if (det.knots.length === 1) blocks.push(block(null, new Float64Array(D)));
  for (let j = 0; j + 1 < det.knots.length; j++) {
    const lo = det.knots[j].mean;
    const hi = det.knots[j + 1].mean;
    // A = L⁻¹ diag(e²) L⁻ᵀ, e = d / std
    const A = new Float64Array(D * D);
    for (let a = 0; a < D; a++)
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let i = 0; i <= b; i++) s += Linv[a * D + i] * Linv[b * D + i] * ((hi[i] - lo[i]) / std[i]) ** 2;
        A[a * D + b] = A[b * D + a] = s;
      }
    const { values, vectors } = symmetricEigen(A, D);
    blocks.push(block(vectors, values));
  }
  return {
    dim: D,
    weights,
    smoothing: f32(det.smoothing),
    warmup: det.warmup,
    spanTolerance: f32(det.spanTolerance),
    interpolationScale: f32(det.interpolation.scale),
    threshold: NaN,
    inMul,
    knots: det.knots.map((k) => ({ rpm: f32(k.rpm), mean: Float32Array.from(k.mean) })),
    blocks,
  };
}

// ---- scoring, as the node does ----

export type NodeSpeedState = 'healthy' | 'over' | 'unseen-condition';

export interface NodeSpeedStep {
  state: NodeSpeedState;
  /** NaN at an unseen condition; computed (not counted as over) during the warm-up. */
  score: number;
  /** Windows since the EMA last restarted (0 at the restart). */
  age: number;
}

/** Where a speed falls: interval j and the f32 position t, or null outside the widened span. */
export function nodeBracket(m: NodeSpeedDetector, rpm: number): { j: number; t: number } | null {
  if (!(rpm > 0) || !Number.isFinite(rpm)) return null;
  const v = f32(rpm);
  const ks = m.knots;
  const first = ks[0].rpm;
  const last = ks[ks.length - 1].rpm;
  const tol = m.spanTolerance;
  // |ln(v / knot)| through the node's log10: log10(ratio) / log10(e)
  const lnRatio = (a: number, b: number) => f32(Math.abs(nodeLog10(f32(a / b))) / LOG10_E);
  if (v < first && lnRatio(v, first) > tol) return null;
  if (v > last && lnRatio(v, last) > tol) return null;
  if (ks.length === 1 || v <= first) return { j: 0, t: 0 };
  if (v >= last) return { j: ks.length - 2, t: 1 };
  let j = 0;
  while (j < ks.length - 2 && v > ks[j + 1].rpm) j++;
  const t = f32(nodeLog10(f32(v / ks[j].rpm)) / nodeLog10(f32(ks[j + 1].rpm / ks[j].rpm)));
  return { j, t: Math.min(1, Math.max(0, t)) };
}

/** round(x) half away from zero with the node's clamp (NaN → 0). */
export function quantiseResidual(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x > Q_MAX) return Q_MAX;
  if (x < -Q_MAX) return -Q_MAX;
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r === 0 ? 0 : r;
}

/** The node's scorer state: one EMA vector (f32), its age and the speed it was last scored at. */
export class NodeSpeedScorer {
  readonly y: Float32Array;
  readonly q: Int32Array;
  age = 0;
  private started = false;
  private lastRpm = 0;

  constructor(readonly m: NodeSpeedDetector) {
    this.y = new Float32Array(m.dim);
    this.q = new Int32Array(m.dim);
  }

  /** A gap in the samples: the EMA starts again at the next window. */
  restart(): void {
    this.started = false;
  }

  step(x: ArrayLike<number>, rpm: number): NodeSpeedStep {
    const m = this.m;
    const D = m.dim;
    const v = f32(rpm);
    // a change of speed beyond the tolerance restarts the EMA (the mean it tracks moves)
    if (this.started && !(v > 0 && this.lastRpm > 0 && f32(Math.abs(nodeLog10(f32(v / this.lastRpm))) / LOG10_E) <= m.spanTolerance)) this.started = false;
    if (!this.started) {
      for (let i = 0; i < D; i++) this.y[i] = x[i];
      this.age = 0;
      this.started = true;
      this.lastRpm = v;
    } else {
      for (let i = 0; i < D; i++) this.y[i] = f32(this.y[i] + f32(m.smoothing * f32(x[i] - this.y[i])));
      if (this.age < 0xffff) this.age++;
    }
    const age = this.age;
    const b = nodeBracket(m, v);
    if (!b) return { state: 'unseen-condition', score: NaN, age };
    const score = this.scoreAt(b.j, b.t);
    const over = age >= m.warmup && score > m.threshold;
    return { state: over ? 'over' : 'healthy', score, age };
  }

  /** The score of the current EMA vector at interval j, position t. */
  scoreAt(j: number, t: number): number {
    const m = this.m;
    const D = m.dim;
    const lo = m.knots[j].mean;
    const hi = m.knots[Math.min(j + 1, m.knots.length - 1)].mean;
    for (let i = 0; i < D; i++) {
      const mean = f32(lo[i] + f32(t * f32(hi[i] - lo[i])));
      this.q[i] = quantiseResidual(f32(f32(this.y[i] - mean) * m.inMul[i]));
    }
    const f = m.knots.length > 1 ? f32(f32(m.interpolationScale * t) * f32(1 - t)) : 0;
    const blk = m.blocks[m.knots.length > 1 ? j : 0];
    let s = 0;
    for (let k = 0; k < D; k++) {
      let acc = 0;
      const row = k * D;
      for (let i = 0; i < D; i++) acc += blk.w[row + i] * this.q[i];
      const z = f32(f32(acc) * blk.rowScale[k]);
      const g = f32(1 / f32(1 + f32(f * blk.lambda[k])));
      s = f32(s + f32(f32(z * z) * g));
    }
    return f32(s / D);
  }
}

/** Scores one recording's consecutive windows at its speed (NaN outside the span), restarting at segment starts. */
export function nodeScoreGroup(m: NodeSpeedDetector, g: SpeedGroup): Float64Array {
  const sc = new NodeSpeedScorer(m);
  const starts = new Set(g.segmentStarts ?? []);
  return Float64Array.from(g.rows, (x, k) => {
    if (starts.has(k)) sc.restart();
    return sc.step(x, g.rpm).score;
  });
}

export interface NodeSpeedFit {
  /** The laptop's detector (f64, its own threshold). */
  laptop: SpeedDetector;
  /** What the node runs, threshold set on its own validation scores. */
  node: NodeSpeedDetector;
  threshold: ToleranceThresholdChoice;
}

/**
 * Fits the laptop detector, derives the node form, and sets the node form's threshold from the
 * node form's own scores (the same rule, target and validation scheme as the laptop's).
 */
export function fitNodeSpeedDetector(train: SpeedGroup[], validation: SpeedGroup[], options: SpeedDetectorOptions & { weights?: SpeedWeightFormat } = {}): NodeSpeedFit {
  const laptop = fitSpeedDetector(train, validation, options);
  return nodeFitOf(laptop, validation, { ...options, train });
}

/**
 * The node form of an already fitted laptop detector, its threshold set from its own scores: of the
 * validation recordings when the laptop's came from them (validation 'separate'); when the laptop's
 * came from folds (cross-fit, leave-one-recording-out), from the node forms of the same fold
 * models, each scoring its own fold (`train` must then be the laptop's training groups).
 */
export function nodeFitOf(
  laptop: SpeedDetector,
  validation: SpeedGroup[],
  options: { weights?: SpeedWeightFormat; targetRate?: number; thresholdConfidence?: number; thresholdRule?: ThresholdRule; train?: SpeedGroup[] } = {},
): NodeSpeedFit {
  const weights = options.weights ?? 'i8';
  const node = nodeFormOf(laptop, weights);
  for (const g of validation) if (!nodeBracket(node, g.rpm)) throw new RangeError(`validation speed ${g.rpm} rpm is outside the trained span`);
  let groups: { scores: Float64Array; segmentStarts?: number[] }[];
  if (laptop.validation === 'cross-fit' || laptop.validation === 'leave-one-recording-out') {
    if (!options.train) throw new RangeError(`a detector whose threshold came from ${laptop.validation} scores needs its training groups to set the node form threshold`);
    const all = [...options.train, ...validation];
    const foldOptions = { smoothing: laptop.smoothing, warmup: laptop.warmup, spanTolerance: laptop.spanTolerance, ...(laptop.interpolation.source === 'prior' ? { interpolationPrior: laptop.interpolation.scale } : {}) };
    const folds = laptop.validation === 'cross-fit' ? crossFitScores : leaveOneRecordingOutScores;
    groups = folds(all, foldOptions, (fold, g) => nodeScoreGroup(nodeFormOf(fold, weights), g)).map((scores, i) => ({ scores, segmentStarts: all[i].segmentStarts }));
  } else groups = validation.map((g) => ({ scores: nodeScoreGroup(node, g), segmentStarts: g.segmentStarts }));
  const threshold = validationThreshold(groups, laptop.smoothing, laptop.warmup, options.targetRate ?? 0.001, options.thresholdConfidence ?? 0.95, options.thresholdRule);
  node.threshold = f32(threshold.threshold);
  return { laptop, node, threshold };
}

/** Bytes of the speed section (docs/model-format.md §2.9): 32 + 4D + K (4 + 4D) + J (8D + bD², padded to 4), b = 2 (int16 W) or 1 (int8 W). */
export function speedSectionSize(dim: number, knots: number, weights: SpeedWeightFormat = 'i8'): number {
  const J = Math.max(1, knots - 1);
  const b = weights === 'i8' ? 1 : 2;
  return 32 + 4 * dim + knots * (4 + 4 * dim) + J * ((8 * dim + b * dim * dim + 3) & ~3);
}

export { bracket };
