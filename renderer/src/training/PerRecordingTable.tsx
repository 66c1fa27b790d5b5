/**
 * Per held-out recording: the node model beside the speed-aware detector (models/eval/perRecording.ts):
 * windows over the threshold, debounced alarms and the state shown (fault / unseen condition / healthy).
 */
import type { DetectorOnRecording, PerRecordingReport } from '../../../models/eval/perRecording';
import { formatCount, formatFixed, formatNumber } from '../format';
import { t } from '../i18n';

const pct = (x: number) => `${formatFixed(x * 100, x > 0 && x < 0.01 ? 2 : 1)} %`;
const stateWord = (d: DetectorOnRecording) => t(`evalrec.state.${d.state === 'unseen condition' ? 'unseen' : d.state}`);

function cells(d: DetectorOnRecording | null, key: string) {
  if (!d) return <td colSpan={3} className="muted">—</td>;
  return (
    <>
      <td>{d.state === 'unseen condition' ? '—' : pct(d.flagged)}</td>
      <td>{formatCount(d.alarms)}</td>
      <td data-testid={`state-${key}`} data-state={d.state}>
        {stateWord(d)}
      </td>
    </>
  );
}

export function PerRecordingTable({ report }: { report: PerRecordingReport | undefined }) {
  if (!report || report.per_recording.length === 0) return null;
  const num = (x: number | null) => (x === null ? '—' : formatNumber(x, 2));
  return (
    <div className="table-scroll" data-testid="per-recording">
      <h4>{t('evalrec.title')}</h4>
      <p className="small muted">{t('evalrec.explain', { k: report.debounce.k, n: report.debounce.n, target: pct(report.target_rate) })}</p>
      <p className="small muted">{report.speed_aware_unavailable === null ? t('evalrec.speedAware', { rpm: report.speed_aware_knots.map((r) => formatNumber(r, 0)).join(', ') }) : t('evalrec.speedAwareNone')}</p>
      <table className="eval-table">
        <thead>
          <tr>
            <th rowSpan={2}>{t('evalrec.col.recording')}</th>
            <th rowSpan={2}>{t('evalrec.col.label')}</th>
            <th rowSpan={2}>{t('evalrec.col.rpm')}</th>
            <th rowSpan={2}>{t('evalrec.col.load')}</th>
            <th rowSpan={2}>{t('evalrec.col.windows')}</th>
            <th colSpan={3}>{t('evalrec.col.node')}</th>
            <th colSpan={3}>{t('evalrec.col.speed')}</th>
          </tr>
          <tr>
            {['node', 'speed'].flatMap((g) => ['flagged', 'alarms', 'state'].map((c) => <th key={`${g}-${c}`}>{t(`evalrec.col.${c}`)}</th>))}
          </tr>
        </thead>
        <tbody>
          {report.per_recording.map((r, i) => (
            <tr key={`${r.recording}-${i}`} data-recording={r.recording}>
              <th scope="row">{r.recording}</th>
              <td>{r.role === 'held-out normal' ? t('evalrec.heldOut') : r.label}</td>
              <td>{num(r.rpm)}</td>
              <td>{num(r.load)}</td>
              <td>{formatCount(r.node.windows)}</td>
              {cells(r.node, `node-${i}`)}
              {cells(r.speed_aware, `speed-${i}`)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
