/**
 * Trading data between field laptops without a network: export everything (or one recording) as
 * one bundle file, import a bundle from another laptop: first a preview of what it will add, update
 * and leave out (renderer/src/db/exchange.ts planImport), then the import, then an undo of it.
 * Re-importing never duplicates anything. A bundle the app was opened with (a double-click, the
 * command line: app/openedFiles.ts) comes to the same preview.
 */
import { useEffect, useRef, useState } from 'react';
import { openedFileInbox } from '../app/openedFiles';
import { BundleError, type BundleManifest } from '../../../models/dataset/bundle';
import { storageErrorMessage } from '../db/db';
import { applyImport, exportBundle, planImport, undoImport, type ImportBundleResult, type ImportPlan, type MergeCounts } from '../db/exchange';
import { formatBytes, formatCount, formatDateTime } from '../format';
import { technicianName } from '../labels/technician';
import { downloadBlob } from '../storage/download';
import { useStorage } from '../storage/services';

const TABLE_WORDS: Record<string, string> = {
  sessions: 'recordings',
  featureChunks: 'feature minutes',
  labels: 'labels',
  events: 'events',
  rawSnapshots: 'raw snapshots',
  nodes: 'sensors',
  assets: 'assets',
};

/** "3 recordings, 12 labels" for one kind of change, or null when there is none. */
function countWords(tables: Record<string, MergeCounts>, pick: (c: MergeCounts) => number): string | null {
  const parts = Object.entries(TABLE_WORDS)
    .map(([t, w]) => {
      const n = tables[t] ? pick(tables[t]) : 0;
      return n > 0 ? `${formatCount(n)} ${w}` : null;
    })
    .filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : null;
}

const sum = (tables: Record<string, MergeCounts>, pick: (c: MergeCounts) => number) => Object.values(tables).reduce((s, c) => s + pick(c), 0);
const fromWords = (m: BundleManifest) => `${m.createdBy || 'another laptop'}, ${formatDateTime(m.createdMs)}`;

function describeImport(r: ImportBundleResult): string {
  const parts = countWords(r.tables, (c) => c.added + c.updated);
  const already = sum(r.tables, (c) => c.unchanged);
  const left = r.issues.length;
  return `Imported the bundle from ${fromWords(r.manifest)}: ${parts ?? 'nothing new'}${already > 0 ? ` (${formatCount(already)} rows were already here)` : ''}${left > 0 ? `; ${formatCount(left)} rows left out, the local ones kept` : ''}.`;
}

