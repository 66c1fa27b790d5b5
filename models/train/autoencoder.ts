/**
 * Training the dense autoencoder with TensorFlow.js (any backend the caller has set up: the app's
 * worker, the CLI and the benchmark select 'wasm'; see backend.ts). Plain tfjs-core ops rather
 * than tf.layers, so that every random number comes from our seeded PRNG: the same seed, data and
 * backend give the same weights, run after run.
 *
 * Model: standardise (mean/std of the training windows) -> dense+ReLU ... -> dense (linear) back
 * to the input width; loss = mean squared reconstruction error of the standardised input, plus an
 * L2 penalty on the weights (not the biases); Adam on one flat parameter vector; early stopping on
 * the validation loss with the best weights restored.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSpec } from '../features/spec';
import type { DenseF32, FloatAutoencoder } from '../nn/types';
import { Prng } from './prng';
import { msg, MsgError, numOf } from '../i18n/msg';

export interface TrainOptions {
  /** Hidden layer widths (default [32, 8, 32]: a 64-32-8-32-64 model on two axes of 32 bands). */
  hidden?: number[];
  /** Most epochs (default 300). */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty on the weights, added to the loss (default 1e-3). */
  l2?: number;
  /** Stop after this many epochs without a better validation loss (default 30); 0 disables. */
  patience?: number;
  seed?: number;
  /** Floor on each feature's standard deviation, log10 units (default 0.01: a flat band). */
  minStd?: number;
  /**
   * Called after every epoch. Return false (or a promise of false) to stop: the run ends with the
   * best weights so far and `cancelled: true`. Awaited, so a worker can yield to its message loop.
   */
  onEpoch?: (p: EpochProgress) => boolean | void | Promise<boolean | void>;
  /**
   * Start from this model's weights (fine-tuning; its standardisation is kept) instead of a fresh
   * Glorot draw. Its layer widths must equal `hidden`'s.
   */
  init?: FloatAutoencoder;
  /**
   * Per layer, 1 where a weight may be non-zero and 0 where it stays zero (pruning,
   * models/size/prune.ts); laid out as DenseF32.weights. Reapplied after every step.
   */
  weightMask?: Float32Array[];
  /**
   * Distillation: the training (and validation) targets in feature units, one per window, in
   * place of the windows themselves (a teacher's reconstructions, models/size/search.ts). The
   * student still reconstructs its own input at inference; only what it is taught differs.
   */
  targets?: { train: ArrayLike<number>[]; val: ArrayLike<number>[] };
}

export interface EpochProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  bestEpoch: number;
  bestValLoss: number | null;
}

export interface TrainResult {
  model: FloatAutoencoder;
  history: { loss: number[]; valLoss: number[] };
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  backend: string;
  seconds: number;
}

export const DEFAULT_TRAIN_OPTIONS = {
  hidden: [32, 8, 32],
  epochs: 300,
  batchSize: 32,
  learningRate: 1e-3,
  l2: 1e-3,
  patience: 30,
  seed: 1,
  minStd: 0.01,
} as const;

export class TrainError extends MsgError {
  override name = 'TrainError';
}

/** Per-feature mean and standard deviation (population), std floored at minStd. */
export function fitStandardization(rows: ArrayLike<number>[], minStd: number): { mean: Float64Array; std: Float64Array } {
  const d = rows[0].length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i] += r[i];
  for (let i = 0; i < d; i++) mean[i] /= rows.length;
  for (const r of rows) for (let i = 0; i < d; i++) std[i] += (r[i] - mean[i]) ** 2;
  for (let i = 0; i < d; i++) std[i] = Math.max(minStd, Math.sqrt(std[i] / rows.length));
  return { mean, std };
}

function standardizedMatrix(rows: ArrayLike<number>[], mean: Float64Array, std: Float64Array): Float32Array {
  const d = mean.length;
  const m = new Float32Array(rows.length * d);
  rows.forEach((r, k) => {
    for (let i = 0; i < d; i++) m[k * d + i] = (r[i] - mean[i]) / std[i];
  });
  return m;
}

/** Glorot-uniform kernel [in, out] from the PRNG; zero bias. */
function glorot(prng: Prng, inDim: number, outDim: number): Float32Array {
  const limit = Math.sqrt(6 / (inDim + outDim));
  const w = new Float32Array(inDim * outDim);
  for (let i = 0; i < w.length; i++) w[i] = (prng.next() * 2 - 1) * limit;
  return w;
}

