/**
 * Train -> quantize -> threshold -> model blob, the one path the app's worker, the CLI and the
 * benchmark share. The threshold of the int8 model (the one the node runs) is chosen on its own
 * validation scores; the float model's on the float validation scores.
 */
import type { FeatureSpec } from '../features/spec';
import { floatScores } from '../nn/float';
import { int8SumsqBatch } from '../nn/int8';
import { quantizeAutoencoder } from '../nn/quantize';
import type { FloatAutoencoder, Int8Autoencoder } from '../nn/types';
import { chooseThreshold, type ThresholdChoice } from '../eval/threshold';
import { trainAutoencoder, type TrainOptions, type TrainResult } from './autoencoder';
import type { PreparedData } from './dataset';

export interface DetectorOptions extends TrainOptions {
  /** Target per-window false-alarm rate for the threshold (default 0.001). */
  targetRate?: number;
  debounceK?: number;
  debounceN?: number;
  modelVersion?: number;
  inputHeadroom?: number;
  /** Called between the phases (after training: 'quantizing'). */
  onPhase?: (phase: 'training' | 'quantizing' | 'done') => void;
}

export interface TrainedDetector {
  training: TrainResult;
  float: FloatAutoencoder;
  int8: Int8Autoencoder;
  floatThreshold: ThresholdChoice;
  int8Threshold: ThresholdChoice;
  quantizeSeconds: number;
}

export class NoTrainingDataError extends Error {
  override name = 'NoTrainingDataError';
}

export async function trainDetector(data: PreparedData, spec: FeatureSpec, axes: number[], o: DetectorOptions = {}): Promise<TrainedDetector> {
  if (data.train.rows.length < 2) throw new NoTrainingDataError(`there are ${data.train.rows.length} normal training windows; at least 2 are needed (label some data normal)`);
  if (data.val.rows.length < 2) throw new NoTrainingDataError(`there are ${data.val.rows.length} normal validation windows; at least 2 are needed (a longer normal recording)`);
  o.onPhase?.('training');
  const training = await trainAutoencoder(data.train.rows, data.val.rows, spec, axes, o);
  o.onPhase?.('quantizing');
  const t0 = Date.now();
  const targetRate = o.targetRate ?? 0.001;
  const k = o.debounceK ?? 3;
  const n = o.debounceN ?? 5;
  const int8 = quantizeAutoencoder(training.model, data.train.rows, { inputHeadroom: o.inputHeadroom, modelVersion: o.modelVersion ?? 1 });
  const int8Threshold = chooseThreshold(int8SumsqBatch(int8, data.val.rows), targetRate, 0.5);
  int8.detector = { thresholdSumsq: Math.min(0xffffffff, Math.floor(int8Threshold.threshold)), debounceK: k, debounceN: n };
  const quantizeSeconds = (Date.now() - t0) / 1000;
  const floatThreshold = chooseThreshold(floatScores(training.model, data.val.rows), targetRate);
  o.onPhase?.('done');
  return { training, float: training.model, int8, floatThreshold, int8Threshold, quantizeSeconds };
}
