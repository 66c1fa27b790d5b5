/**
 * The app section of a .vgm file (docs/model-format.md 3): lineage, metrics and the float model,
 * as JSON. The node never receives it.
 */
import type { FeatureSpec } from '../features/spec';
import { ModelFormatError } from './modelFile';
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isNumbers = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');

/**
 * Checks the parts of an app section that the app and the CLI read (inspect shows them; eval takes
 * its channels, split and threshold rate from them and runs the float model) before anything uses
 * them: a section of another shape is refused with the field that is wrong (docs/model-format.md 3).
 * A file without an app section (undefined) passes. A metric written as null (a model trained on
 * healthy recordings only has no AUC) is read as NaN.
 */
export function checkAppSection(app: unknown): asserts app is AppSection | undefined {
  if (app === undefined) return;
  const bad = (what: string): never => {
    throw new ModelFormatError(`the model file's app section is not what Vigil writes: ${what}`);
  };
  if (!isObject(app)) return bad('it is not a JSON object');
  const { lineage, metrics, float } = app;
  if (lineage !== undefined) {
    if (!isObject(lineage)) return bad('lineage is not an object');
    for (const k of ['tool', 'createdAt']) if (typeof lineage[k] !== 'string') bad(`lineage.${k} is not text`);
    if (!isStrings(lineage.labels)) bad('lineage.labels is not a list of names');
    if (lineage.channels !== undefined && !isStrings(lineage.channels)) bad('lineage.channels is not a list of names');
    if (!Array.isArray(lineage.data) || !lineage.data.every((d) => isObject(d) && ['name', 'label', 'use'].every((k) => typeof d[k] === 'string'))) bad('lineage.data is not a list of recordings');
    if (lineage.params !== undefined) {
      if (!isObject(lineage.params)) return bad('lineage.params is not an object');
      for (const k of ['testFraction', 'valFraction']) {
        const v = lineage.params[k];
        if (v !== undefined && !(typeof v === 'number' && v > 0 && v < 1)) bad(`lineage.params.${k} is not a fraction between 0 and 1`);
      }
    }
    if (lineage.threshold !== undefined) {
      if (!isObject(lineage.threshold)) return bad('lineage.threshold is not an object');
      const r = lineage.threshold.targetRate;
      if (r !== undefined && !(typeof r === 'number' && r > 0 && r < 0.5)) bad('lineage.threshold.targetRate is not a fraction between 0 and 0.5');
    }
  }
  if (metrics !== undefined) {
    if (!isObject(metrics)) return bad('metrics is not an object');
    // Trained on healthy recordings only (no fault class, as on a new machine), the AUCs cannot be
    // computed: the writer's NaN is null in JSON. They are read back as NaN (shown as "—").
    for (const k of ['aucMin', 'aucInt8Min', 'falseAlarmRate']) {
      if (metrics[k] === null) metrics[k] = NaN;
      else if (typeof metrics[k] !== 'number') bad(`metrics.${k} is not a number`);
    }
  }
  if (float !== undefined) {
    if (!isObject(float)) return bad('float is not an object');
    for (const k of ['axes', 'mean', 'std']) if (!isNumbers(float[k])) bad(`float.${k} is not a list of numbers`);
    const layers = float.layers;
    if (!Array.isArray(layers) || layers.length === 0) return bad('float.layers is not a list of layers');
    layers.forEach((l, i) => {
      if (!isObject(l) || typeof l.inDim !== 'number' || typeof l.outDim !== 'number' || !isNumbers(l.weights) || !isNumbers(l.bias)) bad(`float.layers[${i}] is not a dense layer (inDim, outDim, weights, bias)`);
    });
  }
}
