/** Stored raw snapshots, each with a link to its waveform, spectrum and envelope spectrum. */
import { formatDateTime, formatDuration, formatHz } from '../format';
import { t } from '../i18n';
import { useLiveQuery, useStorage } from '../storage/services';
import type { RawSnapshotRow } from '../db/types';

const REASONS: Record<RawSnapshotRow['reason'], string> = {
  import: 'analysis.reason.import',
  schedule: 'analysis.reason.schedule',
  event: 'analysis.reason.event',
};

/** Without a session id: the newest 200 snapshots of every recording. */
export function SnapshotList({ sessionId }: { sessionId?: string }) {
  const { db } = useStorage();
  const rows = useLiveQuery(
    async () => {
      const list = sessionId ? await db.rawSnapshots.where('sessionId').equals(sessionId).sortBy('startMs') : await db.rawSnapshots.orderBy('startMs').reverse().limit(200).toArray();
      // Only the fields the table shows: the samples stay in the database.
      return list.map(({ id, startMs, count, sampleRateHz, axisCount, reason }) => ({ id, startMs, count, sampleRateHz, axisCount, reason }));
    },
    [db, sessionId],
    [] as Pick<RawSnapshotRow, 'id' | 'startMs' | 'count' | 'sampleRateHz' | 'axisCount' | 'reason'>[],
  );
  if (!rows.loaded) return null;
  if (rows.value.length === 0) {
    return (
      <p className="empty" data-testid="snapshot-list-empty">
        {t(sessionId ? 'analysis.list.emptyHere' : 'analysis.list.emptyYet')} {t('analysis.list.emptyHow')}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table data-testid="snapshot-list">
        <thead>
          <tr>
            <th>{t('analysis.list.taken')}</th>
            <th>{t('analysis.list.why')}</th>
            <th className="num">{t('analysis.list.length')}</th>
            <th className="num">{t('analysis.list.rate')}</th>
            <th className="num">{t('analysis.list.axes')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.value.map((r) => (
            <tr key={r.id}>
              <td>{formatDateTime(r.startMs)}</td>
              <td>{t(REASONS[r.reason])}</td>
              <td className="num">{formatDuration((r.count / r.sampleRateHz) * 1000)}</td>
              <td className="num">{formatHz(r.sampleRateHz)}</td>
              <td className="num">{r.axisCount}</td>
              <td>
                <a href={`#/analysis/${encodeURIComponent(r.id)}`} data-testid="open-analysis">
                  {t('analysis.list.open')}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
