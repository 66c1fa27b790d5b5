/** The side-by-side: every detector on the same held-out windows (models/eval/report.ts). */
import type { DetectorEval, EvaluationReport } from '../../../models/eval/report';
import { formatFixed, formatNumber } from '../format';
import { t } from '../i18n';

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${formatFixed(x * 100, x < 0.01 && x > 0 ? 2 : 1)} %`);
const num = (x: number, d = 3) => (Number.isNaN(x) ? '—' : formatFixed(x, d));
const perDay = (x: number) => (Number.isNaN(x) ? '—' : x < 0.01 ? x.toExponential(1) : formatNumber(Number(x.toPrecision(2)), 3));

export function EvalTable({ report }: { report: EvaluationReport }) {
  const labels = Object.keys(report.windows).filter((k) => !['train', 'validation', 'normal_test'].includes(k));
  const row = (d: DetectorEval) =>
    d.unavailable ? (
      <tr key={d.id} data-detector={d.id}>
        <th scope="row">{d.name}</th>
        <td colSpan={5 + labels.length} className="muted">
          {t('training.evaluation.notComparable', { why: d.unavailable })}
        </td>
      </tr>
    ) : (
      <tr key={d.id} data-detector={d.id}>
        <th scope="row">{d.name}</th>
        <td data-testid={`auc-min-${d.id}`}>{num(d.aucMin)}</td>
        {labels.map((l) => (
          <td key={l}>{num(d.auc[l])}</td>
        ))}
        <td>{pct(d.falseAlarmRate)}</td>
        <td>{pct(d.detectionMin)}</td>
        <td>{perDay(d.falseAlarmsPerDay)}</td>
        <td className="small muted">{d.thresholdSource}</td>
      </tr>
    );
  return (
    <div className="table-scroll">
      <table className="eval-table" data-testid="eval-table">
        <thead>
          <tr>
            <th>{t('training.evaluation.col.detector')}</th>
            <th>{t('training.evaluation.col.aucMin')}</th>
            {labels.map((l) => (
              <th key={l}>{t('training.evaluation.col.auc', { label: l })}</th>
            ))}
            <th>{t('training.evaluation.col.falseAlarms')}</th>
            <th>{t('training.evaluation.col.detected')}</th>
            <th>{t('training.evaluation.col.perDay', { k: report.debounce.k, n: report.debounce.n })}</th>
            <th>{t('training.evaluation.col.thresholdFrom')}</th>
          </tr>
        </thead>
        <tbody>{report.detectors.map(row)}</tbody>
      </table>
      <p className="small muted">
        {t('training.evaluation.windows', {
          list: Object.entries(report.windows)
            .map(([k, v]) => `${v} ${k}`)
            .join(', '),
          rate: formatFixed(report.windowsPerSecond, 1),
        })}
      </p>
    </div>
  );
}
