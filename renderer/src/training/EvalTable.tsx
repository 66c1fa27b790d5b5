/** The side-by-side: every detector on the same held-out windows (models/eval/report.ts). */
import type { DetectorEval, EvaluationReport } from '../../../models/eval/report';

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`);
const num = (x: number, d = 3) => (Number.isNaN(x) ? '—' : x.toFixed(d));
const perDay = (x: number) => (Number.isNaN(x) ? '—' : x < 0.01 ? x.toExponential(1) : x.toPrecision(2));

export function EvalTable({ report }: { report: EvaluationReport }) {
  const labels = Object.keys(report.windows).filter((k) => !['train', 'validation', 'normal_test'].includes(k));
  const row = (d: DetectorEval) =>
    d.unavailable ? (
      <tr key={d.id} data-detector={d.id}>
        <th scope="row">{d.name}</th>
        <td colSpan={5 + labels.length} className="muted">
          not comparable: {d.unavailable}
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
            <th>detector</th>
            <th>AUC (lowest)</th>
            {labels.map((l) => (
              <th key={l}>AUC {l}</th>
            ))}
            <th>false alarms (held-out normal)</th>
            <th>detected (lowest label)</th>
            <th>alarms / day ({report.debounce.k} of {report.debounce.n})</th>
            <th>threshold from</th>
          </tr>
        </thead>
        <tbody>{report.detectors.map(row)}</tbody>
      </table>
      <p className="small muted">
        Windows: {Object.entries(report.windows).map(([k, v]) => `${v} ${k}`).join(', ')}. Rates are fractions of windows over the threshold before
        debounce; alarms per day assume independent windows at the node's {report.windowsPerSecond.toFixed(1)} windows/s.
      </p>
    </div>
  );
}
