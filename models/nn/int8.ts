/**
 * The int8 reference inference: what the node computes, bit for bit (docs/model-format.md 1).
 * Integer-only after the input step, which is two float32 operations and a round, as in C.
 */
import { clampInt, multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingle, roundHalfAway } from './fixedpoint';
import type { BlockSparse } from './blockSparse';
import type { DenseQ8, Int8Autoencoder, Rounding } from './types';

const f32 = Math.fround;

/** Section 1.1: q_in[i] = clamp(round(f32(f32(x - mean) * in_mul)) + z_in, -128, 127). */
export function quantizeInput(model: Pick<Int8Autoencoder, 'mean' | 'inMul' | 'inputZeroPoint'>, x: ArrayLike<number>, out: Int8Array): Int8Array {
  const { mean, inMul, inputZeroPoint } = model;
  for (let i = 0; i < mean.length; i++) {
    const t = f32(f32(f32(x[i]) - mean[i]) * inMul[i]);
    let r: number;
    if (Number.isNaN(t)) r = 0;
    else if (t > 1000) r = 1000;
    else if (t < -1000) r = -1000;
    else r = roundHalfAway(t);
    out[i] = clampInt(r + inputZeroPoint, -128, 127);
  }
  return out;
}

/** One dense int8 layer (section 1.2), requantized with double (default) or single rounding. */
export function denseS8(layer: DenseQ8, x: Int8Array, inZeroPoint: number, out: Int8Array, rounding: Rounding = 'double'): Int8Array {
  const { inDim, outDim, weights, bias, multiplier, shift, outZeroPoint } = layer;
  const lo = layer.activation === 'relu' ? Math.max(-128, outZeroPoint) : -128;
  const requantize = rounding === 'single' ? multiplyByQuantizedMultiplierSingle : multiplyByQuantizedMultiplier;
  if (layer.sparse) return denseS8BlockSparse(layer, layer.sparse, x, inZeroPoint, out, lo, requantize);
  for (let o = 0; o < outDim; o++) {
    let acc = bias[o];
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) acc += weights[row + i] * (x[i] - inZeroPoint);
    const y = requantize(acc, multiplier[o], shift[o]) + outZeroPoint;
    out[o] = clampInt(y, lo, 127);
  }
  return out;
}

/**
 * The same layer from its block-sparse storage (docs/model-format.md 2.4.1), as the node's kernels
 * compute it: per row pair, only the stored 2x4 blocks; the blocks not stored are zero and skipped.
 * The integer sums are the dense ones, so the outputs are equal bit for bit.
 */
function denseS8BlockSparse(
  layer: DenseQ8,
  s: BlockSparse,
  x: Int8Array,
  zx: number,
  out: Int8Array,
  lo: number,
  requantize: (acc: number, m: number, shift: number) => number,
): Int8Array {
  const { bias, multiplier, shift, outZeroPoint } = layer;
  const { blocks, mask, words } = s;
  let k = 0;
  for (let r = 0; r < s.pairs; r++) {
    let acc0 = bias[2 * r];
    let acc1 = bias[2 * r + 1];
    for (let w = 0; w < words; w++) {
      let m = mask[r * words + w] >>> 0;
      while (m !== 0) {
        const j = Math.clz32(m);
        m = (m ^ (0x80000000 >>> j)) >>> 0;
        const i0 = 4 * (32 * w + j);
        for (let t = 0; t < 4; t++) {
          const xv = x[i0 + t] - zx;
          acc0 += blocks[k + t] * xv;
          acc1 += blocks[k + 4 + t] * xv;
        }
        k += 8;
      }
    }
    out[2 * r] = clampInt(requantize(acc0, multiplier[2 * r], shift[2 * r]) + outZeroPoint, lo, 127);
    out[2 * r + 1] = clampInt(requantize(acc1, multiplier[2 * r + 1], shift[2 * r + 1]) + outZeroPoint, lo, 127);
  }
  return out;
}

export interface Int8Trace {
  qIn: Int8Array;
  /** Output of every layer; the last is q_out. */
  layers: Int8Array[];
  sumsq: number;
}

/** Runs the whole model on one raw feature vector, keeping every intermediate tensor. */
export function runInt8(model: Int8Autoencoder, x: ArrayLike<number>): Int8Trace {
  const qIn = quantizeInput(model, x, new Int8Array(model.mean.length));
  const layers: Int8Array[] = [];
  let cur = qIn;
  let zp = model.inputZeroPoint;
  for (const layer of model.layers) {
    const y = denseS8(layer, cur, zp, new Int8Array(layer.outDim), model.rounding);
    layers.push(y);
    cur = y;
    zp = layer.outZeroPoint;
  }
  return { qIn, layers, sumsq: sumSquaredDiff(qIn, cur) };
}

export function sumSquaredDiff(a: Int8Array, b: Int8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/** The score as a number: sumsq * s_in^2 / D (display only; decisions use sumsq). */
export function sumsqToScore(model: Pick<Int8Autoencoder, 'inputScale' | 'mean'>, sumsq: number): number {
  return (sumsq * model.inputScale * model.inputScale) / model.mean.length;
}

/** sumsq of many windows, reusing scratch buffers (the fast path for evaluation). */
export function int8SumsqBatch(model: Int8Autoencoder, rows: ArrayLike<number>[]): Uint32Array {
  const d = model.mean.length;
  const width = Math.max(d, ...model.layers.map((l) => l.outDim));
  const qIn = new Int8Array(d);
  const scratch = [new Int8Array(width), new Int8Array(width)];
  const out = new Uint32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    quantizeInput(model, rows[r], qIn);
    let cur: Int8Array = qIn;
    let zp = model.inputZeroPoint;
    for (let l = 0; l < model.layers.length; l++) {
      const layer = model.layers[l];
      const dst = scratch[l & 1].subarray(0, layer.outDim);
      denseS8(layer, cur, zp, dst, model.rounding);
      cur = dst;
      zp = layer.outZeroPoint;
    }
    out[r] = sumSquaredDiff(qIn, cur);
  }
  return out;
}
