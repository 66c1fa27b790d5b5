/**
 * getApi(): the one way UI code reaches the Vigil host. In the Electron shell the preload provides
 * `window.vigil`; in a plain browser the page talks to the host over a WebSocket at /api.
 */
import type { VigilApi } from '../../../models/api/contract';
import { t } from '../i18n';
import { bridgeClient, type PreloadBridge } from './bridge';
import { socketUrl, takeToken } from './token';
import type { VigilClient } from './types';
import { WsClient } from './wsClient';

declare global {
  interface Window {
    vigil?: PreloadBridge;
  }
}

let client: VigilClient | null = null;

export function getClient(): VigilClient {
  if (client) return client;
  if (window.vigil) {
    client = bridgeClient(window.vigil);
  } else {
    const token = takeToken({
      href: location.href,
      storage: sessionStorage,
      replaceUrl: (url) => history.replaceState(history.state, '', url),
    });
    client = new WsClient({
      url: () => socketUrl(location.href, token),
      describeProblem: () =>
        token
          ? undefined
          : t('app.noToken'),
    });
  }
  return client;
}

export function getApi(): VigilApi {
  return getClient();
}
