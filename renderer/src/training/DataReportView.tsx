/** How much data each class has and whether that is enough, or why training is refused. */
import type { DataReport } from './protocol';

const NAMES: Record<string, string> = { normal: 'Normal running' };

export function DataReportView({ report }: { report: DataReport }) {
  const left = report.leftOut;
  return (
    <div data-testid="data-report">
      <p className="small">The model reads {report.specText}.</p>
      {report.refusal && (
        <p className="error" data-testid="data-refusal">
          {report.refusal}
        </p>
      )}
      <table className="eval-table">
        <thead>
          <tr>
            <th>class</th>
            <th>used to</th>
            <th>how much</th>
          </tr>
        </thead>
        <tbody>
          {report.classes.map((c) => (
            <tr key={c.label} data-class={c.label} data-amount={c.amount}>
              <th scope="row">{NAMES[c.label] ?? c.label}</th>
              <td>{c.use === 'train' ? 'train (its last 40% only evaluates)' : 'evaluate only'}</td>
              <td>
                <span className={`badge amount-${c.amount.replace(' ', '-')}`}>{c.amount}</span> {c.say}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {left.unlabelled + left.faultEdge + left.conflicting > 0 && (
        <p className="small muted">
          Left out: {left.unlabelled} unlabelled windows{left.faultEdge ? `, ${left.faultEdge} at the edge of a fault range` : ''}
          {left.conflicting ? `, ${left.conflicting} under two different fault labels` : ''}.
        </p>
      )}
    </div>
  );
}
