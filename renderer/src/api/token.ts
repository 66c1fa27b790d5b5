/**
 * The browser-mode access token. The host prints a URL like http://127.0.0.1:PORT/?token=XYZ;
 * on first load the token moves from the address bar to sessionStorage, so it does not linger in
 * history or screenshots, and a reload of the same tab still works.
 */

const KEY = 'vigil.token';

export interface TokenEnv {
  /** The page address (location.href). */
  href: string;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  /** Swaps the address bar URL without a reload (history.replaceState). */
  replaceUrl(url: string): void;
}

export function takeToken(env: TokenEnv): string | null {
  const url = new URL(env.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl.length > 0) {
    try {
      env.storage.setItem(KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    url.searchParams.delete('token');
    env.replaceUrl(url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return env.storage.getItem(KEY);
  } catch {
    return null;
  }
}

/** ws://host/api?token=… for a page served over http, wss:// for https. */
export function socketUrl(pageHref: string, token: string | null): string {
  const page = new URL(pageHref);
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${page.host}/api${query}`;
}
