import type { VigilClient } from '../api/types';
import type { FeatureStore } from '../live/featureStore';
import { LivePage } from '../live/LivePage';
import { NodesPage } from '../nodes/NodesPage';
import { ConnectionBanner } from './ConnectionBanner';
import { useConnection, useNodes } from './hooks';
import { useRoute } from './route';

export function App({ client, store }: { client: VigilClient; store: FeatureStore }) {
  const route = useRoute();
  const nodes = useNodes(client);
  const onlineCount = nodes.nodes.filter((n) => n.status === 'online').length;
  // While the link is down the page shows the last known state; dim it so nobody mistakes it for live.
  const linkDown = useConnection(client).state === 'reconnecting';

  return (
    <div className="shell">
      <header className="topbar">
        <h1>Vigil</h1>
        <span className="tagline">Vibration monitoring</span>
      </header>
      <nav className="sidenav" aria-label="Pages">
        <a href="#/nodes" aria-current={route === 'nodes' ? 'page' : undefined}>
          Nodes
          {nodes.nodes.length > 0 && <span className="count">{nodes.nodes.length}</span>}
        </a>
        <a href="#/live" aria-current={route === 'live' ? 'page' : undefined}>
          Live
          {onlineCount > 0 && <span className="count live">{onlineCount}</span>}
        </a>
      </nav>
      <main className={linkDown ? 'content stale' : 'content'}>
        <ConnectionBanner client={client} />
        {route === 'nodes' ? <NodesPage client={client} nodes={nodes} /> : <LivePage client={client} nodes={nodes} store={store} />}
      </main>
    </div>
  );
}
