/**
 * Labels and node events across all recordings, with filters by sensor, asset, label and time,
 * and the labels CSV export.
 */
import { useState } from 'react';
import { LABEL_COLOURS, LABEL_KINDS, labelsToCsv, type LabelKind } from '../../../models/dataset/labels';
import { labelName, t } from '../i18n';
import { queryLabels, type LabelFilter } from '../db/labels';
import type { EventRow, LabelRow } from '../db/types';
import { formatCount, formatDateTime, formatFixed } from '../format';
import { createWithUndo } from '../labels/actions';
import { LabelForm } from '../labels/LabelForm';
import { LabelTable } from '../labels/LabelTable';
import { downloadBlob } from '../storage/download';
import { useLiveQuery, useStorage } from '../storage/services';

function toMs(local: string): number | undefined {
  if (!local) return undefined;
  const ms = new Date(local).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

export function EventsPage() {
  const services = useStorage();
  const { db } = services;
  const [nodeId, setNodeId] = useState('');
  const [assetId, setAssetId] = useState('');
  const [label, setLabel] = useState<LabelKind | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [labelling, setLabelling] = useState<EventRow | null>(null);
  const [error, setError] = useState<string | null>(null);

  const nodes = useLiveQuery(() => db.nodes.toArray(), [db], []);
  const assets = useLiveQuery(() => db.assets.toArray(), [db], []);
  const sessions = useLiveQuery(() => db.sessions.toArray(), [db], []);
  const filter: LabelFilter = { nodeId: nodeId || undefined, assetId: assetId || undefined, label: label || undefined, fromMs: toMs(from), toMs: toMs(to) };
  const labels = useLiveQuery(() => queryLabels(db, filter), [db, nodeId, assetId, label, from, to], [] as LabelRow[]);
  const events = useLiveQuery(
    async () => {
      const all = nodeId ? await db.events.where('nodeId').equals(nodeId).toArray() : await db.events.toArray();
      const assetNodes = assetId ? new Set(nodes.value.filter((n) => n.assetId === assetId).map((n) => n.id)) : null;
      return all
        .filter((e) => (!assetNodes || assetNodes.has(e.nodeId)) && (filter.fromMs === undefined || e.endMs > filter.fromMs) && (filter.toMs === undefined || e.startMs < filter.toMs))
        .sort((a, b) => b.startMs - a.startMs);
    },
    [db, nodeId, assetId, from, to, nodes.value],
    [] as EventRow[],
  );

  // The labels made for each event (LabelRow.eventId): an alarm shows whether, and how, it was labelled.
  const eventIds = events.value.map((e) => e.id);
  const linked = useLiveQuery(
    async () => (eventIds.length === 0 ? [] : (await db.labels.where('eventId').anyOf(eventIds).toArray()).filter((l) => l.deletedMs === null)),
    [db, eventIds.join('|')],
    [] as LabelRow[],
  );
  const labelsOf = (eventId: string) => linked.value.filter((l) => l.eventId === eventId);
  const nodeName = (id: string) => nodes.value.find((n) => n.id === id)?.name ?? id;
  const assetName = (id: string | null) => (id ? (assets.value.find((a) => a.id === id)?.name ?? '—') : '—');
  const recordingOf = (l: LabelRow) => {
    const s = sessions.value.find((x) => x.id === l.sessionId) ?? sessions.value.find((x) => x.nodeId === l.nodeId && x.startMs <= l.endMs && x.endMs >= l.startMs);
    return s ? { id: s.id, name: s.name } : null;
  };

  const exportCsv = () => {
    const csv = labelsToCsv(
      labels.value.map((l) => ({
        id: l.id,
        node: nodeName(l.nodeId),
        asset: assetName(l.assetId) === '—' ? '' : assetName(l.assetId),
        recording: recordingOf(l)?.name ?? '',
        startMs: l.startMs,
        endMs: l.endMs,
        label: l.label,
        notes: l.notes,
        author: l.author,
        createdMs: l.createdMs,
        updatedMs: l.updatedMs,
      })),
    );
    downloadBlob(new Blob([csv], { type: 'text/csv' }), `vigil-labels-${new Date().toISOString().slice(0, 10)}.csv`);
  };

  return (
    <div className="page" data-testid="events-page">
      <div className="page-head">
        <h2>{t('events.title')}</h2>
        <button type="button" data-testid="export-labels-csv" onClick={exportCsv} disabled={labels.value.length === 0}>
          {t('events.exportCsv')}
        </button>
      </div>
      <section className="panel filters" aria-label={t('events.filters')}>
        <label>
          {t('events.sensor')}
          <select data-testid="filter-node" value={nodeId} onChange={(e) => setNodeId(e.target.value)}>
            <option value="">{t('events.all')}</option>
            {nodes.value.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('events.asset')}
          <select data-testid="filter-asset" value={assetId} onChange={(e) => setAssetId(e.target.value)}>
            <option value="">{t('events.all')}</option>
            {assets.value.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('events.label')}
          <select data-testid="filter-label" value={label} onChange={(e) => setLabel(e.target.value as LabelKind | '')}>
            <option value="">{t('events.allLabels')}</option>
            {LABEL_KINDS.map((k) => (
              <option key={k} value={k}>
                {labelName(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('events.from')}
          <input type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('events.to')}
          <input type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        {(nodeId || assetId || label || from || to) && (
          <button
            type="button"
            onClick={() => {
              setNodeId('');
              setAssetId('');
              setLabel('');
              setFrom('');
              setTo('');
            }}
          >
            {t('events.clear')}
          </button>
        )}
      </section>
      <section className="panel">
        <h3>
          {t('events.labels')} <span className="muted small">({formatCount(labels.value.length)})</span>
        </h3>
        <LabelTable
          labels={labels.value}
          nodeName={nodeName}
          assetName={assetName}
          recordingOf={recordingOf}
          empty={t('events.noLabels')}
        />
        <p className="muted small shortcuts-help">
          {t('events.keys')}
        </p>
      </section>
      <section className="panel">
        <h3>{t('events.nodeEvents')}</h3>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {events.value.length === 0 ? (
          <p className="empty">{t('events.noEvents')}</p>
        ) : (
          <table className="data-table" data-testid="events-table">
            <thead>
              <tr>
                <th>{t('events.col.when')}</th>
                <th>{t('events.col.sensor')}</th>
                <th>{t('events.col.kind')}</th>
                <th className="num">{t('events.col.score')}</th>
                <th>{t('events.col.message')}</th>
                <th>{t('events.col.label')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {events.value.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.startMs)}</td>
                  <td translate="no">{nodeName(e.nodeId)}</td>
                  <td>{t(`report.eventKind.${e.kind}`, { defaultValue: e.kind })}</td>
                  <td className="num">{e.score === undefined || e.score === null ? '—' : formatFixed(e.score, 2)}</td>
                  <td translate="no">{e.message}</td>
                  <td data-testid="event-label" data-labelled={labelsOf(e.id).length > 0}>
                    {labelsOf(e.id).length === 0 ? (
                      <span className="muted">{t('events.notLabelled')}</span>
                    ) : (
                      labelsOf(e.id).map((l) => (
                        <span key={l.id} className="event-label" title={l.notes || undefined}>
                          <span className="swatch" style={{ backgroundColor: LABEL_COLOURS[l.label] }} />
                          {t('live.labelBy', { label: labelName(l.label), author: l.author })}
                        </span>
                      ))
                    )}
                  </td>
                  <td className="actions">
                    <button type="button" onClick={() => setLabelling(e)}>
                      {t('events.labelButton')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {labelling && (
          <LabelForm
            title={t('events.labelTitle', { kind: t(`report.eventKind.${labelling.kind}`, { defaultValue: labelling.kind }), when: formatDateTime(labelling.startMs) })}
            onCancel={() => setLabelling(null)}
            onSave={async (kind, notes, author) => {
              try {
                const ev = labelling;
                const end = ev.endMs > ev.startMs ? ev.endMs : ev.startMs + 1;
                await createWithUndo(services, { nodeId: ev.nodeId, sessionId: ev.sessionId, eventId: ev.id, startMs: ev.startMs, endMs: end, label: kind, notes, author });
                setLabelling(null);
              } catch (err) {
                setError(err instanceof Error ? err.message : String(err));
              }
            }}
          />
        )}
      </section>
    </div>
  );
}
