/** How much data each class has and whether that is enough, or why training is refused. */
import { t } from '../i18n';
import { say } from '../msg';
import type { DataReport } from './protocol';

export function DataReportView({ report }: { report: DataReport }) {
  const left = report.leftOut;
  return (
    <div data-testid="data-report">
      <p className="small">{t('training.data.reads', { spec: say(report.specMsg) })}</p>
      {report.refusal && (
        <p className="error" data-testid="data-refusal">
          {report.refusal}
        </p>
      )}
      <table className="eval-table">
        <thead>
          <tr>
            <th>{t('training.data.col.class')}</th>
            <th>{t('training.data.col.use')}</th>
            <th>{t('training.data.col.amount')}</th>
          </tr>
        </thead>
        <tbody>
          {report.classes.map((c) => (
            <tr key={c.label} data-class={c.label} data-amount={c.amount}>
              <th scope="row">{c.label === 'normal' ? t('training.data.normal') : c.label}</th>
              <td>{c.use === 'train' ? t('training.data.train') : t('training.data.evaluate')}</td>
              <td>
                <span className={`badge amount-${c.amount.replace(' ', '-')}`}>{t(`verdict.amount.word.${c.amount}`)}</span> {say(c.sayMsg)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {left.unlabelled + left.faultEdge + left.conflicting > 0 && (
        <p className="small muted">
          {t('training.data.leftOut', {
            n: left.unlabelled,
            edge: left.faultEdge ? t('training.data.edge', { n: left.faultEdge }) : '',
            conflicting: left.conflicting ? t('training.data.conflicting', { n: left.conflicting }) : '',
          })}
        </p>
      )}
    </div>
  );
}
