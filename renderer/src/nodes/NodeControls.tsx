/**
 * What a technician does to one node (docs/protocol.md 3.6-3.11): pair it over the cable, change
 * its configuration, choose what it streams, sync its clock and ping it. Every control says in plain
 * words why it is unavailable, and shows the node's refusal (NACK) next to the control that caused it.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Capability, NodeConfig, NodeConfigChanges, NodeInfo, StreamSettings } from '../../../models/api/contract';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { formatBytes, formatCount, formatFixed, formatNumber, formatStamp, formatTime, formatUsAsMs } from '../format';
import { t } from '../i18n';
import { configChanges, plainRefusal, rawBytesPerSecond, utf8Len, type ConfigDraft } from './controlLogic';
import { PowerEstimate } from './PowerEstimate';

interface SectionProps {
  client: VigilClient;
  node: NodeInfo;
  /** The node is online: requests can go out. */
  usable: boolean;
}

/**
 * Why a command that needs the node's key cannot go over Bluetooth LE or through a plant gateway
 * (every change there is signed with the pairing key, docs/gateway.md "Commands"), or null when it can.
 */
function bleKeyProblem(node: NodeInfo): string | null {
  const info = node.hello?.info;
  if ((node.link !== 'ble' && node.link !== 'gateway') || !info) return null;
  const gw = node.link === 'gateway';
  if (!info.paired) return t(gw ? 'nodes.ctl.gatewayNotPaired' : 'nodes.ctl.bleNotPaired');
  if (!info.keyKnown) return t(gw ? 'nodes.ctl.gatewayKeyElsewhere' : 'nodes.ctl.bleKeyElsewhere');
  return null;
}

// --- Pairing ---------------------------------------------------------------------------------

