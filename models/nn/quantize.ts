/**
 * Post-training int8 quantization in the TFLite scheme (docs/model-format.md 5): per-output-
 * channel symmetric weights in [-127, 127], per-tensor asymmetric activations calibrated on the
 * training windows, int32 biases, Q31 multipliers and shifts precomputed per output channel.
 */
import { clampInt, quantizeMultiplier, roundHalfAway } from './fixedpoint';
import { forwardF64, standardize } from './float';
import { runInt8 } from './int8';
import type { DenseQ8, Detector, FloatAutoencoder, Int8Autoencoder, Rounding } from './types';
import { msg, MsgError, numOf } from '../i18n/msg';

const f32 = Math.fround;

export interface QuantizeOptions {
  /** The input tensor's observed range is widened by this factor about zero (default 2). */
  inputHeadroom?: number;
  modelVersion?: number;
  detector?: Detector;
  /** Index of the calibration window used as the self-test vector (default 0). */
  selfTestIndex?: number;
  /** Requantization rounding (default 'double', the node's historical arithmetic). */
  rounding?: Rounding;
}

export class QuantizeError extends MsgError {
  override name = 'QuantizeError';
}

/** TFLite's asymmetric per-tensor parameters for a range (widened to include 0). */
export function activationParams(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const min = Math.min(0, lo);
  const max = Math.max(0, hi);
  if (!(max > min)) return { scale: f32(1), zeroPoint: -128 }; // an all-zero tensor
  const scale = f32((max - min) / 255);
  const zeroPoint = clampInt(roundHalfAway(-128 - min / scale), -128, 127);
  return { scale, zeroPoint };
}

/** Per-channel symmetric weights: s_w[o] = max|w[o]| / 127, q = clamp(round(w / s_w), -127, 127). */
export function quantizeWeights(weights: Float32Array, inDim: number, outDim: number): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(outDim * inDim);
  const scale = new Float32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let m = 0;
    for (let i = 0; i < inDim; i++) m = Math.max(m, Math.abs(weights[o * inDim + i]));
    const s = m > 0 ? f32(m / 127) : 1;
    scale[o] = s;
    for (let i = 0; i < inDim; i++) q[o * inDim + i] = clampInt(roundHalfAway(weights[o * inDim + i] / s), -127, 127);
  }
  return { q, scale };
}

