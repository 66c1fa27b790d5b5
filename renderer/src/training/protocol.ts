/** Messages between the Training page and its worker (train.worker.ts). */
import type { EvaluationReport, CliSummary } from '../../../models/eval/report';
import type { Lineage } from '../../../models/nn/appSection';

/** How the technician labelled a picked file. */
export type FileRole = 'normal' | 'unlabelled' | 'anomaly' | 'exclude';

export interface PickedFile {
  file: File;
  role: FileRole;
  /** Anomaly label (role 'anomaly'); ignored otherwise. */
  label: string;
}

export interface TrainParams {
  hidden: number[];
  epochs: number;
  seed: number;
  /** Target false alarms per day after debounce (converted to a per-window rate at the node's window rate). */
  alarmsPerDay: number;
  debounceK: number;
  debounceN: number;
}

export type ToWorker =
  | {
      type: 'train';
      files: PickedFile[];
      channels: string[];
      sampleRateHz: number;
      params: TrainParams;
      /** The .vgm file of the model the node runs now (for the side-by-side), if known. */
      current: Uint8Array | null;
      modelVersion: number;
      parentVersion: number | null;
    }
  | { type: 'quantize' }
  | { type: 'cancel' };

export interface EpochPoint {
  epoch: number;
  loss: number;
  valLoss: number | null;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'progress'; epoch: number; epochs: number; loss: number; valLoss: number | null; bestEpoch: number }
  | { type: 'trained'; report: EvaluationReport; notes: string[]; epochsRun: number; bestEpoch: number; stoppedEarly: boolean; seconds: number; backend: string; targetRate: number }
  | { type: 'quantized'; report: EvaluationReport; summary: CliSummary; file: Uint8Array; blobBytes: number; lineage: Lineage; seconds: number }
  | { type: 'cancelled' }
  | { type: 'error'; message: string };
