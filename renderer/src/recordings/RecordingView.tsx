/** One stored recording: its chart (drag across it to label), its labels, where it came from. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { LABEL_COLOURS } from '../../../models/dataset/labels';
import { labelName, t } from '../i18n';
import { setNodeAsset } from '../db/recordings';
import { exportBundle } from '../db/exchange';
import { sessionSeries } from '../db/features';
import { queryLabels } from '../db/labels';
import type { LabelRow } from '../db/types';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatFixed, formatHz } from '../format';
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
    const b: Band[] = labels.value.map((l) => ({ start: l.startMs / 1000, end: l.endMs / 1000, colour: LABEL_COLOURS[l.label], text: labelName(l.label) }));
    if (selection) b.push({ start: selection.startMs / 1000, end: selection.endMs / 1000, colour: '#0b5cad', text: t('recordings.newLabel'), pending: true });
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
      (e) => current && setLoadError(t('recordings.readFailed', { error: e instanceof Error ? e.message : String(e) })),
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
          {t('recordings.gone')} <a href="#/recordings">{t('recordings.back')}</a>
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
  const rel = (ms: number) => `${formatFixed((ms - s.startMs) / 1000, 2)} s`;
  return (
    <div className="page" data-testid="recording-view" data-id={s.id}>
      <div className="page-head">
        <div>
          <a href="#/recordings" className="small">
            {t('recordings.backArrow')}
          </a>
          <h2 translate="no">{s.name}</h2>
          <p className="muted small">
            {node.value?.name ?? t('recordings.unknownSensor')} · {formatDateTime(s.startMs)} · {formatDuration(s.endMs - s.startMs)} · {formatHz(s.sampleRateHz)} ·{' '}
            {t('recordings.headInfo', { window: s.windowLen, hop: s.hop })} · {t('recordings.windows', { n: formatCount(s.windowCount) })}
            {s.source?.settings.segmentSpacingS ? t('recordings.snapshotEvery', { s: s.source.settings.segmentSpacingS }) : s.gapWindows > 0 ? t('recordings.missing', { n: formatCount(s.gapWindows) }) : ''}
            {s.status === 'recording' ? t('recordings.recordingNow') : ''}
          </p>
        </div>
        <button
          type="button"
          onClick={async () => {
            const r = await exportBundle(db, { actor: technicianName() || 'Vigil', sessionIds: [s.id] });
            downloadBlob(r.blob, r.fileName.replace('vigil-dataset', `vigil-${s.name.replace(/[^\w.-]+/g, '_').slice(0, 40)}`));
          }}
        >
          {t('recordings.export')}
        </button>
      </div>
      <section className="panel">
        <div className="chart-toolbar">
          <label>
            {t('recordings.show')}
            <select data-testid="field-select" value={field} onChange={(e) => setField(e.target.value)}>
              {fields.map((f) => (
                <option key={f} value={f}>
                  {fieldInfo(f).name}
                </option>
              ))}
            </select>
          </label>
          <span className="muted small">{t('recordings.dragHint')}</span>
        </div>
        {loadError && (
          <p className="error" role="alert">
            {loadError}
          </p>
        )}
        <div className="chart history" data-testid="history-chart" ref={hostRef} />
        {selection && (
          <LabelForm
            title={t('recordings.labelTitle', { from: rel(selection.startMs), to: rel(selection.endMs), seconds: formatFixed((selection.endMs - selection.startMs) / 1000, 2) })}
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
        <h3>{t('recordings.labels')}</h3>
        <LabelTable labels={labels.value} relativeTo={s.startMs} empty={t('recordings.noLabels')} />
      </section>
      <section className="panel">
        <h3>{t('recordings.rawSnapshotsTitle')}</h3>
        <SnapshotList sessionId={s.id} />
      </section>
      <section className="panel">
        <h3>{t('recordings.details')}</h3>
        <dl className="facts">
          <dt>{t('recordings.asset')}</dt>
          <dd>
            <form
              className="inline-form"
              onSubmit={async (e) => {
                e.preventDefault();
                await setNodeAsset(db, s.nodeId, assetName ?? asset.value?.name ?? '', technicianName() || 'Vigil');
                setAssetName(null);
              }}
            >
              <input value={assetName ?? asset.value?.name ?? ''} onChange={(e) => setAssetName(e.target.value)} placeholder={t('recordings.assetPlaceholder')} maxLength={80} />
              <button type="submit" disabled={assetName === null}>
                {t('common.save')}
              </button>
            </form>
          </dd>
          <dt>{t('recordings.channels')}</dt>
          <dd>{s.channels.join(', ')}</dd>
          <dt>{t('recordings.features')}</dt>
          <dd>
            {[...s.layout.fields, ...(s.layout.nodeFields ?? [])].map((f) => fieldInfo(f).name).join(', ')}
            {s.layout.bandCount > 0 ? t('recordings.bands', { n: s.layout.bandCount }) : ''}
          </dd>
          <dt>{t('recordings.source')}</dt>
          <dd>{s.source ? t('recordings.sourceFile', { file: s.source.fileName, bytes: formatBytes(s.source.bytes), when: formatDateTime(s.createdMs) }) : t('recordings.sourceLive', { node: node.value?.name ?? s.nodeId })}</dd>
          <dt>{t('recordings.stored')}</dt>
          <dd>
            {t('recordings.storedValue', { features: formatBytes(s.bytes.features), summaries: formatBytes(s.bytes.summaries), raw: formatBytes(s.bytes.raw) })}
          </dd>
        </dl>
      </section>
    </div>
  );
}
