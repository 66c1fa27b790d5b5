/**
 * A list of labels with Edit and Delete (undoable). With a row focused, a label's key relabels it
 * (the same keys as on the chart). Used by a recording's page and by the Events page.
 */
import { useState } from 'react';
import { LABEL_COLOURS, labelForKey } from '../../../models/dataset/labels';
import { labelName, t } from '../i18n';
import type { LabelRow } from '../db/types';
import { formatDateTimeMs, formatFixed, formatTimeMs } from '../format';
import { useStorage } from '../storage/services';
import { deleteWithUndo, editWithUndo } from './actions';
import { LabelForm } from './LabelForm';
import { technicianName } from './technician';

export interface LabelTableProps {
  labels: LabelRow[];
  /** Extra columns (Events page). */
  nodeName?: (id: string) => string;
  assetName?: (id: string | null) => string;
  recordingOf?: (l: LabelRow) => { id: string; name: string } | null;
  /** Times relative to this instant (a recording's start) instead of clock times. */
  relativeTo?: number;
  empty: string;
}

function when(ms: number, relativeTo?: number): string {
  return relativeTo === undefined ? formatDateTimeMs(ms) : `${formatFixed((ms - relativeTo) / 1000, 3)} s`;
}

/** "Nov 22, 2026, 02:15:48.117 to 02:15:48.311": the end without its date when it is the same day. */
function span(startMs: number, endMs: number, relativeTo?: number): string {
  const sameDay = relativeTo === undefined && new Date(startMs).toDateString() === new Date(endMs).toDateString();
  return t('labels.span', { from: when(startMs, relativeTo), to: sameDay ? formatTimeMs(endMs) : when(endMs, relativeTo) });
}

export function LabelTable({ labels, nodeName, assetName, recordingOf, relativeTo, empty }: LabelTableProps) {
  const services = useStorage();
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      setEditing(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const actor = () => technicianName() || 'Vigil';

  if (labels.length === 0) return <p className="empty">{empty}</p>;
  const editRow = labels.find((l) => l.id === editing);
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap">
      <table className="data-table labels-table" data-testid="labels-table">
        <thead>
          <tr>
            <th>{t('labels.col.label')}</th>
            <th>{t('labels.col.when')}</th>
            <th className="num">{t('labels.col.length')}</th>
            {(recordingOf || nodeName) && <th>{t('labels.col.recording')}</th>}
            {assetName && <th>{t('labels.col.asset')}</th>}
            <th>{t('labels.col.notes')}</th>
            <th>{t('labels.col.by')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {labels.map((l) => {
            const rec = recordingOf?.(l);
            return (
              <tr
                key={l.id}
                data-testid="label-row"
                data-label={l.label}
                tabIndex={0}
                title={t('labels.rowTitle')}
                onKeyDown={(e) => {
                  if (e.target !== e.currentTarget || e.ctrlKey || e.metaKey || e.altKey) return;
                  if (e.key === 'Delete') {
                    e.preventDefault();
                    void run(() => deleteWithUndo(services, l.id, actor()));
                    return;
                  }
                  const kind = labelForKey(e.key);
                  if (kind && kind !== l.label) {
                    e.preventDefault();
                    void run(() => editWithUndo(services, l.id, { label: kind }, actor()));
                  }
                }}
              >
                <td>
                  <span className="label-chip" style={{ borderColor: LABEL_COLOURS[l.label] }}>
                    <span className="swatch" style={{ backgroundColor: LABEL_COLOURS[l.label] }} />
                    {labelName(l.label)}
                  </span>
                </td>
                <td className="mono when-cell">{span(l.startMs, l.endMs, relativeTo)}</td>
                <td className="num">{formatFixed((l.endMs - l.startMs) / 1000, 2)} s</td>
                {(recordingOf || nodeName) && (
                  <td className="name-cell" translate="no">
                    {rec ? <a href={`#/recordings/${encodeURIComponent(rec.id)}`}>{rec.name}</a> : '—'}
                    {nodeName && rec?.name !== nodeName(l.nodeId) && <div className="muted small">{nodeName(l.nodeId)}</div>}
                  </td>
                )}
                {assetName && <td translate="no">{assetName(l.assetId)}</td>}
                <td className="notes-cell" translate="no">
                  {l.notes}
                </td>
                <td translate="no">{l.author}</td>
                <td className="actions">
                  <button type="button" onClick={() => setEditing(l.id)} disabled={busy}>
                    {t('labels.edit')}
                  </button>{' '}
                  <button type="button" className="danger" data-testid="label-delete" onClick={() => void run(() => deleteWithUndo(services, l.id, actor()))} disabled={busy}>
                    {t('labels.delete')}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      {editRow && (
        <LabelForm
          key={editRow.id}
          title={t('labels.editTitle', { from: when(editRow.startMs, relativeTo), to: when(editRow.endMs, relativeTo) })}
          initial={{ label: editRow.label, notes: editRow.notes }}
          saveText={t('labels.saveChanges')}
          busy={busy}
          error={error}
          onSave={(label, notes, author) => void run(() => editWithUndo(services, editRow.id, { label, notes }, author))}
          onCancel={() => setEditing(null)}
        />
      )}
    </>
  );
}
