import { useCallback } from 'react';
import type { Capability, NodeInfo } from '../../../models/api/contract';
import { detectorText } from '../../../models/api/detector';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { STATUS_LABEL, formatDuration, formatHz, formatTime, linkLabel, nodeTitle } from '../format';
import { LinkCounters } from './LinkCounters';
import { ConfigSection, PairSection, StreamSection, TimeSection } from './NodeControls';

export function StatusBadge({ status }: { status: NodeInfo['status'] }) {
  return <span className={`badge status-${status}`}>{STATUS_LABEL[status]}</span>;
}

export function LinkBadge({ node }: { node: NodeInfo }) {
  return (
    <span className={`badge link-${node.link}`} data-testid="link-kind" title={node.link === 'ble' ? 'Reached over Bluetooth LE (Nordic UART Service)' : 'Reached over a cable (serial port)'}>
      {linkLabel(node)}
    </span>
  );
}

const CAP_WORDS: Record<Capability, string> = {
  pair: 'pairing',
  config: 'configuration',
  stream: 'stream control',
  raw: 'raw waveform',
  time: 'time sync',
  ping: 'ping',
  log: 'log',
  'samples-in': 'samples in',
  secure: 'signed commands',
  ble: 'Bluetooth LE',
  'model-update': 'model update',
};

export function capabilities(node: NodeInfo): Set<Capability> {
  return new Set(node.hello?.info?.capabilities ?? []);
}

/** While the link is down: since when, and how many attempts so far. */
function ReconnectLine({ node }: { node: NodeInfo }) {
  if (node.status !== 'reconnecting') return null;
  const r = node.reconnect;
  return (
    <p className="warn-box" role="status" data-testid="reconnecting">
      {r ? (
        <>
          Link lost at {formatTime(r.sinceMs)} ({formatDuration(Date.now() - r.sinceMs)} ago) — {r.attempts > 0 ? `reconnecting, attempt ${r.attempts}` : 'reconnecting'}.
        </>
      ) : (
        <>Link lost — reconnecting.</>
      )}{' '}
      {node.link === 'ble'
        ? 'Keep the node within Bluetooth range; the app connects again by itself.'
        : 'Plug the cable back in; the app opens the port again by itself.'}{' '}
      The node keeps sampling meanwhile; windows that do not arrive are recorded as a gap.
    </p>
  );
}

export function NodeCard({ client, node }: { client: VigilClient; node: NodeInfo }) {
  const run = useCallback(
    () => (node.demo ? client.invoke('demo.stop', { path: node.path }) : client.invoke('nodes.disconnect', { path: node.path })),
    [client, node.path, node.demo],
  );
  const action = useAction(run);
  const h = node.hello;
  const info = h?.info;
  const caps = capabilities(node);
  const verb = node.demo ? 'Stop demo' : 'Disconnect';
  const usable = node.status === 'online';

  return (
    <article className="node-card" data-testid="node-card" data-path={node.path} data-status={node.status}>
      <header>
        <h4>{nodeTitle(node)}</h4>
        <StatusBadge status={node.status} />
        <LinkBadge node={node} />
        {node.demo && <span className="badge demo">Demo</span>}
        <button type="button" onClick={() => action.start()} disabled={action.busy}>
          {action.busy ? `${verb}…` : verb}
        </button>
      </header>
      <ReconnectLine node={node} />
      {node.message && node.status !== 'reconnecting' && (
        <p className={node.status === 'error' ? 'error' : 'muted'} role={node.status === 'error' ? 'alert' : undefined}>
          {node.message}
        </p>
      )}
      {action.error && (
        <p className="error" role="alert">
          {verb} failed: {action.error}
        </p>
      )}
      <div className="node-body">
        <div className="node-col">
          <dl className="facts">
            <dt>{node.link === 'ble' ? 'Device' : 'Port'}</dt>
            <dd className="mono">{node.link === 'ble' ? node.path.slice(4) : node.path}</dd>
            {h ? (
              <>
                <dt>Board</dt>
                <dd>{h.board}</dd>
                <dt>Firmware</dt>
                <dd className="mono">{h.firmware}</dd>
                <dt>Protocol</dt>
                <dd className="mono" data-testid="protocol">
                  {h.protocolVersion}.{info?.protocolMinor ?? 0}
                  {!info && <span className="muted"> — a 1.0 node: no pairing, configuration, raw or time sync</span>}
                </dd>
                {info && (
                  <>
                    <dt>Can do</dt>
                    <dd className="caps">{[...caps].map((c) => CAP_WORDS[c]).join(', ') || '—'}</dd>
                    <dt>Sensor</dt>
                    <dd>{info.sensor === 'iis3dwb' ? `IIS3DWB, ±${info.rangeG} g` : info.sensor === 'none' ? 'none (samples arrive over a link)' : 'unknown'}</dd>
                    <dt>Model</dt>
                    <dd>{detectorText(info.detector) ?? (info.modelSource === 'none' ? 'none running' : `${info.modelSource}, version ${info.modelVersion}`)}</dd>
                  </>
                )}
                <dt>UID</dt>
                <dd className="mono">{h.uid}</dd>
                <dt>Sample rate</dt>
                <dd>{formatHz(h.sampleRateHz)}</dd>
                <dt>Window / hop</dt>
                <dd>
                  {h.windowLen} / {h.hop} samples
                </dd>
                <dt>Channels</dt>
                <dd>{h.channels.join(', ') || '—'}</dd>
              </>
            ) : (
              <>
                <dt>Node</dt>
                <dd className="muted">
                  {node.status === 'connecting' ? 'Waiting for the node to introduce itself (HELLO)…' : 'The node never introduced itself (no HELLO received).'}
                </dd>
              </>
            )}
          </dl>
          <LinkCounters node={node} />
        </div>
        {h && (
          <div className="node-col">
            {caps.has('pair') && <PairSection client={client} node={node} usable={usable} />}
            {caps.has('stream') && <StreamSection client={client} node={node} usable={usable} caps={caps} />}
            {(caps.has('time') || caps.has('ping')) && <TimeSection client={client} node={node} usable={usable} caps={caps} />}
          </div>
        )}
        {h && caps.has('config') && (
          <div className="node-col">
            <ConfigSection client={client} node={node} usable={usable} />
          </div>
        )}
      </div>
    </article>
  );
}
