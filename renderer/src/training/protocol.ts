/** Messages between the Training page and its worker (train.worker.ts). */
import type { EvaluationReport, CliSummary } from '../../../models/eval/report';
import type { Lang } from '../../../models/i18n';
import type { Verdict } from '../../../models/eval/verdict';
import type { Msg } from '../../../models/i18n/msg';
import type { Lineage } from '../../../models/nn/appSection';
import type { ClassAmount } from '../../../models/train/stored';
import type { NodeFacts } from '../../../models/size/nodeBudget';
import type { SizeBudget, SizeStep } from '../../../models/size/search';
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

/** The size search's settings (models/size/search.ts SizeSearchOptions); the detector's as TrainParams'. */
export interface SizeParams {
  widths: number[];
  bottlenecks: number[];
  prune: number[];
  distill: boolean;
  epochs: number;
  seed: number;
  /** Fraction of each fault class's windows that must be caught, for the ranking (0.99). */
  detectionTarget: number;
  alarmsPerDay: number;
  debounceK: number;
  debounceN: number;
}

/** One row of the trade-off table as the page shows it (no model in it). */
export interface SizeRow {
  name: string;
  widths: number[];
  prune: number;
  distilled: boolean;
  bytes: number;
  ramBytes: number;
  insn: number;
  fits: boolean;
  over: string[];
  trained: boolean;
  falseAlarmAtDetection: number | null;
  falseAlarmRate: number | null;
  detectionRateMin: number | null;
  zeroBlocks: number;
  /** Trained, but it could not be made the node's int8 model (the reason, in English). */
  error: string | null;
}

export interface SizeTable {
  rows: SizeRow[];
  /** Index of the chosen row, and of today's default architecture (-1 when not in the table). */
  chosen: number;
  reference: number;
  detectionTarget: number;
  budget: SizeBudget;
  seconds: number;
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
  | {
      type: 'size';
      source: TrainingSource;
      /** The budget the page derived (models/size/nodeBudget.ts), and the node it is for (null: the default). */
      budget: SizeBudget;
      node: NodeFacts | null;
      params: SizeParams;
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
  /** The size search is about to train one more model. */
  | { type: 'sizeStep'; step: SizeStep }
  /** The size search's trade-off table; 'trained' and 'quantized' follow for the chosen model. */
  | { type: 'sizeTable'; table: SizeTable }
  | { type: 'cancelled' }
  /** `message` in English; `say`, when the error carries its sentence, the same for the page to say. */
  | { type: 'error'; message: string; say?: Msg };
