/**
 * What a technician does to one node (docs/protocol.md 3.6-3.11): pair it over the cable, change
 * its configuration, choose what it streams, sync its clock and ping it. Every control says in plain
 * words why it is unavailable, and shows the node's refusal (NACK) next to the control that caused it.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Capability, NodeConfig, NodeConfigChanges, NodeInfo, StreamSettings } from '../../../models/api/contract';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { formatBytes, formatDateTime, formatTime, formatUsAsMs } from '../format';
import { configChanges, plainRefusal, rawBytesPerSecond, utf8Len, type ConfigDraft } from './controlLogic';

interface SectionProps {
  client: VigilClient;
  node: NodeInfo;
  /** The node is online: requests can go out. */
  usable: boolean;
}

/** Why a command that needs the node's key cannot go over Bluetooth LE, or null when it can. */
function bleKeyProblem(node: NodeInfo): string | null {
  const info = node.hello?.info;
  if (node.link !== 'ble' || !info) return null;
  if (!info.paired) return 'Over Bluetooth LE this needs the node to be paired: pair it over the cable first.';
  if (!info.keyKnown) return 'The node was paired by another workstation: this one does not hold its key. Pair it again over the cable (that replaces the key).';
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
  const nameProblem = nameBytes > 32 ? `The name is ${nameBytes} bytes; at most 32.` : null;

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
  if (!info?.paired) state = 'Not paired';
  else if (info.keyKnown) state = `Paired — key held by this workstation (key id ${info.keyId})`;
  // A node this workstation paired before shows another key: main sets rePaired (main/node/keys.ts noteHello).
  else if (info.rePaired) state = `This node was re-paired by another workstation; by design anyone with the node's cable can re-pair it. It now shows key id ${info.keyId}, which this workstation does not hold: pair it again over the cable to use it from here.`;
  else state = `Paired by another workstation (key id ${info.keyId}) — this one does not hold the key.`;

  const reason = node.link !== 'serial' ? 'Pairing is done over the cable only: holding the cable is what authorises a key.' : !usable ? 'The node is not online.' : null;
  return (
    <section className="ctl" aria-labelledby={`pair-${node.path}`} data-testid="pair-section">
      <h5 id={`pair-${node.path}`}>Pairing</h5>
      <p className={info?.paired && !info.keyKnown ? 'warn-text' : undefined} data-testid="pair-state">
        {state}
      </p>
      {done && <p className="ok-text">Paired. The node now accepts signed commands from this workstation over Bluetooth LE.</p>}
      {!open ? (
        <>
          <button type="button" onClick={() => setOpen(true)} disabled={reason !== null} data-testid="pair-open">
            {info?.paired ? 'Pair again…' : 'Pair…'}
          </button>
          {reason && <p className="muted small">{reason}</p>}
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="ctl-form">
          <label>
            Node name
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder="e.g. Pump 3 drive end" data-testid="pair-name" />
          </label>
          {nameProblem && <p className="error">{nameProblem}</p>}
          <p className="muted small">
            The app makes a new 256-bit key, keeps it on this workstation, and sends it to the node over the cable. Leave the name empty to keep the current one.
          </p>
          {info?.paired && (
            <p className="warn-box small" data-testid="pair-replace-warning">
              This node is already paired. Pairing again <strong>replaces its key</strong>: any workstation holding the old key
              {info.keyKnown ? ' (including this one, until the new key is stored)' : ''} can no longer send it commands over Bluetooth LE.
            </p>
          )}
          <div className="row">
            <button type="submit" className="primary" disabled={action.busy || !!nameProblem} data-testid="pair-confirm">
              {action.busy ? 'Pairing…' : info?.paired ? 'Replace the key and pair' : 'Pair'}
            </button>
            <button type="button" onClick={() => setOpen(false)} disabled={action.busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {action.error && (
        <p className="error" role="alert">
          Pairing failed: {action.error}
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
      setSaved('Nothing changed.');
      return;
    }
    const c = await write.start(r.changes);
    if (c) {
      setDraft(draftOf(c));
      setSaved(`Stored on the node at ${formatTime(Date.now())}.`);
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
        <h5 id={`cfg-${node.path}`}>Configuration</h5>
        <button type="button" onClick={() => void reload()} disabled={!usable || read.busy} data-testid="config-read">
          {read.busy ? 'Reading…' : 'Read from node'}
        </button>
      </div>
      {!cfg || !draft ? (
        <p className="muted">{usable ? 'Not read yet: press "Read from node".' : 'The node is not online.'}</p>
      ) : (
        <form onSubmit={(e) => void apply(e)} className="ctl-form config-form" noValidate>
          <label>
            Name <span className="hint">1–32 bytes</span>
            <input value={draft.name} onChange={(e) => set({ name: e.target.value })} data-testid="config-name" />
          </label>
          <label>
            Sensor range <span className="hint">full scale</span>
            <select value={draft.rangeG} onChange={(e) => set({ rangeG: e.target.value })} data-testid="config-range">
              {[2, 4, 8, 16].map((g) => (
                <option key={g} value={g}>
                  ±{g} g
                </option>
              ))}
            </select>
          </label>
          <label>
            Hop <span className="hint">1–{cfg.windowLen} samples; restarts the feature stream</span>
            <input type="number" min={1} max={cfg.windowLen} step={1} value={draft.hop} onChange={(e) => set({ hop: e.target.value })} data-testid="config-hop" />
          </label>
          <label>
            Shaft speed <span className="hint">Hz; 0 = unknown, else 0.1–1000</span>
            <input type="number" min={0} max={1000} step="any" value={draft.shaftHz} onChange={(e) => set({ shaftHz: e.target.value })} data-testid="config-shaft" />
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.sendBands} onChange={(e) => set({ sendBands: e.target.checked })} data-testid="config-bands" />
            Send band energies with every window <span className="hint">(more bytes; keep off over Bluetooth LE)</span>
          </label>
          {cfg.slowMachine !== undefined && (
            <label className="check">
              <input type="checkbox" checked={draft.slowMachine ?? false} onChange={(e) => set({ slowMachine: e.target.checked })} data-testid="config-slow" />
              Slow machine, below 600 rpm <span className="hint">(velocity over 2–1000 Hz instead of 10–1000 Hz, as ISO 20816 asks)</span>
            </label>
          )}
          <dl className="facts readonly" aria-label="Read-only settings">
            <dt>Axes</dt>
            <dd>{cfg.axisCount}</dd>
            <dt>Window length</dt>
            <dd>{cfg.windowLen} samples</dd>
            <dt>Sample rate</dt>
            <dd>{cfg.sampleRateHz.toLocaleString('en')} Hz</dd>
          </dl>
          <div className="row">
            <button type="submit" className="primary" disabled={!usable || write.busy || !dirty || keyProblem !== null} data-testid="config-apply">
              {write.busy ? 'Storing…' : 'Apply'}
            </button>
            <button
              type="button"
              onClick={() => {
                setLocalProblem(null);
                setDraft(draftOf(cfg));
              }}
              disabled={write.busy || !dirty}
            >
              Undo changes
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
          Could not read the configuration: {plainRefusal(read.error)}
        </p>
      )}
      {write.error && (
        <p className="error" role="alert" data-testid="config-error">
          The node refused the change: {plainRefusal(write.error)}
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
  const needsKey = node.link === 'ble' && !(features && !raw && d === 1);
  const blocked = needsKey && keyProblem !== null;
  const changed = features !== current.features || raw !== current.raw || d !== current.rawDecimation;

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const r = await action.start({ features, raw, rawDecimation: d });
    if (r) setDone(`The node streams ${[features && 'features', raw && `raw (1 in ${d})`].filter(Boolean).join(' and ') || 'nothing'} on this link.`);
  };

  return (
    <section className="ctl" aria-labelledby={`stream-${node.path}`} data-testid="stream-section">
      <h5 id={`stream-${node.path}`}>Stream on this link</h5>
      <form onSubmit={(e) => void apply(e)} className="ctl-form" noValidate>
        <label className="check">
          <input type="checkbox" checked={features} onChange={(e) => setFeatures(e.target.checked)} data-testid="stream-features" />
          Features (and alarms)
        </label>
        <label className="check">
          <input type="checkbox" checked={raw} disabled={!caps.has('raw')} onChange={(e) => setRaw(e.target.checked)} data-testid="stream-raw" />
          Raw waveform {!caps.has('raw') && <span className="hint">(this node cannot send raw)</span>}
        </label>
        <label>
          Raw decimation <span className="hint">1–64: each raw sample is the mean of this many</span>
          <input type="number" min={1} max={64} step={1} value={dec} onChange={(e) => setDec(e.target.value)} disabled={!caps.has('raw')} data-testid="stream-decimation" />
        </label>
        {decOk && caps.has('raw') && (
          <p className="muted small">
            Raw at 1 in {d}: {(h.sampleRateHz / d).toLocaleString('en', { maximumFractionDigits: 1 })} samples/s per axis, about {formatBytes(rawRate)}/s on the link; the mean of {d} filters out
            content above about {Math.round(h.sampleRateHz / d / 2).toLocaleString('en')} Hz.
          </p>
        )}
        {!decOk && <p className="error">Raw decimation: a whole number from 1 to 64.</p>}
        {tooMuch && (
          <p className="warn-box small">
            That is more than a Bluetooth LE link carries (about {formatBytes(BLE_BUDGET_BYTES_PER_S)}/s at best): the node will drop blocks and the app will record gaps. Raise the decimation.
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={!usable || action.busy || !decOk || blocked || !changed} data-testid="stream-apply">
            {action.busy ? 'Applying…' : 'Apply'}
          </button>
          <span className="muted small" data-testid="stream-current">
            Now: {[current.features && 'features', current.raw && `raw 1 in ${current.rawDecimation}`].filter(Boolean).join(' + ') || 'off'}
          </span>
        </div>
        {blocked && <p className="muted small">{keyProblem}</p>}
      </form>
      {done && <p className="ok-text">{done}</p>}
      {action.error && (
        <p className="error" role="alert">
          The node refused the stream setting: {plainRefusal(action.error)}
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
  const t = node.time;
  return (
    <section className="ctl" aria-labelledby={`time-${node.path}`} data-testid="time-section">
      <h5 id={`time-${node.path}`}>Clock and round trip</h5>
      <dl className="facts">
        <dt>Clock offset</dt>
        <dd data-testid="time-offset" title={t ? `offset ${t.offsetUs.toLocaleString('en')} µs: a window's wall time is its t_us plus this` : undefined}>
          {t ? `stream time 0 = ${formatDateTime(t.offsetUs / 1000)}.${String(Math.floor(t.offsetUs / 1000) % 1000).padStart(3, '0')}` : 'not synced yet'}
        </dd>
        <dt>Sync error</dt>
        <dd>{t ? `at most ${formatUsAsMs(t.rttUs / 2)} (round trip ${formatUsAsMs(t.rttUs)}), synced ${formatTime(t.atMs)}` : '—'}</dd>
        <dt>Ping</dt>
        <dd data-testid="ping-rtt">{rtt ? `${rtt.ms.toFixed(1)} ms round trip at ${formatTime(rtt.at)}` : '—'}</dd>
      </dl>
      <div className="row">
        {caps.has('time') && (
          <button type="button" onClick={() => void sync.start()} disabled={!usable || sync.busy} data-testid="time-sync">
            {sync.busy ? 'Syncing…' : 'Sync time'}
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
            {ping.busy ? 'Pinging…' : 'Ping'}
          </button>
        )}
      </div>
      {sync.error && (
        <p className="error" role="alert">
          Time sync failed: {sync.error}
        </p>
      )}
      {ping.error && (
        <p className="error" role="alert">
          Ping failed: {ping.error}
        </p>
      )}
    </section>
  );
}
