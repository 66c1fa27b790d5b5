/** Messages between the Training page and its worker (train.worker.ts). */
import type { EvaluationReport, CliSummary } from '../../../models/eval/report';
import type { Lang } from '../../../models/i18n';
import type { Verdict } from '../../../models/eval/verdict';
import type { Msg } from '../../../models/i18n/msg';
import type { Lineage } from '../../../models/nn/appSection';
import type { ClassAmount } from '../../../models/train/stored';
import type { StoredQuery } from './stored';

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

/** Where the training data comes from: the app's recordings and labels, or picked CSV files. */
export type TrainingSource = { kind: 'stored'; query: StoredQuery; nodeName: string } | { kind: 'files'; files: PickedFile[]; channels: string[]; sampleRateHz: number };

/** What the stored data holds, class by class (posted before training, and for "Check the data"). */
export interface DataReport {
  specMsg: Msg;
  classes: ClassAmount[];
  canTrain: boolean;
  /** Training refused (data under other specs), in words, or null. */
  refusal: string | null;
  leftOut: { unlabelled: number; faultEdge: number; conflicting: number };
}

export type ToWorker =
  | { type: 'scan'; query: StoredQuery; nodeName: string }
  | {
      type: 'train';
      source: TrainingSource;
      params: TrainParams;
      /** The .vgm file of the model the node runs now (for the side-by-side), if known. */
      current: Uint8Array | null;
      modelVersion: number;
      parentVersion: number | null;
    }
  | { type: 'cancel' }
  /** The interface language: the worker cannot read the setting (localStorage), so the page sends it first. */
  | { type: 'lang'; lang: Lang };

export interface EpochPoint {
  epoch: number;
  loss: number;
  valLoss: number | null;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'data'; report: DataReport }
  | { type: 'progress'; epoch: number; epochs: number; loss: number; valLoss: number | null; bestEpoch: number }
  | { type: 'trained'; report: EvaluationReport; notes: Msg[]; epochsRun: number; bestEpoch: number; stoppedEarly: boolean; seconds: number; backend: string; targetRate: number }
  | { type: 'quantized'; report: EvaluationReport; summary: CliSummary; verdict: Verdict; file: Uint8Array; blobBytes: number; lineage: Lineage; seconds: number; channels: string[]; specKey: string }
  | { type: 'cancelled' }
  /** `message` in English; `say`, when the error carries its sentence, the same for the page to say. */
  | { type: 'error'; message: string; say?: Msg };