/** Where each layer's kernel [in, out] and bias live in the flat parameter vector. */
export interface ParamLayout {
  widths: number[];
  offsets: { w: number; b: number; inDim: number; outDim: number }[];
  total: number;
  /** 1 at kernel entries, 0 at biases: the L2 penalty applies to weights only. */
  weightMask: Float32Array;
}

export function paramLayout(widths: number[]): ParamLayout {
  const offsets: ParamLayout['offsets'] = [];
  let off = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const [inDim, outDim] = [widths[l], widths[l + 1]];
    offsets.push({ w: off, b: off + inDim * outDim, inDim, outDim });
    off += inDim * outDim + outDim;
  }
  const weightMask = new Float32Array(off);
  for (const o of offsets) weightMask.fill(1, o.w, o.b);
  return { widths, offsets, total: off, weightMask };
}

/**
 * Loss and its gradient with respect to the flat parameters, by explicit backpropagation:
 * loss = mean((y - x)^2) + l2 * sum(W^2), ReLU on every layer but the last. Written out rather
 * than taped (tf.variableGrads) because the tape and eight per-variable Adam updates cost about
 * twice the time per step on the wasm backend for a model this small (bench/training.ts).
 * `weightMask` is the layout's mask as a tensor.
 */
export function lossAndGradient(theta: tf.Tensor1D, layout: ParamLayout, weightMask: tf.Tensor1D, x: tf.Tensor2D, l2: number, target: tf.Tensor2D = x): { loss: tf.Scalar; grad: tf.Tensor1D } {
  const L = layout.offsets.length;
  const [n, d] = x.shape;
  const Ws: tf.Tensor2D[] = [];
  const a: tf.Tensor2D[] = [x];
  const z: tf.Tensor2D[] = [];
  for (let l = 0; l < L; l++) {
    const o = layout.offsets[l];
    const W = tf.reshape(tf.slice(theta, [o.w], [o.inDim * o.outDim]), [o.inDim, o.outDim]) as tf.Tensor2D;
    const b = tf.slice(theta, [o.b], [o.outDim]);
    Ws.push(W);
    const zl = tf.add(tf.matMul(a[l], W), b) as tf.Tensor2D;
    z.push(zl);
    a.push(l < L - 1 ? tf.relu(zl) : zl);
  }
  const diff = tf.sub(a[L], target);
  let loss = tf.mean(tf.square(diff)) as tf.Scalar;
  let da = tf.mul(diff, 2 / (n * d)) as tf.Tensor2D;
  const parts: tf.Tensor1D[] = new Array(2 * L);
  for (let l = L - 1; l >= 0; l--) {
    const dz = l < L - 1 ? (tf.mul(da, tf.step(z[l])) as tf.Tensor2D) : da;
    parts[2 * l] = tf.reshape(tf.matMul(a[l], dz, true, false), [-1]) as tf.Tensor1D;
    parts[2 * l + 1] = tf.sum(dz, 0) as tf.Tensor1D;
    if (l > 0) da = tf.matMul(dz, Ws[l], false, true);
  }
  let grad = tf.concat(parts) as tf.Tensor1D;
  if (l2 > 0) {
    const w = tf.mul(theta, weightMask);
    loss = tf.add(loss, tf.mul(tf.sum(tf.square(w)), l2)) as tf.Scalar;
    grad = tf.add(grad, tf.mul(w, 2 * l2)) as tf.Tensor1D;
  }
  return { loss, grad };
}

/** Reconstruction MSE only (the validation loss), against the target (default: the input). */
function reconstructionLoss(theta: tf.Tensor1D, layout: ParamLayout, x: tf.Tensor2D, target: tf.Tensor2D = x): tf.Scalar {
  const L = layout.offsets.length;
  let h = x;
  for (let l = 0; l < L; l++) {
    const o = layout.offsets[l];
    const W = tf.reshape(tf.slice(theta, [o.w], [o.inDim * o.outDim]), [o.inDim, o.outDim]) as tf.Tensor2D;
    const y = tf.add(tf.matMul(h, W), tf.slice(theta, [o.b], [o.outDim])) as tf.Tensor2D;
    h = l < L - 1 ? tf.relu(y) : y;
  }
  return tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
}

