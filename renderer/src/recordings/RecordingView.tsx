/** One stored recording: its chart (drag across it to label), its labels, where it came from. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { LABEL_COLOURS, LABEL_NAMES } from '../../../models/dataset/labels';
import { setNodeAsset } from '../db/recordings';
import { exportBundle } from '../db/exchange';
import { sessionSeries } from '../db/features';
import { queryLabels } from '../db/labels';
import type { LabelRow } from '../db/types';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatHz } from '../format';
import { createWithUndo } from '../labels/actions';
import type { Band } from '../labels/labelBands';
import { LabelForm } from '../labels/LabelForm';
import { LabelTable } from '../labels/LabelTable';
import { technicianName } from '../labels/technician';
import { downloadBlob } from '../storage/download';
import { useLiveQuery, useStorage } from '../storage/services';
import { fieldInfo } from './fields';
import { HistoryChart } from './historyChart';
import { SnapshotList } from '../analysis/SnapshotList';

export function RecordingView({ id }: { id: string }) {
  const services = useStorage();
  const { db } = services;
  const session = useLiveQuery(() => db.sessions.get(id), [db, id], undefined);
  const s = session.value;
  const node = useLiveQuery(async () => (s ? db.nodes.get(s.nodeId) : undefined), [db, s?.nodeId], undefined);
  const asset = useLiveQuery(async () => (node.value?.assetId ? db.assets.get(node.value.assetId) : undefined), [db, node.value?.assetId], undefined);
  const labels = useLiveQuery(async () => (s ? queryLabels(db, { nodeId: s.nodeId, fromMs: s.startMs - 1, toMs: s.endMs + 1 }) : []), [db, s?.nodeId, s?.startMs, s?.endMs], [] as LabelRow[]);
  const [field, setField] = useState('rms');
  const [selection, setSelection] = useState<{ startMs: number; endMs: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [assetName, setAssetName] = useState<string | null>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<HistoryChart | null>(null);
  const bandsRef = useRef<Band[]>([]);

  // Bands the chart draws: the labels, plus the selection being labelled.
  bandsRef.current = useMemo(() => {
    const b: Band[] = labels.value.map((l) => ({ start: l.startMs / 1000, end: l.endMs / 1000, colour: LABEL_COLOURS[l.label], text: LABEL_NAMES[l.label] }));
    if (selection) b.push({ start: selection.startMs / 1000, end: selection.endMs / 1000, colour: '#0b5cad', text: 'New label', pending: true });
    return b;
  }, [labels.value, selection]);
  useEffect(() => chartRef.current?.redraw(), [labels.value, selection]);

  const channels = s?.channels.join('|') ?? '';
  // Live recordings grow: reload the chart when the session row changes, at most every 10 s.
  const reloadKey = s ? (s.status === 'recording' ? Math.floor(s.updatedMs / 10_000) : s.windowCount) : -1;
  useEffect(() => {
    if (!s || !hostRef.current) return;
    const chart = new HistoryChart(hostRef.current, {
      channels: s.channels,
      field,
      bands: () => bandsRef.current,
      onSelect: (a, b) => {
        setError(null);
        setSelection({ startMs: a * 1000, endMs: b * 1000 });
      },
    });
    chartRef.current = chart;
    let current = true;
    sessionSeries(db, s, field).then(
      (series) => {
        if (!current) return;
        chart.setData(series);
        setLoadError(null);
      },
      (e) => current && setLoadError(`Could not read the recording: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      current = false;
      chart.destroy();
      chartRef.current = null;
    };
    // `s` changes on every write of a live session; reloadKey limits how often the chart reloads.
  }, [db, s?.id, field, channels, reloadKey]);

  if (session.loaded && !s) {
    return (
      <div className="page">
        <p className="error" role="alert">
          This recording does not exist any more. <a href="#/recordings">Back to the recordings</a>
        </p>
      </div>
    );
  }
  if (!s) return <div className="page" />;

  const saveLabel = async (label: Parameters<typeof createWithUndo>[1]['label'], notes: string, author: string) => {
    if (!selection) return;
    setBusy(true);
    setError(null);
    try {
      await createWithUndo(services, { nodeId: s.nodeId, sessionId: s.id, startMs: selection.startMs, endMs: selection.endMs, label, notes, author });
      setSelection(null);
      chartRef.current?.clearSelection();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const fields = s.layout.fields;
  const rel = (ms: number) => `${((ms - s.startMs) / 1000).toFixed(2)} s`;
  return (
    <div className="page" data-testid="recording-view" data-id={s.id}>
      <div className="page-head">
        <div>
          <a href="#/recordings" className="small">
            ← Recordings
          </a>
          <h2>{s.name}</h2>
          <p className="muted small">
            {node.value?.name ?? 'Unknown sensor'} · {formatDateTime(s.startMs)} · {formatDuration(s.endMs - s.startMs)} · {formatHz(s.sampleRateHz)} · window {s.windowLen}, hop {s.hop} ·{' '}
            {formatCount(s.windowCount)} windows
            {s.source?.settings.segmentSpacingS ? ` · a snapshot every ${s.source.settings.segmentSpacingS} s` : s.gapWindows > 0 ? ` · ${formatCount(s.gapWindows)} windows missing` : ''}
            {s.status === 'recording' ? ' · ● recording' : ''}
          </p>
        </div>
        <button
          type="button"
          onClick={async () => {
            const r = await exportBundle(db, { actor: technicianName() || 'Vigil', sessionIds: [s.id] });
            downloadBlob(r.blob, r.fileName.replace('vigil-dataset', `vigil-${s.name.replace(/[^\w.-]+/g, '_').slice(0, 40)}`));
          }}
        >
          Export this recording
        </button>
      </div>
      <section className="panel">
        <div className="chart-toolbar">
          <label>
            Show
            <select data-testid="field-select" value={field} onChange={(e) => setField(e.target.value)}>
              {fields.map((f) => (
                <option key={f} value={f}>
                  {fieldInfo(f).name}
                </option>
              ))}
            </select>
          </label>
          <span className="muted small">Drag across the chart to label a time range.</span>
        </div>
        {loadError && (
          <p className="error" role="alert">
            {loadError}
          </p>
        )}
        <div className="chart history" data-testid="history-chart" ref={hostRef} />
        {selection && (
          <LabelForm
            title={`Label ${rel(selection.startMs)} to ${rel(selection.endMs)} (${((selection.endMs - selection.startMs) / 1000).toFixed(2)} s)`}
            busy={busy}
            error={error}
            onSave={(label, notes, author) => void saveLabel(label, notes, author)}
            onCancel={() => {
              setSelection(null);
              chartRef.current?.clearSelection();
            }}
          />
        )}
      </section>
      <section className="panel">
        <h3>Labels</h3>
        <LabelTable labels={labels.value} relativeTo={s.startMs} empty="No labels yet. Drag across the chart to label a time range." />
      </section>
      <section className="panel">
        <h3>Raw snapshots</h3>
        <SnapshotList sessionId={s.id} />
      </section>
      <section className="panel">
        <h3>Details</h3>
        <dl className="facts">
          <dt>Asset</dt>
          <dd>
            <form
              className="inline-form"
              onSubmit={async (e) => {
                e.preventDefault();
                await setNodeAsset(db, s.nodeId, assetName ?? asset.value?.name ?? '', technicianName() || 'Vigil');
                setAssetName(null);
              }}
            >
              <input value={assetName ?? asset.value?.name ?? ''} onChange={(e) => setAssetName(e.target.value)} placeholder="Which machine this sensor measures" maxLength={80} />
              <button type="submit" disabled={assetName === null}>
                Save
              </button>
            </form>
          </dd>
          <dt>Channels</dt>
          <dd>{s.channels.join(', ')}</dd>
          <dt>Features</dt>
          <dd>
            {s.layout.fields.map((f) => fieldInfo(f).name).join(', ')}
            {s.layout.bandCount > 0 ? `, ${s.layout.bandCount} log band energies per axis` : ''}
          </dd>
          <dt>Source</dt>
          <dd>{s.source ? `${s.source.fileName} (${formatBytes(s.source.bytes)}), imported ${formatDateTime(s.createdMs)}` : `live from ${node.value?.name ?? s.nodeId}`}</dd>
          <dt>Stored</dt>
          <dd>
            features {formatBytes(s.bytes.features)}, summaries {formatBytes(s.bytes.summaries)}, raw samples {formatBytes(s.bytes.raw)}
          </dd>
        </dl>
      </section>
    </div>
  );
}