export function quantizeAutoencoder(model: FloatAutoencoder, calibration: ArrayLike<number>[], options: QuantizeOptions = {}): Int8Autoencoder {
  if (calibration.length === 0) throw new QuantizeError(msg('problems.quantize.noCalibration'));
  const d = model.mean.length;
  const headroom = options.inputHeadroom ?? 2;
  const L = model.layers.length;
  if (model.layers[L - 1].outDim !== d || model.layers[0].inDim !== d) throw new QuantizeError(msg('problems.quantize.notSquare'));

  // Observed ranges: standardised input, then every layer's output.
  let zLo = Infinity;
  let zHi = -Infinity;
  const lo = new Float64Array(L).fill(Infinity);
  const hi = new Float64Array(L).fill(-Infinity);
  const z = new Float64Array(d);
  for (const x of calibration) {
    standardize(model, x, z);
    for (let i = 0; i < d; i++) {
      if (z[i] < zLo) zLo = z[i];
      if (z[i] > zHi) zHi = z[i];
    }
    forwardF64(model, z, (l, y) => {
      for (let i = 0; i < y.length; i++) {
        if (y[i] < lo[l]) lo[l] = y[i];
        if (y[i] > hi[l]) hi[l] = y[i];
      }
    });
  }
  const input = activationParams(zLo * headroom, zHi * headroom);
  const mean = Float32Array.from(model.mean);
  const inMul = new Float32Array(d);
  for (let i = 0; i < d; i++) inMul[i] = f32(1 / (model.std[i] * input.scale));

  const layers: DenseQ8[] = [];
  let sx = input.scale;
  for (let l = 0; l < L; l++) {
    const layer = model.layers[l];
    const last = l === L - 1;
    const { q, scale: sw } = quantizeWeights(layer.weights, layer.inDim, layer.outDim);
    let out = last ? input : activationParams(layer.activation === 'relu' ? 0 : lo[l], hi[l]);
    // Keep every real multiplier below 1 (format 1 has no left shift): widen a hidden output scale.
    let maxM = 0;
    for (let o = 0; o < layer.outDim; o++) maxM = Math.max(maxM, (sx * sw[o]) / out.scale);
    if (maxM >= 1) {
      if (last) throw new QuantizeError(msg('problems.quantize.multiplier', { multiplier: numOf(Number(maxM.toFixed(3))) }));
      const widen = maxM * 1.0001;
      const min = Math.min(0, layer.activation === 'relu' ? 0 : lo[l]) * widen;
      const max = Math.max(0, hi[l]) * widen;
      out = activationParams(min, max);
    }
    const bias = new Int32Array(layer.outDim);
    const multiplier = new Int32Array(layer.outDim);
    const shift = new Int32Array(layer.outDim);
    for (let o = 0; o < layer.outDim; o++) {
      const accScale = sx * sw[o];
      bias[o] = clampInt(roundHalfAway(layer.bias[o] / accScale), -2147483648, 2147483647);
      const m = quantizeMultiplier(accScale / out.scale);
      multiplier[o] = m.multiplier;
      shift[o] = m.shift;
    }
    layers.push({
      inDim: layer.inDim,
      outDim: layer.outDim,
      activation: layer.activation,
      outScale: out.scale,
      outZeroPoint: out.zeroPoint,
      bias,
      multiplier,
      shift,
      weightScale: sw,
      weights: q,
    });
    sx = out.scale;
  }

  const q: Int8Autoencoder = {
    modelVersion: options.modelVersion ?? 1,
    spec: model.spec,
    axes: [...model.axes],
    inputScale: input.scale,
    inputZeroPoint: input.zeroPoint,
    mean,
    inMul,
    layers,
    detector: options.detector ?? { thresholdSumsq: 0xffffffff, debounceK: 3, debounceN: 5 },
    selfTest: { input: new Float32Array(d), qIn: new Int8Array(d), qOut: new Int8Array(d), sumsq: 0 },
    rounding: options.rounding ?? 'double',
  };
  q.selfTest = makeSelfTest(q, calibration[Math.min(options.selfTestIndex ?? 0, calibration.length - 1)]);
  return q;
}

export function makeSelfTest(model: Int8Autoencoder, x: ArrayLike<number>): Int8Autoencoder['selfTest'] {
  const input = Float32Array.from(x);
  const t = runInt8(model, input);
  return { input, qIn: t.qIn, qOut: t.layers[t.layers.length - 1], sumsq: t.sumsq };
}

/** The same model with another rounding mode (its self-test recomputed on the same input). */
export function withRounding(model: Int8Autoencoder, rounding: Rounding): Int8Autoencoder {
  const m: Int8Autoencoder = { ...model, rounding };
  m.selfTest = makeSelfTest(m, model.selfTest.input);
  return m;
}

/** Dequantised copy of an int8 model as a float model (for inspection and round-trip checks). */
export function dequantize(model: Int8Autoencoder, std?: Float64Array): FloatAutoencoder {
  return {
    spec: model.spec,
    axes: [...model.axes],
    mean: Float64Array.from(model.mean),
    std: std ?? Float64Array.from(model.inMul, (m) => 1 / (m * model.inputScale)),
    layers: model.layers.map((l, idx) => {
      const sx = idx === 0 ? model.inputScale : model.layers[idx - 1].outScale;
      const w = new Float32Array(l.weights.length);
      for (let o = 0; o < l.outDim; o++) for (let i = 0; i < l.inDim; i++) w[o * l.inDim + i] = l.weights[o * l.inDim + i] * l.weightScale[o];
      const b = Float32Array.from(l.bias, (v, o) => v * sx * l.weightScale[o]);
      return { inDim: l.inDim, outDim: l.outDim, activation: l.activation, weights: w, bias: b };
    }),
  };
}