export async function trainAutoencoder(
  train: ArrayLike<number>[],
  val: ArrayLike<number>[],
  spec: FeatureSpec,
  axes: number[],
  options: TrainOptions = {},
): Promise<TrainResult> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const t0 = Date.now();
  if (train.length < 2) throw new TrainError(msg('problems.train.fewWindows', { count: numOf(train.length) }));
  const d = train[0].length;
  if (d !== axes.length * (spec.bandEdges.length - 1)) throw new TrainError(msg('problems.train.featureCount', { have: numOf(d), want: numOf(axes.length * (spec.bandEdges.length - 1)) }));
  if (o.hidden.length < 1 || o.hidden.some((h) => !Number.isInteger(h) || h < 1 || h > 1024)) throw new TrainError(msg('problems.train.hidden'));

  const { mean, std } = o.init ? { mean: Float64Array.from(o.init.mean), std: Float64Array.from(o.init.std) } : fitStandardization(train, o.minStd);
  const prng = new Prng(o.seed);
  const layout = paramLayout([d, ...o.hidden, d]);
  const init = new Float32Array(layout.total);
  if (o.init) {
    const widths = [o.init.layers[0]?.inDim, ...o.init.layers.map((l) => l.outDim)];
    if (widths.join() !== layout.widths.join()) throw new TrainError(`the initial model is ${widths.join('-')}, the options ask for ${layout.widths.join('-')}`);
    layout.offsets.forEach((lo, l) => {
      const src = o.init!.layers[l];
      for (let i = 0; i < lo.inDim; i++) for (let k = 0; k < lo.outDim; k++) init[lo.w + i * lo.outDim + k] = src.weights[k * lo.inDim + i];
      init.set(src.bias, lo.b);
    });
  } else {
    for (const lo of layout.offsets) init.set(glorot(prng, lo.inDim, lo.outDim), lo.w); // biases start at 0
  }
  // Pruning: the flat mask (kernel layout [in, out]; 1 at biases), applied to the start and after every step.
  let keep: Float32Array | null = null;
  if (o.weightMask) {
    if (o.weightMask.length !== layout.offsets.length) throw new TrainError(`the weight mask has ${o.weightMask.length} layers, the model ${layout.offsets.length}`);
    const flat = new Float32Array(layout.total).fill(1);
    layout.offsets.forEach((lo, l) => {
      const m = o.weightMask![l];
      if (m.length !== lo.inDim * lo.outDim) throw new TrainError(`the weight mask of layer ${l + 1} has ${m.length} entries, not ${lo.inDim * lo.outDim}`);
      for (let i = 0; i < lo.inDim; i++) for (let k = 0; k < lo.outDim; k++) flat[lo.w + i * lo.outDim + k] = m[k * lo.inDim + i];
    });
    for (let i = 0; i < init.length; i++) init[i] *= flat[i];
    keep = flat;
  }
  if (o.targets && (o.targets.train.length !== train.length || o.targets.val.length !== val.length)) throw new TrainError('distillation needs one target per training and validation window');
  const L = layout.offsets.length;

  // Adam (Kingma & Ba 2015) as tf.train.adam: beta1 0.9, beta2 0.999, epsilon 1e-7, bias-corrected.
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-7;
  // Variables outlive tidy(); the tensors they are made from do not leak.
  const [theta, m, v] = tf.tidy(() => [tf.variable(tf.tensor1d(init), true), tf.variable(tf.zeros([layout.total]), false), tf.variable(tf.zeros([layout.total]), false)]);
  const mask = tf.tensor1d(layout.weightMask);
  const keepT = keep ? tf.tensor1d(keep) : null;
  const xTrain = tf.tensor2d(standardizedMatrix(train, mean, std), [train.length, d]);
  const xVal = val.length > 0 ? tf.tensor2d(standardizedMatrix(val, mean, std), [val.length, d]) : null;
  const yTrain = o.targets ? tf.tensor2d(standardizedMatrix(o.targets.train, mean, std), [train.length, d]) : null;
  const yVal = o.targets && val.length > 0 ? tf.tensor2d(standardizedMatrix(o.targets.val, mean, std), [val.length, d]) : null;
  const n = train.length;
  const batch = Math.max(1, Math.min(o.batchSize, n));
  const history = { loss: [] as number[], valLoss: [] as number[] };
  let best: Float32Array | null = null;
  let bestVal = Infinity;
  let bestEpoch = -1;
  let stoppedEarly = false;
  let cancelled = false;
  let epoch = 0;
  let step = 0;

  try {
    for (epoch = 0; epoch < o.epochs; epoch++) {
      const perm = prng.permutation(n);
      // One tidy scope per step: an epoch-wide scope would hold every intermediate tensor of
      // the epoch in wasm memory until its end.
      const shuffled = tf.tidy(() => tf.gather(xTrain, tf.tensor1d(perm, 'int32')) as tf.Tensor2D);
      const shuffledY = yTrain ? tf.tidy(() => tf.gather(yTrain, tf.tensor1d(perm, 'int32')) as tf.Tensor2D) : null;
      let lossSum: tf.Scalar = tf.scalar(0);
      for (let s = 0; s < n; s += batch) {
        const size = Math.min(batch, n - s);
        step++;
        const next = tf.tidy(() => {
          const xb = tf.slice(shuffled, [s, 0], [size, d]) as tf.Tensor2D;
          const { loss, grad } = lossAndGradient(theta, layout, mask, xb, o.l2, shuffledY ? (tf.slice(shuffledY, [s, 0], [size, d]) as tf.Tensor2D) : xb);
          m.assign(tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1)));
          v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2)));
          const mHatScale = o.learningRate / (1 - beta1 ** step);
          const vHat = tf.mul(v, 1 / (1 - beta2 ** step));
          const stepped = tf.sub(theta, tf.div(tf.mul(m, mHatScale), tf.add(tf.sqrt(vHat), eps))) as tf.Tensor1D;
          theta.assign(keepT ? (tf.mul(stepped, keepT) as tf.Tensor1D) : stepped);
          return tf.add(lossSum, tf.mul(loss, size / n)) as tf.Scalar;
        });
        lossSum.dispose();
        lossSum = next;
      }
      shuffled.dispose();
      shuffledY?.dispose();
      const loss = (await lossSum.data())[0];
      lossSum.dispose();
      let valLoss: number | null = null;
      if (xVal) {
        const vl = tf.tidy(() => reconstructionLoss(theta, layout, xVal, yVal ?? xVal));
        valLoss = (await vl.data())[0];
        vl.dispose();
      }
      history.loss.push(loss);
      if (valLoss !== null) history.valLoss.push(valLoss);
      const score = valLoss ?? loss;
      if (!Number.isFinite(score)) throw new TrainError(msg('problems.train.diverged', { epoch: String(epoch + 1), loss: String(score) }));
      if (o.patience > 0 && score < bestVal) {
        bestVal = score;
        bestEpoch = epoch;
        best = (theta.dataSync() as Float32Array).slice();
      }
      const go = await o.onEpoch?.({ epoch: epoch + 1, epochs: o.epochs, loss, valLoss, bestEpoch: bestEpoch + 1, bestValLoss: Number.isFinite(bestVal) ? bestVal : null });
      if (go === false) {
        cancelled = true;
        epoch++;
        break;
      }
      if (o.patience > 0 && epoch - bestEpoch >= o.patience) {
        stoppedEarly = true;
        epoch++;
        break;
      }
    }
    const final = o.patience > 0 && best ? best : (theta.dataSync() as Float32Array).slice();
    if (o.patience <= 0) bestEpoch = epoch - 1;
    const layers: DenseF32[] = layout.offsets.map((lo, l) => {
      // tfjs kernels are [in, out]; the model stores rows by output channel.
      const w = new Float32Array(lo.inDim * lo.outDim);
      for (let i = 0; i < lo.inDim; i++) for (let k = 0; k < lo.outDim; k++) w[k * lo.inDim + i] = final[lo.w + i * lo.outDim + k];
      return { inDim: lo.inDim, outDim: lo.outDim, activation: l < L - 1 ? 'relu' : 'linear', weights: w, bias: final.slice(lo.b, lo.b + lo.outDim) };
    });
    return {
      model: { spec, axes: [...axes], mean, std, layers },
      history,
      bestEpoch: bestEpoch + 1,
      epochsRun: epoch,
      stoppedEarly,
      cancelled,
      backend: tf.getBackend(),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    for (const t of [theta, m, v, mask, xTrain]) t.dispose();
    for (const t of [xVal, yTrain, yVal, keepT]) t?.dispose();
  }
}
