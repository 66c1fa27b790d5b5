/**
 * The answer first: is the new model better than the one the node runs, on this machine's own
 * held-out data, and by how much. Every detector, threshold and score distribution is one click
 * away (a <details>).
 */
import { useMemo, useState } from 'react';
import type { EvaluationReport } from '../../../models/eval/report';
import { verdictText, type Verdict } from '../../../models/eval/verdict';
import type { Msg } from '../../../models/i18n/msg';
import { t } from '../i18n';
import { msgWords, say } from '../msg';
import { ScorePlot } from './charts';
import { detectorName, EvalTable } from './EvalTable';
import { PerRecordingTable } from './PerRecordingTable';

export function VerdictPanel({ verdict, report, notes, version, children }: { verdict: Verdict; report: EvaluationReport; notes: Msg[]; version: number; children?: React.ReactNode }) {
  const [plotDetector, setPlotDetector] = useState('int8');
  const plot = useMemo(() => {
    const d = report.detectors.find((x) => x.id === plotDetector && !x.unavailable);
    if (!d?.scores) return null;
    return { groups: { [t('training.chart.heldOut')]: d.scores.testNormal, ...d.scores.anomalies }, threshold: d.threshold };
  }, [report, plotDetector]);
  const text = verdictText(verdict.msg, msgWords());
  return (
    <section className={`panel verdict verdict-${verdict.judgement.replace(' ', '-')}`} aria-labelledby="verdict-title" data-testid="verdict" data-judgement={verdict.judgement}>
      <h3 id="verdict-title">{t('training.verdict.title', { version })}</h3>
      <p className="verdict-headline" data-testid="verdict-headline">
        {text.headline}
      </p>
      <ul className="verdict-lines">
        {text.lines.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      <p className="small muted" data-testid="verdict-basis">
        {text.basis}
      </p>
      {children}
      <details data-testid="verdict-details">
        <summary>{t('training.verdict.details')}</summary>
        {notes.map(say).map((n) => (
          <p key={n} className="small muted">
            {n}
          </p>
        ))}
        <EvalTable report={report} />
        <PerRecordingTable report={report.perRecording} />
        <div className="form-row">
          <label>
            {t('training.verdict.distributions')}{' '}
            <select value={plotDetector} onChange={(e) => setPlotDetector(e.target.value)}>
              {report.detectors
                .filter((d) => !d.unavailable)
                .map((d) => (
                  <option key={d.id} value={d.id}>
                    {detectorName(d)}
                  </option>
                ))}
            </select>
          </label>
        </div>
        {plot && <ScorePlot groups={plot.groups} threshold={plot.threshold} />}
      </details>
    </section>
  );
}
