/**
 * Storage: how much space Vigil uses and has, whether the browser may evict it, what is stored,
 * the retention rules, and the audit log.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { TableName } from '../db/db';
import { applyRetention, DEFAULT_RULES, loadRules, saveRules, storageStats, type RetentionRules, type StorageStats } from '../db/retention';
import { formatBytes, formatCount, formatDateTime } from '../format';
import { technicianName } from '../labels/technician';
import { useLiveQuery, useStorage } from './services';

const TABLE_NAMES: [TableName, string][] = [
  ['sessions', 'Recordings'],
  ['nodes', 'Sensors'],
  ['assets', 'Assets'],
  ['featureChunks', 'Feature minutes (every window)'],
  ['featureSummaries', 'Feature summaries (per second)'],
  ['rawSnapshots', 'Raw snapshots'],
  ['gaps', 'Gaps in streams'],
  ['events', 'Node events'],
  ['labels', 'Labels'],
  ['models', 'Models'],
  ['deployments', 'Deployments'],
  ['audit', 'Audit log entries'],
];

const RULE_NAMES: [keyof RetentionRules, string][] = [
  ['liveFeaturesDays', 'Live features, every window'],
  ['summariesDays', 'Live feature summaries (per second)'],
  ['scheduledRawDays', 'Raw snapshots taken on a schedule'],
  ['eventRawDays', 'Raw snapshots around events'],
  ['auditDays', 'Audit log'],
];

function useEstimate(refresh: unknown) {
  const [est, setEst] = useState<{ usage?: number; quota?: number; persisted?: boolean } | null>(null);
  useEffect(() => {
    let current = true;
    void (async () => {
      const e = await navigator.storage?.estimate?.().catch(() => undefined);
      const persisted = await navigator.storage?.persisted?.().catch(() => undefined);
      if (current) setEst({ usage: e?.usage, quota: e?.quota, persisted });
    })();
    return () => {
      current = false;
    };
  }, [refresh]);
  return est;
}

export function StoragePage() {
  const { db, recorder } = useStorage();
  const stats = useLiveQuery(() => storageStats(db), [db], null as StorageStats | null);
  const est = useEstimate(stats.value);
  const recState = useSyncExternalStore(
    (cb) => recorder.onState(cb),
    () => recorder.state,
  );
  const [persistMsg, setPersistMsg] = useState<string | null>(null);
  const audit = useLiveQuery(() => db.audit.orderBy('seq').reverse().limit(30).toArray(), [db], []);
  const perDay = useLiveQuery(
    async () => {
      let bytes = 0;
      let summaries = 0;
      let ms = 0;
      await db.sessions
        .where('kind')
        .equals('live')
        .each((s) => {
          bytes += s.bytes.features;
          summaries += s.bytes.summaries;
          ms += s.endMs - s.startMs;
        });
      return ms > 60_000 ? { features: (bytes / ms) * 86_400_000, summaries: (summaries / ms) * 86_400_000 } : null;
    },
    [db],
    null as { features: number; summaries: number } | null,
  );

  const used = est?.usage;
  const quota = est?.quota;
  return (
    <div className="page" data-testid="storage-page">
      <div className="page-head">
        <h2>Storage</h2>
      </div>
      <section className="panel" aria-labelledby="space-title">
        <h3 id="space-title">Space on this laptop</h3>
        {used !== undefined && quota !== undefined ? (
          <>
            <p data-testid="storage-usage">
              Vigil uses <strong>{formatBytes(used)}</strong> of the <strong>{formatBytes(quota)}</strong> the browser allows it ({((used / quota) * 100).toFixed(quota > 0 && used / quota < 0.01 ? 2 : 1)}%).
            </p>
            <meter min={0} max={quota} value={used} high={quota * 0.8} optimum={0} className="usage-meter" />
          </>
        ) : (
          <p className="muted">This browser does not report how much space is used.</p>
        )}
        <p>
          {est?.persisted ? (
            <span className="success-text">The browser keeps Vigil&apos;s data even when the disk runs low.</span>
          ) : (
            <>
              The browser may delete Vigil&apos;s data when the disk runs very low.{' '}
              <button
                type="button"
                data-testid="persist"
                onClick={async () => {
                  const ok = await navigator.storage?.persist?.().catch(() => false);
                  setPersistMsg(ok ? 'Done: the browser will keep Vigil’s data.' : 'The browser said no. Keep exporting bundles as a backup.');
                }}
              >
                Keep my data
              </button>
            </>
          )}
        </p>
        {persistMsg && <p role="status">{persistMsg}</p>}
        {recState.kind === 'stopped' ? (
          <div className="banner banner-err" role="alert">
            <strong>Live recording is stopped.</strong> {recState.message}
            <div>
              <button type="button" onClick={() => void recorder.resume()}>
                Resume recording
              </button>
            </div>
          </div>
        ) : recState.kind === 'standby' ? (
          <p className="muted">Another Vigil window on this laptop is recording the live features.</p>
        ) : (
          <p className="muted">Live features of every online node are being recorded.</p>
        )}
      </section>

      <section className="panel" aria-labelledby="what-title">
        <h3 id="what-title">What is stored</h3>
        {stats.value && (
          <table className="data-table counts" data-testid="storage-counts">
            <tbody>
              {TABLE_NAMES.map(([t, name]) => (
                <tr key={t}>
                  <th>{name}</th>
                  <td className="num" data-testid={`count-${t}`}>
                    {stats.value!.counts[t]}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {stats.value && (
          <p>
            Features {formatBytes(stats.value.bytes.features)}, summaries {formatBytes(stats.value.bytes.summaries)}, raw samples {formatBytes(stats.value.bytes.raw)}
            {stats.value.deletedLabels > 0 ? `; ${formatCount(stats.value.deletedLabels)} deleted labels kept for undo and exchange` : ''}.
          </p>
        )}
        {perDay.value && (
          <p className="muted small">
            Live recording so far takes about {formatBytes(perDay.value.features)} of features and {formatBytes(perDay.value.summaries)} of summaries per node-day.
          </p>
        )}
      </section>

      <RetentionPanel />

      <section className="panel" aria-labelledby="audit-title">
        <h3 id="audit-title">Audit log</h3>
        {audit.value.length === 0 ? (
          <p className="empty">Nothing has changed yet.</p>
        ) : (
          <table className="data-table audit" data-testid="audit-table">
            <tbody>
              {audit.value.map((a) => (
                <tr key={a.seq}>
                  <td className="mono">{formatDateTime(a.tMs)}</td>
                  <td>{a.actor}</td>
                  <td className="mono">{a.action}</td>
                  <td className="notes-cell">{a.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function RetentionPanel() {
  const { db } = useStorage();
  const [rules, setRules] = useState<RetentionRules | null>(null);
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);
  useEffect(() => {
    void loadRules(db).then(setRules, () => setRules(DEFAULT_RULES));
  }, [db]);
  if (!rules) return null;
  return (
    <section className="panel" aria-labelledby="retention-title">
      <h3 id="retention-title">How long to keep data</h3>
      <p className="muted small">
        Days to keep each kind of data; 0 keeps it forever. Vigil applies these rules at start and every six hours, and never deletes imported recordings or anything a label
        points at. It never deletes data on its own when the disk is full: recording stops instead.
      </p>
      <form
        className="form-grid"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await saveRules(db, rules, technicianName() || 'Vigil');
            const r = await applyRetention(db, rules);
            const n = r.featureChunks + r.featureSummaries + r.rawSnapshots + r.audit;
            setMsg({ text: n > 0 ? `Saved. Deleted ${r.featureChunks} feature minutes, ${r.featureSummaries} summaries, ${r.rawSnapshots} raw snapshots, ${r.audit} audit entries.` : 'Saved. Nothing is old enough to delete.', error: false });
          } catch (err) {
            setMsg({ text: err instanceof Error ? err.message : String(err), error: true });
          }
        }}
      >
        {RULE_NAMES.map(([k, name]) => (
          <label key={k}>
            {name}
            <input type="number" min={0} max={36500} step={1} value={rules[k]} onChange={(e) => setRules({ ...rules, [k]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
          </label>
        ))}
        <div>
          <button type="submit">Save and apply</button>
        </div>
      </form>
      {msg && (
        <p className={msg.error ? 'error' : 'success'} role={msg.error ? 'alert' : 'status'}>
          {msg.text}
        </p>
      )}
    </section>
  );
}
