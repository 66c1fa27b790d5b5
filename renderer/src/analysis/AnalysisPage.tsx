/** #/analysis: the stored raw snapshots; #/analysis/<snapshot id>: one snapshot analysed. */
import { SnapshotList } from './SnapshotList';
import { SnapshotView } from './SnapshotView';

export function AnalysisPage({ id }: { id: string | null }) {
  if (id) return <SnapshotView id={id} />;
  return (
    <div className="page" data-testid="analysis-page">
      <div className="page-head">
        <div>
          <h2>Waveform and envelope</h2>
          <p className="muted small">Open a raw snapshot to see its waveform, its spectrum and its envelope spectrum with the shaft and bearing defect frequencies marked.</p>
        </div>
      </div>
      <section className="panel">
        <SnapshotList />
      </section>
    </div>
  );
}
