/** The side-by-side: every detector on the same held-out windows (models/eval/report.ts). */
import type { DetectorEval, EvaluationReport } from '../../../models/eval/report';
import { formatCount, formatFixed, formatNumber } from '../format';
import { t } from '../i18n';
import { say } from '../msg';

/** A detector's name in the interface language (the English one for a report made before names were keys). */
export const detectorName = (d: DetectorEval) => (d.say ? say(d.say.name) : d.name);
const whyUnavailable = (d: DetectorEval) => (d.say?.unavailable ? say(d.say.unavailable) : d.unavailable);
const thresholdSource = (d: DetectorEval) => (d.say?.thresholdSource ? say(d.say.thresholdSource) : d.thresholdSource);
/** The window groups an evaluation counts; anomaly labels are data, said as written. */
const GROUPS = ['train', 'validation', 'normal_test'];

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${formatFixed(x * 100, x < 0.01 && x > 0 ? 2 : 1)} %`);
const num = (x: number, d = 3) => (Number.isNaN(x) ? '—' : formatFixed(x, d));
const perDay = (x: number) => (Number.isNaN(x) ? '—' : x < 0.01 ? x.toExponential(1) : formatNumber(Number(x.toPrecision(2)), 3));

export function EvalTable({ report }: { report: EvaluationReport }) {
  const labels = Object.keys(report.windows).filter((k) => !GROUPS.includes(k));
  const row = (d: DetectorEval) =>
    d.unavailable ? (
      <tr key={d.id} data-detector={d.id}>
        <th scope="row">{detectorName(d)}</th>
        <td colSpan={5 + labels.length} className="muted">
          {t('training.evaluation.notComparable', { why: whyUnavailable(d) })}
        </td>
      </tr>
    ) : (
      <tr key={d.id} data-detector={d.id}>
        <th scope="row">{detectorName(d)}</th>
        <td data-testid={`auc-min-${d.id}`}>{num(d.aucMin)}</td>
        {labels.map((l) => (
          <td key={l}>{num(d.auc[l])}</td>
        ))}
        <td>{pct(d.falseAlarmRate)}</td>
        <td>{pct(d.detectionMin)}</td>
        <td>{perDay(d.falseAlarmsPerDay)}</td>
        <td className="small muted">{thresholdSource(d)}</td>
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
            .map(([k, v]) => `${formatCount(v)} ${GROUPS.includes(k) ? t(`training.evaluation.group.${k}`) : k}`)
            .join(', '),
          rate: formatFixed(report.windowsPerSecond, 1),
        })}
      </p>
    </div>
  );
}
