/**
 * "Learn this machine": the technician's reset of a node's detector (CONFIG key 10). The node stops
 * its model and learns its machine's normal for the period set here, per shaft speed, then detects
 * against what it learned (docs/detection.md §4). Shown for nodes whose firmware has the key.
 */
import { useCallback, useState } from 'react';
import type { NodeInfo } from '../../../models/api/contract';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { formatDuration } from '../format';
import { t } from '../i18n';
import { plainRefusal } from './controlLogic';
import { learnDurationMs, learnWindowsFor, type LearnUnit } from './learnLogic';

export function LearnSection({ client, node, usable }: { client: VigilClient; node: NodeInfo; usable: boolean }) {
  const cfg = node.config;
  const [amount, setAmount] = useState('1');
  const [unit, setUnit] = useState<LearnUnit>('hours');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const write = useAction(useCallback((learnWindows: number) => client.invoke('nodes.config.set', { path: node.path, changes: { learnWindows } }), [client, node.path]));
  if (!cfg || cfg.learnWindows === undefined) return null;

  const r = learnWindowsFor(amount, unit, cfg.sampleRateHz, cfg.hop);
  const name = node.config?.name || node.path;
  const start = async () => {
    if (confirming === null) return;
    const w = confirming;
    setConfirming(null);
    const ok = await write.start(w);
    if (ok) setStarted(t('learn.started', { duration: formatDuration(learnDurationMs(w, cfg.sampleRateHz, cfg.hop)) }));
  };

  return (
    <section className="ctl" aria-labelledby={`learn-${node.path}`} data-testid="learn-section">
      <div className="ctl-head">
        <h5 id={`learn-${node.path}`}>{t('learn.title')}</h5>
      </div>
      <p className="muted small">
        {t('learn.explain')}{' '}
        {t('learn.now', { period: formatDuration(learnDurationMs(cfg.learnWindows, cfg.sampleRateHz, cfg.hop)) })}
      </p>
      <div className="ctl-form">
        <label>
          {t('learn.period')}{' '}
          <input type="number" min={0} step="any" value={amount} onChange={(e) => (setAmount(e.target.value), setConfirming(null), setStarted(null))} data-testid="learn-amount" />
        </label>
        <select value={unit} onChange={(e) => (setUnit(e.target.value as LearnUnit), setConfirming(null))} aria-label={t('learn.unit')} data-testid="learn-unit">
          <option value="minutes">{t('learn.minutes')}</option>
          <option value="hours">{t('learn.hours')}</option>
          <option value="days">{t('learn.days')}</option>
        </select>{' '}
        <button type="button" disabled={!usable || write.busy || 'problem' in r} onClick={() => 'windows' in r && setConfirming(r.windows)} data-testid="learn-start">
          {t('learn.start')}
        </button>
      </div>
      {'problem' in r && <p className="error small">{t(r.problem.key, r.problem.values)}</p>}
      {confirming !== null && (
        <div className="confirm" role="dialog" aria-label={t('learn.confirmTitle')} data-testid="learn-confirm">
          <p>{t('learn.confirm', { node: name, duration: formatDuration(learnDurationMs(confirming, cfg.sampleRateHz, cfg.hop)) })}</p>
          <button type="button" className="primary" onClick={() => void start()} data-testid="learn-confirm-yes">
            {t('learn.yes')}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(null)}>
            {t('common.cancel')}
          </button>
        </div>
      )}
      {started && (
        <p className="ok-text" data-testid="learn-started">
          {started}
        </p>
      )}
      {write.error && (
        <p className="error" role="alert">
          {t('learn.refused', { error: plainRefusal(write.error) })}
        </p>
      )}
    </section>
  );
}
