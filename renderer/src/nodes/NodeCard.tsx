import { useCallback } from 'react';
import type { Capability, FeatureFrame, NodeInfo } from '../../../models/api/contract';
import { detectorWords } from '../detectorWords';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { STATUS_LABEL, formatDuration, formatHz, formatTime, linkLabel, nodeTitle } from '../format';
import { t } from '../i18n';
import { nodeHealth } from './health';
import { useMachineClass } from '../fleet/machineClass';
import { LearnSection } from './LearnSection';
import { DataLossNote } from './DataLossNote';
import { LinkCounters } from './LinkCounters';
import { ConfigSection, PairSection, StreamSection, TimeSection } from './NodeControls';

export function StatusBadge({ status }: { status: NodeInfo['status'] }) {
  return <span className={`badge status-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** The link status and, while online, the machine's health beside it: "Online · alarm" in red. */
export function HealthBadge({ node, latest }: { node: NodeInfo; latest?: FeatureFrame }) {
  // Judged by the ISO class of the node's machine on the Fleet page (group 2, rigid when not placed).
  const cls = useMachineClass(node.hello?.uid);
  const h = nodeHealth(node, latest, cls);
  if (h.kind === null) return <StatusBadge status={node.status} />;
  return (
    <span className={`badge health tone-${h.tone}`} data-testid="node-health" data-kind={h.kind} title={t('nodes.health.title')}>
      {h.text}
    </span>
  );
}

export function LinkBadge({ node }: { node: NodeInfo }) {
  return (
    <span className={`badge link-${node.link}`} data-testid="link-kind" title={node.link === 'gateway' ? t('nodes.linkTitleGateway') : t(node.link === 'ble' ? 'nodes.linkTitle.ble' : 'nodes.linkTitle.cable')}>
      {linkLabel(node)}
    </span>
  );
}

const capWord = (c: Capability) => t(`nodes.cap.${c}`);

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
          {t('nodes.lostAt', { time: formatTime(r.sinceMs), ago: formatDuration(Date.now() - r.sinceMs) })}
          {r.attempts > 0 ? t('nodes.reconnectingAttempt', { n: r.attempts }) : t('nodes.reconnecting')}.
        </>
      ) : (
        <>{t('nodes.lost')}</>
      )}{' '}
      {node.link === 'ble'
        ? t('nodes.keepBle')
        : t('nodes.keepCable')}{' '}
      {t('nodes.keepsSampling')}
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
  const verb = node.demo ? t('nodes.stopDemo') : t('nodes.disconnect');
  const usable = node.status === 'online';

  return (
    <article className="node-card" data-testid="node-card" data-path={node.path} data-status={node.status}>
      <header>
        <h4 translate="no">{nodeTitle(node)}</h4>
        <HealthBadge node={node} />
        <LinkBadge node={node} />
        {node.demo && <span className="badge demo">{t('common.demo')}</span>}
        {/* A gateway's node goes with its gateway (the Gateways section removes it). */}
        {node.link !== 'gateway' && (
          <button type="button" onClick={() => action.start()} disabled={action.busy}>
            {action.busy ? t('nodes.verbBusy', { verb }) : verb}
          </button>
        )}
      </header>
      {node.gateway && <p className="muted small">{t('nodes.gatewayReadOnly', { edge: node.gateway.edge })}</p>}
      <ReconnectLine node={node} />
      <DataLossNote node={node} all />
      {node.message && node.status !== 'reconnecting' && (
        <p className={node.status === 'error' ? 'error' : 'muted'} role={node.status === 'error' ? 'alert' : undefined}>
          {node.message}
        </p>
      )}
      {action.error && (
        <p className="error" role="alert">
          {t('nodes.verbFailed', { verb, error: action.error })}
        </p>
      )}
      <div className="node-body">
        <div className="node-col">
          <dl className="facts">
            <dt>{node.link === 'ble' ? t('nodes.device') : node.link === 'gateway' ? t('nodes.gatewayPath') : t('nodes.port')}</dt>
            <dd className="mono">{node.link === 'ble' ? node.path.slice(4) : node.path}</dd>
            {h ? (
              <>
                <dt>{t('nodes.board')}</dt>
                <dd translate="no">{h.board}</dd>
                <dt>{t('nodes.firmware')}</dt>
                <dd className="mono">{h.firmware}</dd>
                <dt>{t('nodes.protocol')}</dt>
                <dd className="mono" data-testid="protocol">
                  {h.protocolVersion}.{info?.protocolMinor ?? 0}
                  {!info && node.link !== 'gateway' && <span className="muted">{t('nodes.oldNode')}</span>}
                </dd>
                {info && (
                  <>
                    <dt>{t('nodes.canDo')}</dt>
                    <dd className="caps">{[...caps].map(capWord).join(', ') || '—'}</dd>
                    <dt>{t('nodes.sensor')}</dt>
                    <dd>{info.sensor === 'iis3dwb' ? t('nodes.sensorIis', { range: info.rangeG }) : info.sensor === 'none' ? t('nodes.sensorNone') : t('nodes.sensorUnknown')}</dd>
                    <dt>{t('nodes.model')}</dt>
                    <dd>{detectorWords(info.detector) ?? (info.modelSource === 'none' ? t('nodes.modelNone') : t('nodes.modelVersion', { source: t(`common.modelSource.${info.modelSource}`), version: info.modelVersion }))}</dd>
                  </>
                )}
                <dt>{t('nodes.uid')}</dt>
                <dd className="mono">{h.uid}</dd>
                <dt>{t('nodes.sampleRate')}</dt>
                <dd>{formatHz(h.sampleRateHz)}</dd>
                <dt>{t('nodes.windowHop')}</dt>
                <dd>{t('nodes.windowHopValue', { window: h.windowLen, hop: h.hop })}</dd>
                <dt>{t('nodes.channels')}</dt>
                <dd translate="no">{h.channels.join(', ') || '—'}</dd>
              </>
            ) : (
              <>
                <dt>{t('nodes.node')}</dt>
                <dd className="muted">
                  {node.status === 'connecting' ? t('nodes.waitHello') : t('nodes.noHello')}
                </dd>
              </>
            )}
          </dl>
          <LinkCounters node={node} />
        </div>
        {/* Through a gateway only the configuration and the stream travel (signed, docs/gateway.md "Commands"). */}
        {h && node.link !== 'gateway' && (
          <div className="node-col">
            {caps.has('pair') && <PairSection client={client} node={node} usable={usable} />}
            {caps.has('stream') && <StreamSection client={client} node={node} usable={usable} caps={caps} />}
            {(caps.has('time') || caps.has('ping')) && <TimeSection client={client} node={node} usable={usable} caps={caps} />}
          </div>
        )}
        {h && node.link === 'gateway' && caps.has('stream') && (
          <div className="node-col">
            <StreamSection client={client} node={node} usable={usable} caps={caps} />
          </div>
        )}
        {h && caps.has('config') && (
          <div className="node-col">
            <ConfigSection client={client} node={node} usable={usable} />
            <LearnSection client={client} node={node} usable={usable} />
          </div>
        )}
      </div>
    </article>
  );
}
