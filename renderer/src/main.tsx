import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getClient } from './api/client';
import { resumeBluetoothLinks } from './ble/nus';
import { webBluetooth } from './ble/webBluetooth';
import { App } from './app/App';
import { startOpenedFiles } from './app/openedFiles';
import { FeatureStore } from './live/featureStore';
import { LinkStore } from './live/linkStore';
import { TrendStore } from './live/trendStore';
import { startStorage } from './storage/start';

const client = getClient();

// Features are collected from the start, whatever page is shown, so Live opens with history.
const store = new FeatureStore({ scheduleFrame: (cb) => requestAnimationFrame(cb) });
client.on('node.features', (batch) => store.ingest(batch));
client.on('node.removed', ({ path }) => store.remove(path));
// The newest frame's per-axis fields, raw waveform, alarms and node log (Live page).
// The per-node analysis view's trends, bands and score (renderer/src/live/NodeAnalysis.tsx).
const trends = new TrendStore((cb) => requestAnimationFrame(cb));
client.on('node.features', (batch) => trends.ingest(batch));
client.on('node.removed', ({ path }) => trends.remove(path));

const extras = new LinkStore((cb) => requestAnimationFrame(cb));
client.on('node.features', (batch) => extras.features(batch.path, batch.frames));
client.on('node.raw', (batch) => extras.raw(batch));
client.on('node.event', (e) => extras.event(e));
client.on('node.log', (l) => extras.log(l));
client.on('node.removed', ({ path }) => extras.remove(path));

// Bluetooth LE nodes the host still has after a page reload: carry their bytes again.
const bt = webBluetooth();
if (bt) {
  const resume = () =>
    client.invoke('nodes.list', {}).then(
      (list) => resumeBluetoothLinks(client, bt, list),
      () => [],
    );
  client.onConnection((c) => {
    if (c.state === 'open') void resume();
  });
  if (client.connection().state === 'open') void resume();
}

// Files the app was opened with (a .vigil bundle, a .vgm model): read, then opened by their page.
startOpenedFiles(client);

// ...and stored: every node's features are recorded continuously (renderer/src/record).
const services = startStorage(client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App client={client} store={store} extras={extras} trends={trends} services={services} />
  </StrictMode>,
);
