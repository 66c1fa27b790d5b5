/**
 * The app section of a .vgm file (docs/model-format.md 3): lineage, metrics and the float model,
 * as JSON. The node never receives it.
 */
import type { FeatureSpec } from '../features/spec';
import type { Activation, FloatAutoencoder } from './types';

export interface FloatModelJson {
  axes: number[];
  mean: number[];
  std: number[];
  layers: { inDim: number; outDim: number; activation: Activation; weights: number[]; bias: number[] }[];
}

export interface DataSource {
  name: string;
  label: string;
  /** What the app/CLI used it for, in words: "train samples 0..109728, validation ..., test ...". */
  use: string;
  sampleRateHz?: number;
  samples?: number;
  windows?: number;
  /** For recordings from the app's store: its id and the labelled ranges used. */
  recordingId?: string;
  ranges?: { startUs: number; endUs: number; label: string }[];
}

export interface Lineage {
  tool: string;
  createdAt: string;
  parentVersion?: number | null;
  channels: string[];
  data: DataSource[];
  labels: string[];
  params: Record<string, unknown>;
  training: { epochsRun: number; bestEpoch: number; backend: string; seconds: number; loss: number; valLoss: number | null; stoppedEarly: boolean };
  threshold: { targetRate: number; k: number; n: number; source: string };
  /** Free-form notes shown with the model (e.g. the held-out notice). */
  notes: string[];
}

export interface MetricsSummary {
  auc: Record<string, number>;
  aucInt8: Record<string, number>;
  aucMin: number;
  aucInt8Min: number;
  falseAlarmRate: number;
  detectionRate: Record<string, number>;
  falseAlarmsPerDay: number;
  baselines: { rms: { aucMin: number }; mahalanobis: { aucMin: number } };
  windows: Record<string, number>;
}

export interface AppSection {
  kind: 'vigil-model-app-section';
  version: 1;
  lineage: Lineage;
  metrics?: MetricsSummary;
  float?: FloatModelJson;
}

export function floatModelToJson(m: FloatAutoencoder): FloatModelJson {
  return {
    axes: [...m.axes],
    mean: Array.from(m.mean),
    std: Array.from(m.std),
    layers: m.layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, activation: l.activation, weights: Array.from(l.weights), bias: Array.from(l.bias) })),
  };
}

export function floatModelFromJson(j: FloatModelJson, spec: FeatureSpec): FloatAutoencoder {
  const bad = (what: string): never => {
    throw new RangeError(`the float model in the app section is invalid: ${what}`);
  };
  if (!Array.isArray(j?.layers) || !Array.isArray(j.mean) || !Array.isArray(j.std) || !Array.isArray(j.axes)) bad('missing fields');
  const d = j.mean.length;
  if (j.std.length !== d) bad('mean and std differ in length');
  const layers = j.layers.map((l, i) => {
    if (l.weights.length !== l.inDim * l.outDim || l.bias.length !== l.outDim) bad(`layer ${i} has the wrong number of weights`);
    if (l.activation !== 'relu' && l.activation !== 'linear') bad(`layer ${i} activation ${String(l.activation)}`);
    return { inDim: l.inDim, outDim: l.outDim, activation: l.activation, weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) };
  });
  if (layers[0]?.inDim !== d || layers[layers.length - 1]?.outDim !== d) bad('layer widths do not match the input');
  return { spec, axes: [...j.axes], mean: Float64Array.from(j.mean), std: Float64Array.from(j.std), layers };
}
