/** Messages between the page and the import worker. */
import type { ImportSettings } from '../../../models/dataset/formats';
import type { Msg } from '../../../models/i18n/msg';
import type { ImportRows } from '../db/recordings';
import type { ImportMeta } from './buildRows';

export interface ImportLimits {
  /** Data rows accepted at most (memory: every sample is kept until the import is written). */
  maxRows: number;
}

export type ToWorker =
  | { type: 'start'; file: File; settings: ImportSettings; meta: Omit<ImportMeta, 'hash' | 'bytes'>; limits: ImportLimits }
  | { type: 'cancel' };

export type FromWorker =
  | { type: 'progress'; bytes: number; total: number; rows: number }
  | { type: 'done'; rows: ImportRows; bytes: number; samples: number; windows: number; parseMs: number }
  /** `message` in English; `say`, when set, the same for the page to say in its language. */
  | { type: 'error'; message: string; line: number; say?: Msg }
  | { type: 'cancelled' };