export function PairSection({ client, node, usable }: SectionProps) {
  const info = node.hello?.info;
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(node.hello?.name ?? '');
  const run = useCallback((n: string) => client.invoke('nodes.pair', n ? { path: node.path, name: n } : { path: node.path }), [client, node.path]);
  const action = useAction(run);
  const [done, setDone] = useState(false);
  const nameBytes = utf8Len(name.trim());
  const nameProblem = nameBytes > 32 ? t('nodes.pair.nameTooLong', { n: nameBytes }) : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (nameProblem) return;
    setDone(false);
    const r = await action.start(name.trim());
    if (r) {
      setOpen(false);
      setDone(true);
    }
  };

  let state: string;
  if (!info?.paired) state = t('nodes.pair.notPaired');
  else if (info.keyKnown) state = t('nodes.pair.held', { keyId: info.keyId });
  // A node this workstation paired before shows another key: main sets rePaired (main/node/keys.ts noteHello).
  else if (info.rePaired) state = t('nodes.pair.rePaired', { keyId: info.keyId });
  else state = t('nodes.pair.elsewhere', { keyId: info.keyId });

  const reason = node.link !== 'serial' ? t('nodes.pair.cableOnly') : !usable ? t('nodes.notOnline') : null;
  return (
    <section className="ctl" aria-labelledby={`pair-${node.path}`} data-testid="pair-section">
      <h5 id={`pair-${node.path}`}>{t('nodes.pair.title')}</h5>
      <p className={info?.paired && !info.keyKnown ? 'warn-text' : undefined} data-testid="pair-state">
        {state}
      </p>
      {done && <p className="ok-text">{t('nodes.pair.done')}</p>}
      {!open ? (
        <>
          <button type="button" onClick={() => setOpen(true)} disabled={reason !== null} data-testid="pair-open">
            {info?.paired ? t('nodes.pair.again') : t('nodes.pair.open')}
          </button>
          {reason && <p className="muted small">{reason}</p>}
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="ctl-form">
          <label>
            {t('nodes.pair.name')}
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder={t('nodes.pair.namePlaceholder')} data-testid="pair-name" />
          </label>
          {nameProblem && <p className="error">{nameProblem}</p>}
          <p className="muted small">
            {t('nodes.pair.explain')}
          </p>
          {info?.paired && (
            <p className="warn-box small" data-testid="pair-replace-warning">
              {t('nodes.pair.replace1')}
              <strong>{t('nodes.pair.replace2')}</strong>
              {t('nodes.pair.replace3')}
              {info.keyKnown ? t('nodes.pair.replace4') : ''}
              {t('nodes.pair.replace5')}
            </p>
          )}
          <div className="row">
            <button type="submit" className="primary" disabled={action.busy || !!nameProblem} data-testid="pair-confirm">
              {action.busy ? t('nodes.pair.busy') : info?.paired ? t('nodes.pair.replace') : t('nodes.pair.pair')}
            </button>
            <button type="button" onClick={() => setOpen(false)} disabled={action.busy}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {action.error && (
        <p className="error" role="alert">
          {t('nodes.pair.failed', { error: action.error })}
        </p>
      )}
    </section>
  );
}

// --- Configuration ---------------------------------------------------------------------------

// shaft_hz travels as float32: show it to 6 significant digits, not as 29.950000762939453.
const draftOf = (c: NodeConfig): ConfigDraft => ({ name: c.name, rangeG: String(c.rangeG), hop: String(c.hop), shaftHz: String(Number(c.shaftHz.toPrecision(6))), sendBands: c.sendBands, slowMachine: c.slowMachine });

export function ConfigSection({ client, node, usable }: SectionProps) {
  const cfg = node.config;
  const [draft, setDraft] = useState<ConfigDraft | null>(cfg ? draftOf(cfg) : null);
  const [saved, setSaved] = useState<string | null>(null);
  const [localProblem, setLocalProblem] = useState<string | null>(null);
  const read = useAction(useCallback(() => client.invoke('nodes.config.get', { path: node.path }), [client, node.path]));
  const write = useAction(useCallback((changes: NodeConfigChanges) => client.invoke('nodes.config.set', { path: node.path, changes }), [client, node.path]));
  // Follow the node's configuration when it changes, unless the technician is editing.
  const cfgKey = cfg ? JSON.stringify(cfg) : '';
  const [base, setBase] = useState<NodeConfig | undefined>(cfg);
  useEffect(() => {
    if (!cfg) return;
    setDraft((d) => {
      if (!d || !base) return draftOf(cfg);
      const c = configChanges(base, d);
      return 'changes' in c && Object.keys(c.changes).length === 0 ? draftOf(cfg) : d;
    });
    setBase(cfg);
  }, [cfgKey]);

  const keyProblem = bleKeyProblem(node);
  const reload = async () => {
    setSaved(null);
    const c = await read.start();
    if (c) setDraft(draftOf(c));
  };
  const apply = async (e: FormEvent) => {
    e.preventDefault();
    if (!cfg || !draft) return;
    setSaved(null);
    const r = configChanges(cfg, draft);
    if ('problem' in r) {
      setLocalProblem(r.problem);
      return;
    }
    setLocalProblem(null);
    if (Object.keys(r.changes).length === 0) {
      setSaved(t('nodes.cfg.nothing'));
      return;
    }
    const c = await write.start(r.changes);
    if (c) {
      setDraft(draftOf(c));
      setSaved(t('nodes.cfg.stored', { time: formatTime(Date.now()) }));
    }
  };
  const set = (p: Partial<ConfigDraft>) => {
    setSaved(null);
    setLocalProblem(null);
    setDraft((d) => (d ? { ...d, ...p } : d));
  };
  const changed = cfg && draft ? configChanges(cfg, draft) : null;
  const dirty = !!changed && ('problem' in changed || Object.keys(changed.changes).length > 0);

  return (
    <section className="ctl" aria-labelledby={`cfg-${node.path}`} data-testid="config-section">
      <div className="ctl-head">
        <h5 id={`cfg-${node.path}`}>{t('nodes.cfg.title')}</h5>
        <button type="button" onClick={() => void reload()} disabled={!usable || read.busy} data-testid="config-read">
          {read.busy ? t('nodes.cfg.reading') : t('nodes.cfg.read')}
        </button>
      </div>
      {!cfg || !draft ? (
        <p className="muted">{usable ? t('nodes.cfg.notRead') : t('nodes.notOnline')}</p>
      ) : (
        <form onSubmit={(e) => void apply(e)} className="ctl-form config-form" noValidate>
          <label>
            {t('nodes.cfg.name')} <span className="hint">{t('nodes.cfg.nameHint')}</span>
            <input value={draft.name} onChange={(e) => set({ name: e.target.value })} data-testid="config-name" />
          </label>
          <label>
            {t('nodes.cfg.range')} <span className="hint">{t('nodes.cfg.rangeHint')}</span>
            <select value={draft.rangeG} onChange={(e) => set({ rangeG: e.target.value })} data-testid="config-range">
              {[2, 4, 8, 16].map((g) => (
                <option key={g} value={g}>
                  ±{g} g
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('nodes.cfg.hop')} <span className="hint">{t('nodes.cfg.hopHint', { max: cfg.windowLen })}</span>
            <input type="number" min={1} max={cfg.windowLen} step={1} value={draft.hop} onChange={(e) => set({ hop: e.target.value })} data-testid="config-hop" />
          </label>
          <label>
            {t('nodes.cfg.shaft')} <span className="hint">{t('nodes.cfg.shaftHint')}</span>
            <input type="number" min={0} max={1000} step="any" value={draft.shaftHz} onChange={(e) => set({ shaftHz: e.target.value })} data-testid="config-shaft" />
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.sendBands} onChange={(e) => set({ sendBands: e.target.checked })} data-testid="config-bands" />
            {t('nodes.cfg.bands')} <span className="hint">{t('nodes.cfg.bandsHint')}</span>
          </label>
          {cfg.slowMachine !== undefined && (
            <label className="check">
              <input type="checkbox" checked={draft.slowMachine ?? false} onChange={(e) => set({ slowMachine: e.target.checked })} data-testid="config-slow" />
              {t('nodes.cfg.slow')} <span className="hint">{t('nodes.cfg.slowHint')}</span>
            </label>
          )}
          <dl className="facts readonly" aria-label={t('nodes.cfg.readOnly')}>
            <dt>{t('nodes.cfg.axes')}</dt>
            <dd>{cfg.axisCount}</dd>
            <dt>{t('nodes.cfg.windowLen')}</dt>
            <dd>{t('nodes.cfg.samples', { n: cfg.windowLen })}</dd>
            <dt>{t('nodes.sampleRate')}</dt>
            <dd>{formatCount(cfg.sampleRateHz)} Hz</dd>
          </dl>
          <PowerEstimate node={node} cfg={cfg} draft={draft} />
          <div className="row">
            <button type="submit" className="primary" disabled={!usable || write.busy || !dirty || keyProblem !== null} data-testid="config-apply">
              {write.busy ? t('nodes.cfg.storing') : t('nodes.apply')}
            </button>
            <button
              type="button"
              onClick={() => {
                setLocalProblem(null);
                setDraft(draftOf(cfg));
              }}
              disabled={write.busy || !dirty}
            >
              {t('nodes.cfg.undo')}
            </button>
          </div>
          {keyProblem && <p className="muted small">{keyProblem}</p>}
        </form>
      )}
      {localProblem && <p className="error" role="alert">{localProblem}</p>}
      {saved && (
        <p className="ok-text" data-testid="config-saved">
          {saved}
        </p>
      )}
      {read.error && (
        <p className="error" role="alert">
          {t('nodes.cfg.readFailed', { error: plainRefusal(read.error) })}
        </p>
      )}
      {write.error && (
        <p className="error" role="alert" data-testid="config-error">
          {t('nodes.cfg.refused', { error: plainRefusal(write.error) })}
        </p>
      )}
    </section>
  );
}

// --- Stream ----------------------------------------------------------------------------------

/** What a Bluetooth LE link carries at best (docs/protocol.md 4.2): stream less than this. */
const BLE_BUDGET_BYTES_PER_S = 40_000;

export function StreamSection({ client, node, usable, caps }: SectionProps & { caps: Set<Capability> }) {
  const current: StreamSettings = node.stream ?? node.hello?.info?.stream ?? { features: true, raw: false, rawDecimation: 1 };
  const [features, setFeatures] = useState(current.features);
  const [raw, setRaw] = useState(current.raw);
  const [dec, setDec] = useState(String(current.rawDecimation));
  const [done, setDone] = useState<string | null>(null);
  const action = useAction(useCallback((s: StreamSettings) => client.invoke('nodes.stream', { path: node.path, ...s }), [client, node.path]));
  const curKey = `${current.features}|${current.raw}|${current.rawDecimation}`;
  useEffect(() => {
    setFeatures(current.features);
    setRaw(current.raw);
    setDec(String(current.rawDecimation));
  }, [curKey]);

  const h = node.hello!;
  const d = Number(dec);
  const decOk = Number.isInteger(d) && d >= 1 && d <= 64;
  const rawRate = decOk ? rawBytesPerSecond(h.sampleRateHz, h.axisCount, d) : 0;
  const tooMuch = node.link === 'ble' && raw && decOk && rawRate > BLE_BUDGET_BYTES_PER_S;
  const keyProblem = bleKeyProblem(node);
  // Unpaired over BLE only the boot default (features, D = 1) is accepted (docs/protocol.md 3.8).
  // Through a gateway every STREAM is signed.
  const needsKey = node.link === 'gateway' || (node.link === 'ble' && !(features && !raw && d === 1));
  const blocked = needsKey && keyProblem !== null;
  const changed = features !== current.features || raw !== current.raw || d !== current.rawDecimation;

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const r = await action.start({ features, raw, rawDecimation: d });
    if (r) setDone(t('nodes.stream.done', { what: [features && t('nodes.stream.features'), raw && t('nodes.stream.raw', { d })].filter(Boolean).join(t('nodes.stream.and')) || t('nodes.stream.nothing') }));
  };

  return (
    <section className="ctl" aria-labelledby={`stream-${node.path}`} data-testid="stream-section">
      <h5 id={`stream-${node.path}`}>{t('nodes.stream.title')}</h5>
      <form onSubmit={(e) => void apply(e)} className="ctl-form" noValidate>
        <label className="check">
          <input type="checkbox" checked={features} onChange={(e) => setFeatures(e.target.checked)} data-testid="stream-features" />
          {t('nodes.stream.featuresAlarms')}
        </label>
        <label className="check">
          <input type="checkbox" checked={raw} disabled={!caps.has('raw')} onChange={(e) => setRaw(e.target.checked)} data-testid="stream-raw" />
          {t('nodes.stream.rawWave')} {!caps.has('raw') && <span className="hint">{t('nodes.stream.noRaw')}</span>}
        </label>
        <label>
          {t('nodes.stream.decimation')} <span className="hint">{t('nodes.stream.decimationHint')}</span>
          <input type="number" min={1} max={64} step={1} value={dec} onChange={(e) => setDec(e.target.value)} disabled={!caps.has('raw')} data-testid="stream-decimation" />
        </label>
        {decOk && caps.has('raw') && (
          <p className="muted small">
            {t('nodes.stream.rate', { d, rate: formatNumber(h.sampleRateHz / d, 1), bytes: formatBytes(rawRate), hz: formatCount(Math.round(h.sampleRateHz / d / 2)) })}
          </p>
        )}
        {!decOk && <p className="error">{t('nodes.stream.badDecimation')}</p>}
        {tooMuch && (
          <p className="warn-box small">
            {t('nodes.stream.tooMuch', { bytes: formatBytes(BLE_BUDGET_BYTES_PER_S) })}
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={!usable || action.busy || !decOk || blocked || !changed} data-testid="stream-apply">
            {action.busy ? t('nodes.applying') : t('nodes.apply')}
          </button>
          <span className="muted small" data-testid="stream-current">
            {t('nodes.stream.now', { what: [current.features && t('nodes.stream.features'), current.raw && t('nodes.stream.rawNow', { d: current.rawDecimation })].filter(Boolean).join(' + ') || t('nodes.stream.off') })}
          </span>
        </div>
        {blocked && <p className="muted small">{keyProblem}</p>}
      </form>
      {done && <p className="ok-text">{done}</p>}
      {action.error && (
        <p className="error" role="alert">
          {t('nodes.stream.refused', { error: plainRefusal(action.error) })}
        </p>
      )}
    </section>
  );
}

// --- Time and ping ---------------------------------------------------------------------------

export function TimeSection({ client, node, usable, caps }: SectionProps & { caps: Set<Capability> }) {
  const sync = useAction(useCallback(() => client.invoke('nodes.time', { path: node.path }), [client, node.path]));
  const ping = useAction(useCallback(() => client.invoke('nodes.ping', { path: node.path }), [client, node.path]));
  const [rtt, setRtt] = useState<{ ms: number; at: number } | null>(null);
  const clock = node.time;
  return (
    <section className="ctl" aria-labelledby={`time-${node.path}`} data-testid="time-section">
      <h5 id={`time-${node.path}`}>{t('nodes.time.title')}</h5>
      <dl className="facts">
        <dt>{t('nodes.time.offset')}</dt>
        <dd data-testid="time-offset" title={clock ? t('nodes.time.offsetTitle', { us: formatCount(clock.offsetUs) }) : undefined}>
          {clock ? t('nodes.time.stream0', { stamp: `${formatStamp(clock.offsetUs / 1000)}.${String(Math.floor(clock.offsetUs / 1000) % 1000).padStart(3, '0')}` }) : t('nodes.time.notSynced')}
        </dd>
        <dt>{t('nodes.time.syncError')}</dt>
        <dd>{clock ? t('nodes.time.syncValue', { half: formatUsAsMs(clock.rttUs / 2), rtt: formatUsAsMs(clock.rttUs), time: formatTime(clock.atMs) }) : '—'}</dd>
        <dt>{t('nodes.time.ping')}</dt>
        <dd data-testid="ping-rtt">{rtt ? t('nodes.time.pingValue', { ms: formatFixed(rtt.ms, 1), time: formatTime(rtt.at) }) : '—'}</dd>
      </dl>
      <div className="row">
        {caps.has('time') && (
          <button type="button" onClick={() => void sync.start()} disabled={!usable || sync.busy} data-testid="time-sync">
            {sync.busy ? t('nodes.time.syncing') : t('nodes.time.sync')}
          </button>
        )}
        {caps.has('ping') && (
          <button
            type="button"
            onClick={async () => {
              const r = await ping.start();
              if (r) setRtt({ ms: r.rttMs, at: Date.now() });
            }}
            disabled={!usable || ping.busy}
            data-testid="ping"
          >
            {ping.busy ? t('nodes.time.pinging') : t('nodes.time.ping')}
          </button>
        )}
      </div>
      {sync.error && (
        <p className="error" role="alert">
          {t('nodes.time.syncFailed', { error: sync.error })}
        </p>
      )}
      {ping.error && (
        <p className="error" role="alert">
          {t('nodes.time.pingFailed', { error: ping.error })}
        </p>
      )}
    </section>
  );
}
