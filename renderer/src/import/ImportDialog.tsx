/**
 * Importing a recording from a CSV file: choose the file, check the mapping Vigil guessed, then
 * a streamed import with a progress bar and Cancel. A failed or cancelled import stores nothing.
 */
import { useEffect, useRef, useState } from 'react';
import { sniffCsv, type ImportSettings } from '../../../models/dataset/formats';
import { navigate } from '../app/route';
import { newId } from '../db/db';
import type { ImportRows } from '../db/recordings';
import type { SessionRow } from '../db/types';
import { formatBytes, formatCount, formatDateTime, formatFixed } from '../format';
import { t } from '../i18n';
import { technicianName } from '../labels/technician';
import { say } from '../msg';
import { useLiveQuery, useStorage } from '../storage/services';
import { checkFileSize, checkFreeSpace, ImportError, ImportJob, type ImportProgress } from './importJob';
import { MappingForm, type ImportDetails } from './MappingForm';
import { channelsSaid } from './columns';
import { sayError } from '../msg';

type Step =
  | { kind: 'choose'; error: string | null }
  | { kind: 'mapping'; error: string | null }
  | { kind: 'running'; progress: ImportProgress }
  | { kind: 'duplicate'; job: ImportJob; rows: ImportRows; previous: SessionRow; t0: number; windows: number; samples: number }
  | { kind: 'done'; session: SessionRow; windows: number; samples: number; seconds: number };

const HEAD_BYTES = 64 * 1024;

function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

