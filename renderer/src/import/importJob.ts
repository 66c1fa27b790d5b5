/**
 * One CSV import from the page's side: checks the file's size against the limits and the free
 * space, runs the worker with progress and cancel, then writes the rows in one transaction.
 */
import type { ImportSettings } from '../../../models/dataset/formats';
import { formatBytes } from '../format';
import { t } from '../i18n';
import { say } from '../msg';
import { isQuotaError, storageErrorMessage, type VigilDb } from '../db/db';
import { commitImport, findImportedFile, type ImportRows } from '../db/recordings';
import type { SessionRow } from '../db/types';
import type { ImportMeta } from './buildRows';
import type { FromWorker, ToWorker } from './protocol';

/** Larger CSV files are refused up front: every sample is held in memory until it is written. */
export const MAX_IMPORT_BYTES = 400_000_000;
export const MAX_IMPORT_ROWS = 30_000_000;

export class ImportError extends Error {
  constructor(
    message: string,
    readonly line = 0,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportProgress {
  phase: 'reading' | 'saving';
  bytes: number;
  total: number;
  rows: number;
}

export interface ImportOutcome {
  session: SessionRow;
  windows: number;
  samples: number;
  parseMs: number;
  saveMs: number;
}

export function checkFileSize(size: number): string | null {
  if (size === 0) return t('import.empty');
  if (size > MAX_IMPORT_BYTES) {
    return t('import.tooBig', { size: formatBytes(size), max: formatBytes(MAX_IMPORT_BYTES) });
  }
  return null;
}

/** Stored size is about 0.6 x the CSV for two axes of text numbers; refuse when that clearly does not fit. */
export async function checkFreeSpace(size: number): Promise<string | null> {
  const est = await navigator.storage?.estimate?.().catch(() => undefined);
  if (!est || est.quota === undefined || est.usage === undefined) return null;
  const free = est.quota - est.usage;
  const need = size * 0.6;
  if (need > free) {
    return t('import.noSpace', { need: formatBytes(need), free: formatBytes(free) });
  }
  return null;
}

export class ImportJob {
  private worker: Worker | null = null;
  private readonly abort = { aborted: false };
  private cancelWorker: (() => void) | null = null;

  constructor(
    private readonly db: VigilDb,
    private readonly file: File,
    private readonly settings: ImportSettings,
    private readonly meta: Omit<ImportMeta, 'hash' | 'bytes'>,
    private readonly onProgress: (p: ImportProgress) => void,
    private readonly actor: string,
  ) {}

  /** Parses the file in the worker; resolves with the rows to write. */
  parse(): Promise<{ rows: ImportRows; windows: number; samples: number; parseMs: number }> {
    const sizeProblem = checkFileSize(this.file.size);
    if (sizeProblem) return Promise.reject(new ImportError(sizeProblem));
    return new Promise((resolve, reject) => {
      const w = new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'vigil-import' });
      this.worker = w;
      const finish = () => {
        w.terminate();
        this.worker = null;
      };
      this.cancelWorker = () => {
        finish();
        reject(new ImportError(t('import.cancelled')));
      };
      w.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === 'progress') this.onProgress({ phase: 'reading', bytes: m.bytes, total: m.total, rows: m.rows });
        else if (m.type === 'done') {
          finish();
          resolve({ rows: m.rows, windows: m.windows, samples: m.samples, parseMs: m.parseMs });
        } else if (m.type === 'error') {
          finish();
          reject(new ImportError(m.say ? say(m.say) : m.message, m.line));
        } else if (m.type === 'cancelled') {
          finish();
          reject(new ImportError(t('import.cancelled')));
        }
      };
      w.onerror = (e) => {
        finish();
        reject(new ImportError(t('import.stopped', { error: e.message || t('import.workerFailed') })));
      };
      const start: ToWorker = { type: 'start', file: this.file, settings: this.settings, meta: this.meta, limits: { maxRows: MAX_IMPORT_ROWS } };
      w.postMessage(start);
    });
  }

  /** The session imported from the same bytes before, if any. */
  duplicateOf(rows: ImportRows): Promise<SessionRow | undefined> {
    return findImportedFile(this.db, rows.session.source!.hash);
  }

  async save(rows: ImportRows): Promise<number> {
    this.onProgress({ phase: 'saving', bytes: this.file.size, total: this.file.size, rows: rows.session.windowCount });
    const t0 = performance.now();
    try {
      await commitImport(this.db, rows, this.actor, this.abort);
    } catch (e) {
      if (this.abort.aborted) throw new ImportError(t('import.cancelled'));
      // IndexedDB rolled the whole transaction back: the database is as it was.
      throw new ImportError(isQuotaError(e) ? storageErrorMessage(e, t('storage.doing.storeRecording')) : t('import.nothingStored', { message: storageErrorMessage(e, t('storage.doing.storeRecording')) }));
    }
    return performance.now() - t0;
  }

  cancel(): void {
    this.abort.aborted = true;
    if (this.worker) {
      this.worker.postMessage({ type: 'cancel' } satisfies ToWorker);
      // The worker answers between chunks; if it is busy, stop it outright.
      setTimeout(() => this.cancelWorker?.(), 300);
    }
  }
}
