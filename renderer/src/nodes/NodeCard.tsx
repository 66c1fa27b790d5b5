import { useCallback } from 'react';
import type { NodeInfo } from '../../../main/api/contract';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { STATUS_LABEL, formatCount, formatHz, linkErrorBreakdown, linkErrorCount, nodeTitle } from '../format';

export function StatusBadge({ status }: { status: NodeInfo['status'] }) {
  return <span className={`badge status-${status}`}>{STATUS_LABEL[status]}</span>;
}

export function NodeCard({ client, node }: { client: VigilClient; node: NodeInfo }) {
  const run = useCallback(
    () =>
      node.demo
        ? client.invoke('demo.stop', { path: node.path })
        : client.invoke('nodes.disconnect', { path: node.path }),
    [client, node.path, node.demo],
  );
  const action = useAction(run);
  const h = node.hello;
  const errors = linkErrorCount(node.stats);
  const verb = node.demo ? 'Stop demo' : 'Disconnect';

  return (
    <article className="node-card" data-testid="node-card" data-path={node.path}>
      <header>
        <h4>{nodeTitle(node)}</h4>
        <StatusBadge status={node.status} />
        {node.demo && <span className="badge demo">Demo</span>}
        <button type="button" onClick={() => action.start()} disabled={action.busy}>
          {action.busy ? `${verb}…` : verb}
        </button>
      </header>
      {node.message && (
        <p className={node.status === 'error' ? 'error' : 'muted'} role={node.status === 'error' ? 'alert' : undefined}>
          {node.message}
        </p>
      )}
      {action.error && (
        <p className="error" role="alert">
          {verb} failed: {action.error}
        </p>
      )}
      <dl className="facts">
        <dt>Port</dt>
        <dd className="mono">{node.path}</dd>
        {h ? (
          <>
            <dt>Board</dt>
            <dd>{h.board}</dd>
            <dt>Firmware</dt>
            <dd className="mono">{h.firmware}</dd>
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
              {node.status === 'connecting'
                ? 'Waiting for the node to introduce itself (HELLO)…'
                : 'The node never introduced itself (no HELLO received).'}
            </dd>
          </>
        )}
        <dt>Link</dt>
        <dd>
          <span>{formatCount(node.stats.frames)} frames</span>
          {' · '}
          <span className={errors > 0 ? 'warn-text' : undefined} title={linkErrorBreakdown(node.stats)}>
            {formatCount(errors)} {errors === 1 ? 'error' : 'errors'}
          </span>
          {' · '}
          <span className={node.stats.missedWindows > 0 ? 'warn-text' : undefined}>
            {formatCount(node.stats.missedWindows)} missed {node.stats.missedWindows === 1 ? 'window' : 'windows'}
          </span>
        </dd>
      </dl>
    </article>
  );
}
