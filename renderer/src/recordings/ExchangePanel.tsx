/**
 * Trading data between field laptops without a network: export everything (or one recording) as
 * one bundle file, import a bundle from another laptop. Re-importing never duplicates anything.
 */
import { useState } from 'react';
import { BundleError } from '../../../models/dataset/bundle';
import { storageErrorMessage } from '../db/db';
import { exportBundle, importBundle, type ImportBundleResult } from '../db/exchange';
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

function describeImport(r: ImportBundleResult): string {
  const parts = Object.entries(TABLE_WORDS)
    .map(([t, w]) => {
      const c = r.tables[t];
      if (!c) return null;
      const n = c.added + c.updated;
      return n > 0 ? `${formatCount(n)} ${w}` : null;
    })
    .filter(Boolean);
  const already = Object.values(r.tables).reduce((s, c) => s + c.unchanged, 0);
  const from = `${r.manifest.createdBy || 'another laptop'}, ${formatDateTime(r.manifest.createdMs)}`;
  return `Imported the bundle from ${from}: ${parts.length > 0 ? parts.join(', ') : 'nothing new'}${already > 0 ? ` (${formatCount(already)} rows were already here)` : ''}.`;
}

export function ExchangePanel() {
  const { db } = useStorage();
  const [busy, setBusy] = useState<null | 'export' | 'import'>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

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

  const doImport = async (f: File | undefined) => {
    if (!f) return;
    setBusy('import');
    setMessage(null);
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const r = await importBundle(db, bytes, technicianName() || 'Vigil');
      setMessage({ text: describeImport(r), error: false });
    } catch (e) {
      setMessage({ text: e instanceof BundleError ? e.message : `${storageErrorMessage(e, 'import the bundle')} Nothing was imported.`, error: true });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="panel exchange" aria-labelledby="exchange-title">
      <h3 id="exchange-title">Exchange with another laptop</h3>
      <p className="muted small">
        A dataset bundle (.vigil) holds recordings, features, raw snapshots, labels and events in one file. Import it on another laptop: what it already has is not duplicated.
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
              void doImport(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {message && (
        <p className={message.error ? 'error' : 'success'} role={message.error ? 'alert' : 'status'} data-testid="exchange-message">
          {message.text}
        </p>
      )}
    </section>
  );
}
