/** Every stored recording (live sessions and imported files), imports and exchange. */
import { useState } from 'react';
import { navigate } from '../app/route';
import { deleteSession } from '../db/recordings';
import type { SessionRow } from '../db/types';
import { formatBytes, formatCount, formatDateTime, formatDuration } from '../format';
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
    const ok = window.confirm(`Delete the recording "${s.name}"${labels > 0 ? ` and its ${labels} label${labels === 1 ? '' : 's'}` : ''}? This cannot be undone. Export a bundle first to keep a copy.`);
    if (!ok) return;
    try {
      await deleteSession(db, s.id, technicianName() || 'Vigil');
    } catch (e) {
      setError(`Could not delete the recording: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <div className="page" data-testid="recordings-page">
      <div className="page-head">
        <h2>Recordings</h2>
        <button type="button" className="primary" data-testid="import-csv" onClick={() => setImporting(true)}>
          Import CSV…
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
            No recordings yet. Vigil stores the features of every online node while it runs; you can also import a recording from a CSV file (the CWRU and FEMTO formats, or any
            CSV with one column per axis).
          </p>
        ) : (
          <div className="table-wrap">
          <table className="data-table" data-testid="recordings-table">
            <thead>
              <tr>
                <th>Recording</th>
                <th>Sensor</th>
                <th>Asset</th>
                <th>Started</th>
                <th>Length</th>
                <th className="num">Windows</th>
                <th className="num">Gaps</th>
                <th className="num">Labels</th>
                <th className="num">Stored</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sessions.value.map((s) => (
                <tr key={s.id} data-testid="recording-row" data-id={s.id}>
                  <td className="name-cell">
                    <a href={`#/recordings/${encodeURIComponent(s.id)}`}>{s.name}</a>
                    <div className="muted small">
                      {s.kind === 'live' ? (s.status === 'recording' ? '● recording live' : 'live') : `imported ${s.source?.fileName ?? ''}`}
                    </div>
                  </td>
                  <td className="name-cell">{names.value.get(s.nodeId) ?? '—'}</td>
                  <td>{s.assetId ? (assets.value.get(s.assetId) ?? '—') : '—'}</td>
                  <td>{formatDateTime(s.startMs)}</td>
                  <td>{formatDuration(s.endMs - s.startMs)}</td>
                  <td className="num">{formatCount(s.windowCount)}</td>
                  <td className="num" title="Feature windows missing from the stream">
                    {s.source?.settings.segmentSpacingS ? `snapshots every ${s.source.settings.segmentSpacingS} s` : s.gapWindows > 0 ? formatCount(s.gapWindows) : '—'}
                  </td>
                  <td className="num">{labelCounts.value.get(s.id) ?? 0}</td>
                  <td className="num">{formatBytes(s.bytes.features + s.bytes.summaries + s.bytes.raw)}</td>
                  <td className="actions">
                    <button type="button" onClick={() => navigate('recordings', s.id)}>
                      Open
                    </button>{' '}
                    <button type="button" className="danger" onClick={() => void remove(s)} disabled={s.status === 'recording'} title={s.status === 'recording' ? 'Still recording' : undefined}>
                      Delete
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