/** What an import would change, before it does: adds, updates, and what it leaves out and why. */
function ImportPreview({ plan, name, onApply, onCancel }: { plan: ImportPlan; name: string | null; onApply: () => void; onCancel: () => void }) {
  const adds = countWords(plan.tables, (c) => c.added);
  const updates = countWords(plan.tables, (c) => c.updated);
  const already = sum(plan.tables, (c) => c.unchanged);
  return (
    <div className="import-preview" data-testid="import-preview" role="group" aria-label="What the import will change">
      <p>
        The bundle{name ? ` ${name}` : ''} from {fromWords(plan.manifest)} will:
      </p>
      <ul>
        <li data-testid="preview-adds">add {adds ?? 'nothing'}</li>
        <li data-testid="preview-updates">update {updates ?? 'nothing'} (newer copies of rows this laptop has; undo puts them back)</li>
        {already > 0 && <li>leave {formatCount(already)} rows that are already here</li>}
        {plan.issues.length > 0 && (
          <li data-testid="preview-issues">
            leave out {formatCount(plan.issues.length)} rows and keep the local ones:
            <ul>
              {plan.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => (
                <li key={`${i.table}:${i.id}`}>
                  {TABLE_WORDS[i.table] ?? i.table} {i.id}: {i.reason}
                </li>
              ))}
              {plan.issues.length > MAX_ISSUES_SHOWN && <li>and {formatCount(plan.issues.length - MAX_ISSUES_SHOWN)} more</li>}
            </ul>
          </li>
        )}
      </ul>
      <div className="button-row">
        <button type="button" data-testid="import-apply" onClick={onApply}>
          Import
        </button>
        <button type="button" data-testid="import-cancel" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

const MAX_ISSUES_SHOWN = 5;

export function ExchangePanel() {
  const { db } = useStorage();
  const [busy, setBusy] = useState<null | 'export' | 'import'>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [undoId, setUndoId] = useState<string | null>(null);
  const [openedName, setOpenedName] = useState<string | null>(null);

  // A preview (or the reading of one) is on screen: an opened bundle waits until it is imported or
  // cancelled rather than replace it (app/openedFiles.ts).
  const held = useRef(false);
  const hold = (on: boolean) => {
    held.current = on;
    openedFileInbox.setShowing('bundle', on);
  };

  // A bundle the app was opened with: straight to the preview (nothing is imported before Import).
  useEffect(() => {
    const take = () => {
      if (held.current) return;
      const f = openedFileInbox.take('bundle');
      if (f) planBytes(f.name, async () => f.bytes);
    };
    take();
    const off = openedFileInbox.subscribe(take);
    return () => {
      off();
      hold(false);
    };
    // Once: planBytes and hold only use state setters, a ref and the database, which do not change.
  }, []);

  const doExport = async () => {
    setBusy('export');
    setMessage(null);
    try {
      const r = await exportBundle(db, { actor: technicianName() || 'Vigil' });
      downloadBlob(r.blob, r.fileName);
      setMessage({ text: `Saved ${r.fileName} (${formatBytes(r.blob.size)}): ${formatCount(r.counts.sessions)} recordings, ${formatCount(r.counts.labels)} labels, ${formatCount(r.counts.events)} events.`, error: false });
    } catch (e) {
      setMessage({ text: storageErrorMessage(e, 'export the bundle'), error: true });
    } finally {
      setBusy(null);
    }
  };

  const importing = async (doing: string, work: () => Promise<void>) => {
    setBusy('import');
    setMessage(null);
    try {
      await work();
    } catch (e) {
      setMessage({ text: e instanceof BundleError ? e.message : `${storageErrorMessage(e, doing)} Nothing was imported.`, error: true });
    } finally {
      setBusy(null);
    }
  };

  const doPlan = (f: File | undefined) => {
    if (f) planBytes(f.name, async () => new Uint8Array(await f.arrayBuffer()));
  };

  const planBytes = (name: string, read: () => Promise<Uint8Array>) => {
    setPlan(null);
    setUndoId(null);
    setOpenedName(name);
    hold(true);
    let shown = false;
    void importing(`read the bundle ${name}`, async () => {
      const p = await planImport(db, await read());
      if (sum(p.tables, (c) => c.added + c.updated) > 0) {
        shown = true;
        setPlan(p);
      } else {
        const already = sum(p.tables, (c) => c.unchanged);
        setMessage({ text: `The bundle from ${fromWords(p.manifest)} holds nothing new${already > 0 ? ` (${formatCount(already)} rows are already here)` : ''}${p.issues.length > 0 ? `; ${formatCount(p.issues.length)} rows would be left out: ${p.issues[0].reason}` : ''}.`, error: false });
      }
    }).then(() => {
      if (!shown) hold(false);
    });
  };

  const doApply = (p: ImportPlan) =>
    importing('import the bundle', async () => {
      setPlan(null);
      hold(false);
      const r = await applyImport(db, p, technicianName() || 'Vigil');
      setUndoId(r.importId);
      setMessage({ text: describeImport(r), error: false });
    });

  const doUndo = (id: string) =>
    importing('undo the import', async () => {
      await undoImport(db, id, technicianName() || 'Vigil');
      setUndoId(null);
      setMessage({ text: 'The import was undone: the rows it added are gone and the rows it updated are as they were.', error: false });
    });

  return (
    <section className="panel exchange" aria-labelledby="exchange-title">
      <h3 id="exchange-title">Exchange with another laptop</h3>
      <p className="muted small">
        A dataset bundle (.vigil) holds recordings, features, raw snapshots, labels and events in one file. Import it on another laptop: you see what it will add or update first, what it already has is not duplicated, local data is never overwritten by an older or conflicting copy, and the last import can be undone.
      </p>
      <div className="button-row">
        <button type="button" data-testid="export-bundle" onClick={() => void doExport()} disabled={busy !== null}>
          {busy === 'export' ? 'Exporting…' : 'Export dataset bundle'}
        </button>
        <label className={`button-like${busy !== null ? ' disabled' : ''}`}>
          {busy === 'import' ? 'Importing…' : 'Import dataset bundle…'}
          <input
            data-testid="import-bundle"
            type="file"
            accept=".vigil,application/octet-stream"
            disabled={busy !== null}
            onChange={(e) => {
              doPlan(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {plan && <ImportPreview plan={plan} name={openedName} onApply={() => void doApply(plan)} onCancel={() => (setPlan(null), hold(false))} />}
      {message && (
        <p className={message.error ? 'error' : 'success'} role={message.error ? 'alert' : 'status'} data-testid="exchange-message">
          {message.text}
        </p>
      )}
      {undoId && busy === null && (
        <button type="button" data-testid="import-undo" onClick={() => void doUndo(undoId)}>
          Undo this import
        </button>
      )}
    </section>
  );
}
