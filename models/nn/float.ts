/**
 * Float forward pass of the autoencoder in plain TypeScript (float64 arithmetic on the float32
 * weights): scores and activation ranges without TensorFlow.js, so evaluation and quantization run
 * anywhere (CLI, worker, tests) without a tfjs backend.
 */
import type { DenseF32, FloatAutoencoder } from './types';

/** z = (x - mean) / std into `out` (float64). */
export function standardize(model: Pick<FloatAutoencoder, 'mean' | 'std'>, x: ArrayLike<number>, out: Float64Array): Float64Array {
  const { mean, std } = model;
  for (let i = 0; i < mean.length; i++) out[i] = (x[i] - mean[i]) / std[i];
  return out;
}

export function denseF64(layer: DenseF32, x: Float64Array, out: Float64Array): Float64Array {
  const { inDim, outDim, weights, bias } = layer;
  const relu = layer.activation === 'relu';
  for (let o = 0; o < outDim; o++) {
    let acc = bias[o];
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) acc += weights[row + i] * x[i];
    out[o] = relu && acc < 0 ? 0 : acc;
  }
  return out;
}

/** Runs the layers on a standardised input; calls `visit(l, activations)` after each layer. */
export function forwardF64(model: FloatAutoencoder, z: Float64Array, visit?: (layer: number, y: Float64Array) => void): Float64Array {
  let x = z;
  model.layers.forEach((layer, l) => {
    const y = new Float64Array(layer.outDim);
    denseF64(layer, x, y);
    visit?.(l, y);
    x = y;
  });
  return x;
}

/** Mean squared reconstruction error of the standardised input: the float anomaly score. */
export function floatScore(model: FloatAutoencoder, x: ArrayLike<number>): number {
  const d = model.mean.length;
  const z = standardize(model, x, new Float64Array(d));
  const y = forwardF64(model, z);
  let s = 0;
  for (let i = 0; i < d; i++) s += (y[i] - z[i]) ** 2;
  return s / d;
}

export function floatScores(model: FloatAutoencoder, rows: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = floatScore(model, rows[r]);
  return out;
}
