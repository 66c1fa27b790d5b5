import { useEffect, useRef } from 'react';
import type { NodeInfo } from '../../../main/api/contract';
import { DemoStarter } from '../app/DemoStarter';
import type { NodesState } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { formatHz, nodeTitle } from '../format';
import { StatusBadge } from '../nodes/NodeCard';
import type { FeatureStore } from './featureStore';
import { RmsChartView, axisColour } from './rmsChart';

export function LivePage({ client, nodes, store }: { client: VigilClient; nodes: NodesState; store: FeatureStore }) {
  const online = nodes.nodes.filter((n) => n.status === 'online');
  return (
    <div data-testid="live-page" className="page">
      <div className="page-head">
        <h2>Live</h2>
      </div>
      {nodes.error && (
        <p className="error" role="alert">
          {nodes.error}
        </p>
      )}
      {online.length === 0 ? (
        <section className="panel empty-live">
          <h3>No node is online</h3>
          <p className="empty">
            Live shows the vibration level (RMS) of every online node. Connect a node on the{' '}
            <a href="#/nodes">Nodes</a> page, or start a demo node that replays a recorded bearing.
          </p>
          <DemoStarter client={client} />
        </section>
      ) : (
        online.map((n) => <LiveNodeCard key={`${n.path}|${n.hello?.channels.join(',') ?? ''}`} node={n} store={store} />)
      )}
    </div>
  );
}

function LiveNodeCard({ node, store }: { node: NodeInfo; store: FeatureStore }) {
  const channels = node.hello?.channels ?? [];
  const hostRef = useRef<HTMLDivElement>(null);
  const gapsRef = useRef<HTMLSpanElement>(null);
  const readoutRefs = useRef<HTMLElement[]>([]);
  const viewRef = useRef<RmsChartView | null>(null);

  useEffect(() => {
    const view = new RmsChartView(
      { host: hostRef.current!, gaps: gapsRef.current!, readouts: readoutRefs.current.slice(0, channels.length) },
      channels,
    );
    viewRef.current = view;
    const existing = store.get(node.path);
    if (existing) view.update(existing);
    const off = store.subscribe(node.path, (s) => view.update(s));
    return () => {
      off();
      view.destroy();
      viewRef.current = null;
    };
    // The card is keyed on path and channels, so these never change for one mounted card.
  }, [store, node.path]);

  useEffect(() => {
    viewRef.current?.setLinkMissedWindows(node.stats.missedWindows);
  }, [node.stats.missedWindows]);

  const h = node.hello;
  return (
    <article className="panel live-card" data-testid="live-card" data-path={node.path}>
      <header className="live-head">
        <h3>{nodeTitle(node)}</h3>
        <StatusBadge status={node.status} />
        {node.demo && <span className="badge demo">Demo</span>}
        {h && (
          <span className="muted small">
            {h.board} · {formatHz(h.sampleRateHz)} · window {h.windowLen}, hop {h.hop}
          </span>
        )}
        <span className="gaps" ref={gapsRef} data-testid="window-gaps" title="FEATURES windows that never arrived" />
      </header>
      <div className="live-body">
        <div className="chart" data-testid="rms-chart" ref={hostRef} />
        <dl className="readouts" aria-label="Latest RMS">
          {channels.map((c, i) => (
            <div key={c + i} className="readout">
              <dt>
                <span className="swatch" style={{ backgroundColor: axisColour(i) }} />
                {c}
              </dt>
              <dd
                ref={(el) => {
                  if (el) readoutRefs.current[i] = el;
                }}
              >
                —
              </dd>
            </div>
          ))}
        </dl>
      </div>
    </article>
  );
}
