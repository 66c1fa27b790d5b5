/**
 * Storage: how much space Vigil uses and has, whether the browser may evict it, what is stored,
 * the retention rules, and the audit log.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { TableName } from '../db/db';
import { applyRetention, DEFAULT_RULES, lastRetentionRun, loadRules, RULE_LIMITS, saveRules, storageStats, type LastRun, type RetentionRules, type StorageStats } from '../db/retention';
import { formatBytes, formatCount, formatDateTime, formatNumber } from '../format';
import { t } from '../i18n';
import { technicianName } from '../labels/technician';
import { useLiveQuery, useStorage } from './services';

// Names: storage.table.* and storage.rule.* in the catalogue.
const TABLES: TableName[] = ['sessions', 'nodes', 'assets', 'featureChunks', 'featureSummaries', 'featureMinutes', 'rawSnapshots', 'gaps', 'events', 'labels', 'models', 'deployments', 'audit'];
const RULES: (keyof RetentionRules)[] = ['fullResolutionHours', 'eventMarginMinutes', 'bandMarginMinutes', 'perSecondDays', 'summariesDays', 'scheduledRawDays', 'eventRawDays', 'auditDays'];

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
        <h2>{t('storage.title')}</h2>
      </div>
      <section className="panel" aria-labelledby="space-title">
        <h3 id="space-title">{t('storage.space')}</h3>
        {used !== undefined && quota !== undefined ? (
          <>
            <p data-testid="storage-usage">
              {t('storage.uses1')} <strong>{formatBytes(used)}</strong> {t('storage.uses2')} <strong>{formatBytes(quota)}</strong>{' '}
              {t('storage.uses3', { pct: formatNumber((used / quota) * 100, quota > 0 && used / quota < 0.01 ? 2 : 1) })}
            </p>
            <meter min={0} max={quota} value={used} high={quota * 0.8} optimum={0} className="usage-meter" />
          </>
        ) : (
          <p className="muted">{t('storage.noEstimate')}</p>
        )}
        <p>
          {est?.persisted ? (
            <span className="success-text">{t('storage.persisted')}</span>
          ) : (
            <>
              {t('storage.mayDelete')}{' '}
              <button
                type="button"
                data-testid="persist"
                onClick={async () => {
                  const ok = await navigator.storage?.persist?.().catch(() => false);
                  setPersistMsg(ok ? t('storage.persistOk') : t('storage.persistNo'));
                }}
              >
                {t('storage.keep')}
              </button>
            </>
          )}
        </p>
        {persistMsg && <p role="status">{persistMsg}</p>}
        {recState.kind === 'stopped' ? (
          <div className="banner banner-err" role="alert">
            <strong>{t('storage.stopped')}</strong> {recState.message}
            <div>
              <button type="button" onClick={() => void recorder.resume()}>
                {t('storage.resume')}
              </button>
            </div>
          </div>
        ) : recState.kind === 'standby' ? (
          <p className="muted">{t('storage.standby')}</p>
        ) : (
          <p className="muted">{t('storage.recording')}</p>
        )}
      </section>

      <section className="panel" aria-labelledby="what-title">
        <h3 id="what-title">{t('storage.what')}</h3>
        {stats.value && (
          <table className="data-table counts" data-testid="storage-counts">
            <tbody>
              {TABLES.map((table) => (
                <tr key={table}>
                  <th>{t(`storage.table.${table}`)}</th>
                  <td className="num" data-testid={`count-${table}`}>
                    {stats.value!.counts[table]}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {stats.value && (
          <p>
            {t('storage.bytes', {
              features: formatBytes(stats.value.bytes.features),
              summaries: formatBytes(stats.value.bytes.summaries),
              raw: formatBytes(stats.value.bytes.raw),
              deleted: stats.value.deletedLabels > 0 ? t('storage.deletedLabels', { n: formatCount(stats.value.deletedLabels) }) : '',
            })}
          </p>
        )}
        {perDay.value && (
          <p className="muted small">
            {t('storage.perDay', { features: formatBytes(perDay.value.features), summaries: formatBytes(perDay.value.summaries) })}
          </p>
        )}
      </section>

      <RetentionPanel />

      <section className="panel" aria-labelledby="audit-title">
        <h3 id="audit-title">{t('storage.audit')}</h3>
        {audit.value.length === 0 ? (
          <p className="empty">{t('storage.auditEmpty')}</p>
        ) : (
          <table className="data-table audit" data-testid="audit-table">
            <tbody>
              {audit.value.map((a) => (
                <tr key={a.seq}>
                  <td className="mono">{formatDateTime(a.tMs)}</td>
                  <td translate="no">{a.actor}</td>
                  <td className="mono" translate="no">
                    {a.action}
                  </td>
                  <td className="notes-cell" translate="no">
                    {a.detail}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** The last compaction in plain words. */
