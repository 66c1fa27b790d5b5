import type { NodesState } from '../app/hooks';
import { DemoStarter } from '../app/DemoStarter';
import type { VigilClient } from '../api/types';
import { BleConnect } from './BleConnect';
import { NodeCard } from './NodeCard';
import { PortsTable } from './PortsTable';

/** Link counters stay current without polling: the host sends node.updated about once a second. */
export function NodesPage({ client, nodes }: { client: VigilClient; nodes: NodesState }) {
  const connectedPaths = new Set(nodes.nodes.map((n) => n.path));
  return (
    <div data-testid="nodes-page" className="page">
      <div className="page-head">
        <h2>Nodes</h2>
        <section className="panel demo-panel" aria-labelledby="demo-title">
          <h3 id="demo-title">Try it without hardware</h3>
          <DemoStarter client={client} />
        </section>
      </div>

      <section className="panel" aria-labelledby="nodes-title">
        <div className="panel-head">
          <h3 id="nodes-title">Connected nodes</h3>
          <BleConnect client={client} />
        </div>
        {nodes.error && (
          <p className="error" role="alert">
            {nodes.error}
          </p>
        )}
        {!nodes.loaded && !nodes.error ? (
          <p className="muted">Asking the Vigil host for connected nodes…</p>
        ) : nodes.nodes.length === 0 ? (
          <p className="empty">
            No nodes yet. Plug a node in and press Connect below, connect one over Bluetooth LE, or start a demo node to see live data without hardware.
          </p>
        ) : (
          <div className="node-list">
            {nodes.nodes.map((n) => (
              <NodeCard key={n.path} client={client} node={n} />
            ))}
          </div>
        )}
      </section>

      <PortsTable client={client} connectedPaths={connectedPaths} />
    </div>
  );
}
