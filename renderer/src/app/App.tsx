import type { VigilClient } from '../api/types';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { DeployPage } from '../deploy/DeployPage';
import { EventsPage } from '../events/EventsPage';
import { FleetPage } from '../fleet/FleetPage';
import { UndoToast } from '../labels/UndoToast';
import type { FeatureStore } from '../live/featureStore';
import type { LinkStore } from '../live/linkStore';
import type { TrendStore } from '../live/trendStore';
import { LivePage } from '../live/LivePage';
import { NodesPage } from '../nodes/NodesPage';
import { RecordingsPage } from '../recordings/RecordingsPage';
import { ReportPage } from '../report/ReportPage';
import { RecorderBanner } from '../storage/RecorderBanner';
import { StorageContext, type StorageServices } from '../storage/services';
import { StoragePage } from '../storage/StoragePage';
import { TrainingPage } from '../training/TrainingPage';
import { useI18n } from '../i18n';
import { ConnectionBanner } from './ConnectionBanner';
import { LanguagePicker } from './LanguagePicker';
import { OpenedFileBanner } from './OpenedFileBanner';
import { useConnection, useNodes } from './hooks';
import { useGuardedLocation, type Route } from './route';
import { UnsavedDialog } from './UnsavedDialog';

const PAGES: Route[] = ['fleet', 'nodes', 'live', 'recordings', 'analysis', 'events', 'storage', 'training', 'deploy', 'report'];

export function App({ client, store, extras, trends, services }: { client: VigilClient; store: FeatureStore; extras: LinkStore; trends: TrendStore; services: StorageServices }) {
  const guard = useGuardedLocation();
  const { route, id } = guard;
  const { t, lang } = useI18n();
  const nodes = useNodes(client);
  const onlineCount = nodes.nodes.filter((n) => n.status === 'online').length;
  // While the link is down the page shows the last known state; dim it so nobody mistakes it for live.
  const linkDown = useConnection(client).state === 'reconnecting';

  return (
    <StorageContext.Provider value={services}>
      <div className="shell">
        <header className="topbar">
          <h1>Vigil</h1>
          <span className="tagline">{t('app.tagline')}</span>
          <LanguagePicker />
        </header>
        <nav className="sidenav" aria-label={t('app.pagesNav')}>
          {PAGES.map((p) => (
            <a key={p} href={`#/${p}`} aria-current={route === p ? 'page' : undefined}>
              {p === 'fleet' ? t('fleet.nav') : t(`app.page.${p}`)}
              {p === 'nodes' && nodes.nodes.length > 0 && <span className="count">{nodes.nodes.length}</span>}
              {p === 'live' && onlineCount > 0 && <span className="count live">{onlineCount}</span>}
            </a>
          ))}
        </nav>
        {/* Keyed by language: a change remounts the pages, so charts and formatters outside React take the new locale. */}
        <main key={lang} className={linkDown ? 'content stale' : 'content'}>
          <ConnectionBanner client={client} />
          <RecorderBanner />
          <OpenedFileBanner />
          {route === 'fleet' && <FleetPage client={client} nodes={nodes} extras={extras} />}
          {route === 'nodes' && <NodesPage client={client} nodes={nodes} />}
          {route === 'live' && <LivePage client={client} nodes={nodes} store={store} extras={extras} trends={trends} id={id} />}
          {route === 'recordings' && <RecordingsPage id={id} />}
          {route === 'analysis' && <AnalysisPage id={id} />}
          {route === 'events' && <EventsPage />}
          {route === 'storage' && <StoragePage />}
          {route === 'training' && <TrainingPage nodes={nodes.nodes} />}
          {route === 'deploy' && <DeployPage client={client} nodes={nodes} preselect={id} />}
          {route === 'report' && <ReportPage client={client} />}
        </main>
        <UndoToast />
        {guard.blocked !== null && <UnsavedDialog onKeep={guard.keep} onLeave={guard.leave} />}
      </div>
    </StorageContext.Provider>
  );
}
