/** Every stored recording (live sessions and imported files), imports and exchange. */
import { useState } from 'react';
import { navigate } from '../app/route';
import { deleteSession } from '../db/recordings';
import type { SessionRow } from '../db/types';
import { formatBytes, formatCount, formatDateTime, formatDuration } from '../format';
import { t } from '../i18n';
import { ImportDialog } from '../import/ImportDialog';
import { technicianName } from '../labels/technician';
import { useLiveQuery, useStorage } from '../storage/services';
import { ExchangePanel } from './ExchangePanel';
import { RecordingView } from './RecordingView';

export function RecordingsPage({ id }: { id: string | null }) {
  if (id) return <RecordingView id={id} />;
  return <RecordingList />;
}

function RecordingList() {
  const { db } = useStorage();
  const [importing, setImporting] = useState(false);
  const sessions = useLiveQuery(async () => (await db.sessions.toArray()).sort((a, b) => b.startMs - a.startMs), [db], [] as SessionRow[]);
  const names = useLiveQuery(async () => new Map((await db.nodes.toArray()).map((n) => [n.id, n.name])), [db], new Map<string, string>());
  const assets = useLiveQuery(async () => new Map((await db.assets.toArray()).map((a) => [a.id, a.name])), [db], new Map<string, string>());
  const labelCounts = useLiveQuery(
    async () => {
      const m = new Map<string, number>();
      await db.labels.each((l) => {
        if (l.deletedMs === null && l.sessionId) m.set(l.sessionId, (m.get(l.sessionId) ?? 0) + 1);
      });
      return m;
    },
    [db],
    new Map<string, number>(),
  );
  const [error, setError] = useState<string | null>(null);

  const remove = async (s: SessionRow) => {
    const labels = labelCounts.value.get(s.id) ?? 0;
    const ok = window.confirm(t('recordings.confirmDelete', { name: s.name, labels: labels > 0 ? t('recordings.andLabels', { count: labels }) : '' }));
    if (!ok) return;
    try {
      await deleteSession(db, s.id, technicianName() || 'Vigil');
    } catch (e) {
      setError(t('recordings.deleteFailed', { error: e instanceof Error ? e.message : String(e) }));
    }
  };

  return (
    <div className="page" data-testid="recordings-page">
      <div className="page-head">
        <h2>{t('recordings.title')}</h2>
        <button type="button" className="primary" data-testid="import-csv" onClick={() => setImporting(true)}>
          {t('recordings.importCsv')}
        </button>
      </div>
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section className="panel">
        {sessions.loaded && sessions.value.length === 0 ? (
          <p className="empty">
            {t('recordings.none')}
          </p>
        ) : (
          <div className="table-wrap">
          <table className="data-table" data-testid="recordings-table">
            <thead>
              <tr>
                <th>{t('recordings.col.recording')}</th>
                <th>{t('recordings.col.sensor')}</th>
                <th>{t('recordings.col.asset')}</th>
                <th>{t('recordings.col.started')}</th>
                <th>{t('recordings.col.length')}</th>
                <th className="num">{t('recordings.col.windows')}</th>
                <th className="num">{t('recordings.col.gaps')}</th>
                <th className="num">{t('recordings.col.labels')}</th>
                <th className="num">{t('recordings.col.stored')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sessions.value.map((s) => (
                <tr key={s.id} data-testid="recording-row" data-id={s.id}>
                  <td className="name-cell">
                    <a translate="no" href={`#/recordings/${encodeURIComponent(s.id)}`}>{s.name}</a>
                    <div className="muted small">
                      {s.kind === 'live' ? (s.status === 'recording' ? t('recordings.recordingLive') : t('recordings.live')) : s.source?.fileName ? t('recordings.imported', { file: s.source.fileName }) : t('recordings.importedNoFile')}
                    </div>
                  </td>
                  <td className="name-cell" translate="no">
                    {names.value.get(s.nodeId) ?? '—'}
                  </td>
                  <td translate="no">{s.assetId ? (assets.value.get(s.assetId) ?? '—') : '—'}</td>
                  <td>{formatDateTime(s.startMs)}</td>
                  <td>{formatDuration(s.endMs - s.startMs)}</td>
                  <td className="num">{formatCount(s.windowCount)}</td>
                  <td className="num" title={t('recordings.gapsTitle')}>
                    {s.source?.settings.segmentSpacingS ? t('recordings.snapshots', { s: s.source.settings.segmentSpacingS }) : s.gapWindows > 0 ? formatCount(s.gapWindows) : '—'}
                  </td>
                  <td className="num">{labelCounts.value.get(s.id) ?? 0}</td>
                  <td className="num">{formatBytes(s.bytes.features + s.bytes.summaries + s.bytes.raw)}</td>
                  <td className="actions">
                    <button type="button" onClick={() => navigate('recordings', s.id)}>
                      {t('recordings.open')}
                    </button>{' '}
                    <button type="button" className="danger" onClick={() => void remove(s)} disabled={s.status === 'recording'} title={s.status === 'recording' ? t('recordings.stillRecording') : undefined}>
                      {t('recordings.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        )}
      </section>
      <ExchangePanel />
    </div>
  );
}
