/**
 * The autoencoder in its two forms: float (what training produces and the app evaluates) and int8
 * (what the node runs; docs/model-format.md). Weights are row-major by output channel in both.
 */
import type { BlockSparse } from './blockSparse';
import type { FeatureSpec } from '../features/spec';
import type { NodeSpeedDetector } from '../detect/speedNode';

export type Activation = 'relu' | 'linear';

/**
 * How a layer's accumulator is requantized (docs/model-format.md 1.2, header flag bit 0):
 * 'double' is TFLite's classic SaturatingRoundingDoublingHighMul + RoundingDivideByPOT (two
 * roundings; CMSIS-NN's arm_nn_requantize), 'single' the one rounding of current LiteRT.
 */
export type Rounding = 'double' | 'single';

export interface DenseF32 {
  inDim: number;
  outDim: number;
  activation: Activation;
  /** weights[o * inDim + i] */
  weights: Float32Array;
  bias: Float32Array;
}

export interface FloatAutoencoder {
  spec: FeatureSpec;
  /** Node axes (0, 1, 2) feeding the input, in input order; input i = a * bandCount + b. */
  axes: number[];
  /** Standardisation fitted on the training windows: z = (x - mean) / std. */
  mean: Float64Array;
  std: Float64Array;
  layers: DenseF32[];
}

export interface DenseQ8 {
  inDim: number;
  outDim: number;
  activation: Activation;
  outScale: number;
  outZeroPoint: number;
  bias: Int32Array;
  multiplier: Int32Array;
  shift: Int32Array;
  /** Per output channel; informative (inference uses multiplier and shift). */
  weightScale: Float32Array;
  /** weights[o * inDim + i], each in -127..127 */
  weights: Int8Array;
  /**
   * Set when the layer was read from a blob that stores it block-sparse (docs/model-format.md 2.4.1):
   * the stored encoding, which the int8 inference then computes from (skipping the blocks not
   * stored). It always agrees with `weights`; writers derive the storage from `weights` again.
   */
  sparse?: BlockSparse;
}

export interface Detector {
  /** A window is over the threshold when sumsq > thresholdSumsq. */
  thresholdSumsq: number;
  debounceK: number;
  debounceN: number;
}

export interface SelfTest {
  input: Float32Array;
  qIn: Int8Array;
  qOut: Int8Array;
  sumsq: number;
}

export interface Int8Autoencoder {
  modelVersion: number;
  spec: FeatureSpec;
  axes: number[];
  inputScale: number;
  inputZeroPoint: number;
  mean: Float32Array;
  /** f32(1 / (std * inputScale)) per feature */
  inMul: Float32Array;
  layers: DenseQ8[];
  detector: Detector;
  selfTest: SelfTest;
  /** Requantization of every layer; absent means 'double' (header flags 0). */
  rounding?: Rounding;
  /**
   * The speed-aware detector in node form (header flag bit 8, docs/model-format.md 2.9): when
   * present the node scores with it, at its CONFIG shaft speed, instead of the layers.
   */
  speed?: NodeSpeedDetector;
}

export const bandCountOf = (spec: FeatureSpec): number => spec.bandEdges.length - 1;
export const inputDimOf = (m: { spec: FeatureSpec; axes: number[] }): number => m.axes.length * bandCountOf(m.spec);
