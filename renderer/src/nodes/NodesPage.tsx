import type { NodesState } from '../app/hooks';
import { DemoStarter } from '../app/DemoStarter';
import type { VigilClient } from '../api/types';
import { BleConnect } from './BleConnect';
import { GatewaysSection } from './GatewaysSection';
import { NodeCard } from './NodeCard';
import { t } from '../i18n';
import { PortsTable } from './PortsTable';

/** Link counters stay current without polling: the host sends node.updated about once a second. */
export function NodesPage({ client, nodes }: { client: VigilClient; nodes: NodesState }) {
  const connectedPaths = new Set(nodes.nodes.map((n) => n.path));
  return (
    <div data-testid="nodes-page" className="page">
      <div className="page-head">
        <h2>{t('nodes.title')}</h2>
        <section className="panel demo-panel" aria-labelledby="demo-title">
          <h3 id="demo-title">{t('nodes.demoTitle')}</h3>
          <DemoStarter client={client} />
        </section>
      </div>

      <section className="panel" aria-labelledby="nodes-title">
        <div className="panel-head">
          <h3 id="nodes-title">{t('nodes.connected')}</h3>
          <BleConnect client={client} />
        </div>
        {nodes.error && (
          <p className="error" role="alert">
            {nodes.error}
          </p>
        )}
        {!nodes.loaded && !nodes.error ? (
          <p className="muted">{t('nodes.asking')}</p>
        ) : nodes.nodes.length === 0 ? (
          <p className="empty">
            {t('nodes.none')}
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

      <GatewaysSection client={client} />
    </div>
  );
}
