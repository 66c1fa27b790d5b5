/** #/analysis: the stored raw snapshots; #/analysis/<snapshot id>: one snapshot analysed. */
import { t } from '../i18n';
import { SnapshotList } from './SnapshotList';
import { SnapshotView } from './SnapshotView';

export function AnalysisPage({ id }: { id: string | null }) {
  if (id) return <SnapshotView id={id} />;
  return (
    <div className="page" data-testid="analysis-page">
      <div className="page-head">
        <div>
          <h2>{t('analysis.title')}</h2>
          <p className="muted small">{t('analysis.explain')}</p>
        </div>
      </div>
      <section className="panel">
        <SnapshotList />
      </section>
    </div>
  );
}