export function ImportDialog({ onClose }: { onClose(): void }) {
  const { db } = useStorage();
  const [step, setStep] = useState<Step>({ kind: 'choose', error: null });
  const [file, setFile] = useState<File | null>(null);
  const [head, setHead] = useState('');
  const [settings, setSettings] = useState<ImportSettings | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  const [details, setDetails] = useState<ImportDetails>({ name: '', nodeName: '', assetName: '', recordedAt: localInput(Date.now()) });
  const job = useRef<ImportJob | null>(null);
  const assets = useLiveQuery(() => db.assets.orderBy('name').toArray(), [db], []);

  useEffect(() => () => job.current?.cancel(), []);

  const choose = async (f: File | undefined) => {
    if (!f) return;
    const problem = checkFileSize(f.size);
    if (problem) {
      setStep({ kind: 'choose', error: problem });
      return;
    }
    try {
      const text = await f.slice(0, HEAD_BYTES).text();
      const p = sniffCsv(text, f.name);
      setFile(f);
      setHead(text);
      setSettings({ ...p.settings, channels: channelsSaid(p, p.settings.channels, p.settings.mapping.axisColumns) });
      setNotes(p.noteMsgs.map(say));
      const stem = f.name.replace(/\.[^.]+$/, '');
      setDetails({ name: stem, nodeName: p.settings.format === 'femto' ? 'FEMTO bearing 1_2' : stem, assetName: '', recordedAt: localInput(f.lastModified || Date.now()) });
      setStep({ kind: 'mapping', error: null });
    } catch (e) {
      setStep({ kind: 'choose', error: t('import.readFailed', { error: sayError(e) }) });
    }
  };

  const save = async (j: ImportJob, rows: ImportRows, windows: number, samples: number, t0: number) => {
    await j.save(rows);
    setStep({ kind: 'done', session: rows.session, windows, samples, seconds: (performance.now() - t0) / 1000 });
  };

  const start = async () => {
    if (!file || !settings) return;
    const t0 = performance.now();
    const space = await checkFreeSpace(file.size);
    if (space) {
      setStep({ kind: 'mapping', error: space });
      return;
    }
    const actor = technicianName() || 'Vigil';
    const assetName = details.assetName.trim();
    const existing = assetName ? await db.assets.where('name').equals(assetName).first() : undefined;
    const now = Date.now();
    const newAsset = assetName && !existing ? { id: newId(), name: assetName, location: '', notes: '', createdMs: now, updatedMs: now } : null;
    const recordedAt = new Date(details.recordedAt).getTime();
    const j = new ImportJob(
      db,
      file,
      { ...settings, channels: settings.channels.map((c, i) => c || t('live.axisN', { n: i + 1 })) },
      {
        sessionId: newId(),
        nodeId: newId(),
        nodeName: details.nodeName.trim() || file.name,
        assetId: existing?.id ?? newAsset?.id ?? null,
        newAsset,
        name: details.name.trim() || file.name,
        t0Ms: Number.isFinite(recordedAt) ? recordedAt : now,
        fileName: file.name,
        settings,
        nowMs: now,
      },
      (progress) => setStep({ kind: 'running', progress }),
      actor,
    );
    job.current = j;
    setStep({ kind: 'running', progress: { phase: 'reading', bytes: 0, total: file.size, rows: 0 } });
    try {
      const r = await j.parse();
      const previous = await j.duplicateOf(r.rows);
      if (previous) {
        setStep({ kind: 'duplicate', job: j, rows: r.rows, previous, t0, windows: r.windows, samples: r.samples });
        return;
      }
      await save(j, r.rows, r.windows, r.samples, t0);
    } catch (e) {
      setStep({ kind: 'mapping', error: e instanceof ImportError ? e.message : t('import.failed', { error: sayError(e) }) });
    } finally {
      if (job.current === j) job.current = null;
    }
  };

  const busy = step.kind === 'running';
  return (
    <div className="modal-backdrop" role="presentation">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-dialog">
        <header className="modal-head">
          <h3 id="import-title">{t('import.title')}</h3>
          <button type="button" className="close" aria-label={t('common.close')} onClick={onClose} disabled={busy}>
            ×
          </button>
        </header>
        {(step.kind === 'choose' || step.kind === 'mapping') && (
          <label className="file-pick">
            <span>{file ? `${file.name} (${formatBytes(file.size)})` : t('import.choose')}</span>
            <input data-testid="import-file" type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void choose(e.target.files?.[0])} />
          </label>
        )}
        {step.kind === 'choose' && step.error && (
          <p className="error" role="alert">
            {step.error}
          </p>
        )}
        {step.kind === 'mapping' && settings && (
          <>
            <MappingForm head={head} settings={settings} details={details} notes={notes} assets={assets.value.map((a) => a.name)} onSettings={setSettings} onDetails={setDetails} />
            {step.error && (
              <p className="error" role="alert" data-testid="import-error">
                {step.error}
              </p>
            )}
            <footer className="modal-foot">
              <button type="button" className="primary" data-testid="import-start" onClick={() => void start()} disabled={settings.mapping.axisColumns.length === 0 || !(settings.sampleRateHz > 0)}>
                {t('import.import')}
              </button>
              <button type="button" onClick={onClose}>
                {t('common.cancel')}
              </button>
            </footer>
          </>
        )}
        {step.kind === 'running' && (
          <div className="import-progress" data-testid="import-progress">
            <p>
              {step.progress.phase === 'reading'
                ? t('import.reading', { done: formatBytes(step.progress.bytes), total: formatBytes(step.progress.total), rows: formatCount(step.progress.rows) })
                : t('import.saving', { rows: formatCount(step.progress.rows) })}
            </p>
            <progress max={step.progress.total || 1} value={step.progress.phase === 'saving' ? step.progress.total : step.progress.bytes} />
            <footer className="modal-foot">
              <button type="button" data-testid="import-cancel" onClick={() => job.current?.cancel()}>
                {t('import.cancelImport')}
              </button>
            </footer>
          </div>
        )}
        {step.kind === 'duplicate' && (
          <div role="alert">
            <p>
              {t('import.before1', { date: formatDateTime(step.previous.createdMs) })} <strong>{step.previous.name}</strong>
              {t('import.before2')}
            </p>
            <footer className="modal-foot">
              <button
                type="button"
                className="primary"
                data-testid="import-again"
                onClick={() => {
                  const s = step;
                  save(s.job, s.rows, s.windows, s.samples, s.t0).catch((e) => setStep({ kind: 'mapping', error: e instanceof Error ? e.message : String(e) }));
                }}
              >
                {t('import.again')}
              </button>
              <button type="button" onClick={onClose}>
                {t('common.cancel')}
              </button>
            </footer>
          </div>
        )}
        {step.kind === 'done' && (
          <div data-testid="import-done">
            <p role="status">
              {t('import.imported')} <strong>{step.session.name}</strong>
              {t('import.doneDetail', {
                samples: formatCount(step.samples),
                windows: formatCount(step.windows),
                gaps: step.session.gapWindows > 0 ? t('import.doneGaps', { n: formatCount(step.session.gapWindows) }) : '',
                seconds: formatFixed(step.seconds, 1),
              })}
            </p>
            <footer className="modal-foot">
              <button
                type="button"
                className="primary"
                data-testid="import-open"
                onClick={() => {
                  onClose();
                  navigate('recordings', step.session.id);
                }}
              >
                {t('import.openRecording')}
              </button>
              <button type="button" onClick={onClose}>
                {t('common.close')}
              </button>
            </footer>
          </div>
        )}
      </div>
    </div>
  );
}
