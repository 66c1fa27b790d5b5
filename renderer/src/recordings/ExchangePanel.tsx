/**
 * Trading data between field laptops without a network: export everything (or one recording) as
 * one bundle file, import a bundle from another laptop: first a preview of what it will add, update
 * and leave out (renderer/src/db/exchange.ts planImport), then the import, then an undo of it.
 * Re-importing never duplicates anything. A bundle the app was opened with (a double-click, the
 * command line: app/openedFiles.ts) comes to the same preview.
 */
import { useState } from 'react';
import { useOpenedFile } from '../app/useOpenedFile';
import { BundleError, type BundleManifest } from '../../../models/dataset/bundle';
import { say } from '../msg';
import { storageErrorMessage } from '../db/db';
import { applyImport, exportBundle, planImport, undoImport, type ImportBundleResult, type ImportPlan, type MergeCounts } from '../db/exchange';
import { formatBytes, formatCount, formatDateTime } from '../format';
import { t } from '../i18n';
import { technicianName } from '../labels/technician';
import { downloadBlob } from '../storage/download';
import { useStorage } from '../storage/services';

const TABLES = ['sessions', 'featureChunks', 'featureMinutes', 'labels', 'events', 'rawSnapshots', 'nodes', 'assets'];
const tableWord = (table: string) => (TABLES.includes(table) ? t(`recordings.table.${table}`) : table);

/** "3 recordings, 12 labels" for one kind of change, or null when there is none. */
function countWords(tables: Record<string, MergeCounts>, pick: (c: MergeCounts) => number): string | null {
  const parts = TABLES.map((table) => {
    const n = tables[table] ? pick(tables[table]) : 0;
    return n > 0 ? `${formatCount(n)} ${tableWord(table)}` : null;
  })
    .filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : null;
}

const sum = (tables: Record<string, MergeCounts>, pick: (c: MergeCounts) => number) => Object.values(tables).reduce((s, c) => s + pick(c), 0);
const fromWords = (m: BundleManifest) => `${m.createdBy || t('recordings.x.anotherLaptop')}, ${formatDateTime(m.createdMs)}`;

function describeImport(r: ImportBundleResult): string {
  const parts = countWords(r.tables, (c) => c.added + c.updated);
  const already = sum(r.tables, (c) => c.unchanged);
  const left = r.issues.length;
  return t('recordings.x.imported', {
    from: fromWords(r.manifest),
    parts: parts ?? t('recordings.x.nothingNew'),
    already: already > 0 ? t('recordings.x.alreadyWere', { n: formatCount(already) }) : '',
    left: left > 0 ? t('recordings.x.leftOut', { n: formatCount(left) }) : '',
  });
}

