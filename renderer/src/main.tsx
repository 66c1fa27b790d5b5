import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getClient } from './api/client';
import { App } from './app/App';
import { FeatureStore } from './live/featureStore';
import { startStorage } from './storage/start';

const client = getClient();

// Features are collected from the start, whatever page is shown, so Live opens with history.
const store = new FeatureStore({ scheduleFrame: (cb) => requestAnimationFrame(cb) });
client.on('node.features', (batch) => store.ingest(batch));
client.on('node.removed', ({ path }) => store.remove(path));

// ...and stored: every node's features are recorded continuously (renderer/src/record).
const services = startStorage(client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App client={client} store={store} services={services} />
  </StrictMode>,
);