function lastRunWords(last: LastRun): string {
  const r = last.result;
  const when = formatDateTime(last.atMs);
  const compacted = r.featureChunks + r.featureSummaries + r.featureMinutes + r.rawSnapshots + r.audit;
  const parts = [
    compacted === 0 && r.minutesWritten === 0 && (r.valuesCoded ?? 0) === 0
      ? t('storage.last.nothing', { when })
      : t('storage.last.did', {
          when,
          chunks: formatCount(r.featureChunks),
          seconds: formatCount(r.featureSummaries),
          minutes: formatCount(r.minutesWritten),
          freed: formatBytes(Math.max(0, r.bytesFreed)),
        }),
  ];
  if (r.chunksKept > 0) parts.push(t('storage.last.kept', { n: formatCount(r.chunksKept) }));
  if ((r.bandsDropped ?? 0) > 0) parts.push(t('storage.last.bands', { n: formatCount(r.bandsDropped ?? 0) }));
  if ((r.valuesCoded ?? 0) > 0) parts.push(t('storage.last.values', { n: formatCount(r.valuesCoded ?? 0) }));
  if (r.rawSnapshots + r.audit + r.featureMinutes > 0) parts.push(t('storage.last.deleted', { raw: formatCount(r.rawSnapshots), audit: formatCount(r.audit), minutes: formatCount(r.featureMinutes) }));
  return parts.join(' ');
}

function RetentionPanel() {
  const { db } = useStorage();
  const [rules, setRules] = useState<RetentionRules | null>(null);
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);
  const last = useLiveQuery(() => lastRetentionRun(db), [db], null as LastRun | null);
  useEffect(() => {
    void loadRules(db).then(setRules, () => setRules(DEFAULT_RULES));
  }, [db]);
  if (!rules) return null;
  return (
    <section className="panel" aria-labelledby="retention-title">
      <h3 id="retention-title">{t('storage.keepTitle')}</h3>
      <p className="muted small">{t('storage.keepExplain')}</p>
      <form
        className="form-grid rules-grid"
        data-testid="retention-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await saveRules(db, rules, technicianName() || 'Vigil');
            await applyRetention(db, rules);
            const run = await lastRetentionRun(db);
            setMsg({ text: t('storage.saved') + (run ? ' ' + lastRunWords(run) : ''), error: false });
          } catch (err) {
            setMsg({ text: err instanceof Error ? err.message : String(err), error: true });
          }
        }}
      >
        {RULES.map((k) => (
          <label key={k}>
            {t(`storage.rule.${k}`)}
            <span className="input-unit">
              <input
                type="number"
                min={0}
                max={RULE_LIMITS[k].max}
                step={1}
                value={rules[k]}
                data-testid={`rule-${k}`}
                onChange={(e) => setRules({ ...rules, [k]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
              />{' '}
              {t(`storage.unit.${RULE_LIMITS[k].unit}`)}
            </span>
            <span className="muted small">{t(`storage.ruleHelp.${k}`)}</span>
          </label>
        ))}
        <div>
          <button type="submit">{t('storage.saveApply')}</button>
        </div>
      </form>
      <p data-testid="retention-last">{last.value ? lastRunWords(last.value) : t('storage.last.never')}</p>
      {msg && (
        <p className={msg.error ? 'error' : 'success'} role={msg.error ? 'alert' : 'status'}>
          {msg.text}
        </p>
      )}
    </section>
  );
}
