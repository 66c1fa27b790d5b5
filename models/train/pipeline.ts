/**
 * The one training path the app's worker, the CLI, the benchmark and scripts/gen-default-model.ts
 * share, in three steps:
 *   1. trainModel: train the float autoencoder on the normal training windows;
 *   2. quantizeDetector: quantize it to int8 and choose the thresholds;
 *   3. packageModel: evaluate, build the lineage and the metrics, and write the .vgm file.
 * trainDetector runs steps 1 and 2. The threshold of the int8 model (the one the node runs) is
 * chosen on its own validation scores; the float model's on the float validation scores.
 */
import type { FeatureSpec } from '../features/spec';
import { floatModelToJson, type AppSection, type Lineage } from '../nn/appSection';
import { floatScores } from '../nn/float';
import { int8SumsqBatch } from '../nn/int8';
import { writeModelBlob, writeVgmFile } from '../nn/modelFile';
import { quantizeAutoencoder } from '../nn/quantize';
import type { FloatAutoencoder, Int8Autoencoder, Rounding } from '../nn/types';
import { evaluate, summarize, type CliSummary, type EvaluationReport } from '../eval/report';
import { chooseThreshold, type ThresholdChoice } from '../eval/threshold';
import { trainAutoencoder, type TrainOptions, type TrainResult } from './autoencoder';
import type { PreparedData } from './dataset';
import { buildLineage, type LineageInput } from './lineage';
import { msg, MsgError, numOf } from '../i18n/msg';

export interface QuantizeOptions {
  /** Target per-window false-alarm rate for the threshold (default 0.001). */
  targetRate?: number;
  debounceK?: number;
  debounceN?: number;
  modelVersion?: number;
  inputHeadroom?: number;
  /** Requantization rounding of the int8 model (default 'double'; docs/model-format.md 1.2). */
  rounding?: Rounding;
}

export interface DetectorOptions extends TrainOptions, QuantizeOptions {
  /** Called between the phases (after training: 'quantizing'). */
  onPhase?: (phase: 'training' | 'quantizing' | 'done') => void;
}

export interface QuantizedDetector {
  int8: Int8Autoencoder;
  floatThreshold: ThresholdChoice;
  int8Threshold: ThresholdChoice;
  quantizeSeconds: number;
}

export interface TrainedDetector extends QuantizedDetector {
  training: TrainResult;
  float: FloatAutoencoder;
}

/** The windows quantization and thresholding need: training rows (input range) and validation rows. */
export interface QuantizeData {
  train: { rows: Float32Array[] };
  val: { rows: Float32Array[] };
}

export class NoTrainingDataError extends MsgError {
  override name = 'NoTrainingDataError';
}

/** Step 1: trains the float autoencoder (at least 2 training and 2 validation windows). */
export async function trainModel(data: PreparedData, spec: FeatureSpec, axes: number[], o: TrainOptions = {}): Promise<TrainResult> {
  if (data.train.rows.length < 2) throw new NoTrainingDataError(msg('problems.train.noTrain', { count: numOf(data.train.rows.length) }));
  if (data.val.rows.length < 2) throw new NoTrainingDataError(msg('problems.train.noVal', { count: numOf(data.val.rows.length) }));
  return trainAutoencoder(data.train.rows, data.val.rows, spec, axes, o);
}

/** Step 2: quantizes to int8 and sets its detector (threshold on the int8 validation scores, debounce). */
export function quantizeDetector(float: FloatAutoencoder, data: QuantizeData, o: QuantizeOptions = {}): QuantizedDetector {
  const t0 = Date.now();
  const targetRate = o.targetRate ?? 0.001;
  const int8 = quantizeAutoencoder(float, data.train.rows, { inputHeadroom: o.inputHeadroom, modelVersion: o.modelVersion ?? 1, rounding: o.rounding });
  const int8Threshold = chooseThreshold(int8SumsqBatch(int8, data.val.rows), targetRate, 0.5);
  int8.detector = { thresholdSumsq: Math.min(0xffffffff, Math.floor(int8Threshold.threshold)), debounceK: o.debounceK ?? 3, debounceN: o.debounceN ?? 5 };
  const quantizeSeconds = (Date.now() - t0) / 1000;
  const floatThreshold = chooseThreshold(floatScores(float, data.val.rows), targetRate);
  return { int8, int8Threshold, floatThreshold, quantizeSeconds };
}

/** Steps 1 and 2. */
export async function trainDetector(data: PreparedData, spec: FeatureSpec, axes: number[], o: DetectorOptions = {}): Promise<TrainedDetector> {
  o.onPhase?.('training');
  const training = await trainModel(data, spec, axes, o);
  o.onPhase?.('quantizing');
  const q = quantizeDetector(training.model, data, o);
  o.onPhase?.('done');
  return { training, float: training.model, ...q };
}

export interface PackageInput extends LineageInput {
  /** The node's current model, evaluated beside the new one (the Training page). */
  current?: Int8Autoencoder;
  /** Keep the per-window scores in the report (for charts). Default false. */
  keepScores?: boolean;
}

export interface PackagedModel {
  report: EvaluationReport;
  summary: CliSummary;
  lineage: Lineage;
  /** The node's model blob (docs/model-format.md). */
  blob: Uint8Array;
  /** The .vgm file: the blob and the app section (lineage, metrics, float model). */
  file: Uint8Array;
}

/** The metrics block of the app section, from the evaluation summary. */
export function metricsOf(s: CliSummary): AppSection['metrics'] {
  return {
    auc: s.auc ?? {},
    aucInt8: s.auc_int8 ?? {},
    aucMin: s.auc_min ?? NaN,
    aucInt8Min: s.auc_int8_min ?? NaN,
    falseAlarmRate: s.false_alarm_rate ?? NaN,
    detectionRate: s.detection_rate ?? {},
    falseAlarmsPerDay: s.false_alarms_per_day ?? NaN,
    baselines: { rms: { aucMin: s.baselines.rms.auc_min ?? NaN }, mahalanobis: { aucMin: s.baselines.mahalanobis.auc_min ?? NaN } },
    windows: s.windows,
  };
}

/** Step 3: evaluates the trained detector on the held-out windows and writes the model file. */
export function packageModel(x: PackageInput): PackagedModel {
  const { trained, prepared, spec } = x;
  const { debounceK, debounceN, thresholdSumsq } = trained.int8.detector;
  const report = evaluate(
    { spec, ...prepared },
    { float: trained.float, int8: trained.int8, current: x.current },
    { targetRate: x.options.targetRate ?? 0.001, debounceK, debounceN, keepScores: x.keepScores ?? false },
  );
  const summary = summarize(report, thresholdSumsq);
  const lineage = buildLineage(x);
  const app: AppSection = { kind: 'vigil-model-app-section', version: 1, lineage, metrics: metricsOf(summary), float: floatModelToJson(trained.float) };
  const blob = writeModelBlob(trained.int8);
  return { report, summary, lineage, blob, file: writeVgmFile(blob, app) };
}