/** What an import would change, before it does: adds, updates, and what it leaves out and why. */
function ImportPreview({ plan, name, onApply, onCancel }: { plan: ImportPlan; name: string | null; onApply: () => void; onCancel: () => void }) {
  const adds = countWords(plan.tables, (c) => c.added);
  const updates = countWords(plan.tables, (c) => c.updated);
  const already = sum(plan.tables, (c) => c.unchanged);
  return (
    <div className="import-preview" data-testid="import-preview" role="group" aria-label={t('recordings.x.willChange')}>
      <p>{t('recordings.x.bundleFrom', { name: name ? ` ${name}` : '', from: fromWords(plan.manifest) })}</p>
      <ul>
        <li data-testid="preview-adds">{t('recordings.x.add', { what: adds ?? t('recordings.x.nothing') })}</li>
        <li data-testid="preview-updates">{t('recordings.x.update', { what: updates ?? t('recordings.x.nothing') })}</li>
        {already > 0 && <li>{t('recordings.x.leave', { n: formatCount(already) })}</li>}
        {plan.issues.length > 0 && (
          <li data-testid="preview-issues">
            {t('recordings.x.leaveOut', { n: formatCount(plan.issues.length) })}
            <ul>
              {plan.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => (
                <li key={`${i.table}:${i.id}`}>
                  {tableWord(i.table)} {i.id}: {say(i.say)}
                </li>
              ))}
              {plan.issues.length > MAX_ISSUES_SHOWN && <li>{t('recordings.x.more', { n: formatCount(plan.issues.length - MAX_ISSUES_SHOWN) })}</li>}
            </ul>
          </li>
        )}
      </ul>
      <div className="button-row">
        <button type="button" data-testid="import-apply" onClick={onApply}>
          {t('recordings.x.import')}
        </button>
        <button type="button" data-testid="import-cancel" onClick={onCancel}>
          {t('common.cancel')}
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
  // cancelled rather than replace it, and goes back to the inbox if the page goes first
  // (app/useOpenedFile.ts). A bundle the app was opened with goes straight to the preview
  // (nothing is imported before Import).
  const hold = useOpenedFile('bundle', (f) => planBytes(f.name, async () => f.bytes));

  const doExport = async () => {
    setBusy('export');
    setMessage(null);
    try {
      const r = await exportBundle(db, { actor: technicianName() || 'Vigil' });
      downloadBlob(r.blob, r.fileName);
      setMessage({
        text: t('recordings.x.saved', { file: r.fileName, bytes: formatBytes(r.blob.size), sessions: formatCount(r.counts.sessions), labels: formatCount(r.counts.labels), events: formatCount(r.counts.events) }),
        error: false,
      });
    } catch (e) {
      setMessage({ text: storageErrorMessage(e, t('storage.doing.exportBundle')), error: true });
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
      setMessage({ text: e instanceof BundleError ? say(e.msg) : t('recordings.x.nothingImported', { message: storageErrorMessage(e, doing) }), error: true });
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
    void importing(t('storage.doing.readBundleNamed', { name }), async () => {
      const p = await planImport(db, await read());
      if (sum(p.tables, (c) => c.added + c.updated) > 0) {
        shown = true;
        setPlan(p);
      } else {
        const already = sum(p.tables, (c) => c.unchanged);
        setMessage({
          text: t('recordings.x.holdsNothing', {
            from: fromWords(p.manifest),
            already: already > 0 ? t('recordings.x.alreadyAre', { n: formatCount(already) }) : '',
            left: p.issues.length > 0 ? t('recordings.x.wouldLeave', { n: formatCount(p.issues.length), reason: say(p.issues[0].say) }) : '',
          }),
          error: false,
        });
      }
    }).then(() => {
      if (!shown) hold(false);
    });
  };

  const doApply = (p: ImportPlan) =>
    importing(t('storage.doing.importBundle'), async () => {
      setPlan(null);
      hold(false);
      const r = await applyImport(db, p, technicianName() || 'Vigil');
      setUndoId(r.importId);
      setMessage({ text: describeImport(r), error: false });
    });

  const doUndo = (id: string) =>
    importing(t('storage.doing.undoImport'), async () => {
      await undoImport(db, id, technicianName() || 'Vigil');
      setUndoId(null);
      setMessage({ text: t('recordings.x.undone'), error: false });
    });

  return (
    <section className="panel exchange" aria-labelledby="exchange-title">
      <h3 id="exchange-title">{t('recordings.x.title')}</h3>
      <p className="muted small">
        {t('recordings.x.explain')}
      </p>
      <div className="button-row">
        <button type="button" data-testid="export-bundle" onClick={() => void doExport()} disabled={busy !== null}>
          {busy === 'export' ? t('recordings.x.exporting') : t('recordings.x.export')}
        </button>
        <label className={`button-like${busy !== null ? ' disabled' : ''}`}>
          {busy === 'import' ? t('recordings.x.importing') : t('recordings.x.importBundle')}
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
          {t('recordings.x.undo')}
        </button>
      )}
    </section>
  );
}
