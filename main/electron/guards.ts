/**
 * The Electron shell's rules for every web contents (main window or any other the app or a page
 * could create), kept free of the `electron` import so they can be tested where the Electron
 * binary is absent. main/electron/main.ts applies them from app.on('web-contents-created').
 */
import { APP_ORIGIN } from './ipc';

/**
 * The external pages the renderer may open in the user's browser: the app's own documentation,
 * exact https URLs. The app links to none today; a link to add goes here, and only its exact URL
 * opens (no prefix, no other path on the same site).
 */
export const DOCUMENTATION_LINKS: readonly string[] = [];

/**
 * Permissions the renderer needs: none. Web Bluetooth goes through 'select-bluetooth-device'
 * (the app's own picker, main/electron/blePicker.ts), not through Chromium's permission checks.
 * A needed permission would be granted to our own page only.
 */
export const PERMISSIONS_NEEDED: readonly string[] = [];

export function isAppUrl(url: string): boolean {
  return url === APP_ORIGIN || url.startsWith(APP_ORIGIN + '/');
}

/** Whether `url` is exactly one of `links` (https, no credentials). */
export function isDocumentationLink(url: string, links: readonly string[] = DOCUMENTATION_LINKS): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  return links.some((l) => URL.canParse(l) && new URL(l).href === u.href);
}

/** setPermissionCheckHandler and setPermissionRequestHandler: what is not needed by our own page is denied. */
export function permissionAllowed(permission: string, requestingOrigin: string | undefined, needed: readonly string[] = PERMISSIONS_NEEDED): boolean {
  return needed.includes(permission) && isAppUrl(requestingOrigin ?? '');
}

/** The parts of Electron's WebContents the guards use. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: { preventDefault(): void }, url?: string) => void): unknown;
}

/**
 * No new windows; navigation only within the app; no <webview>. A documentation link (see
 * DOCUMENTATION_LINKS) opens in the user's browser instead.
 */
export function guardContents(contents: GuardedContents, openExternal: (url: string) => unknown): void {
  const leave = (url: string) => {
    if (isDocumentationLink(url)) void Promise.resolve(openExternal(url)).catch(() => {});
  };
  contents.setWindowOpenHandler(({ url }) => {
    leave(url);
    return { action: 'deny' };
  });
  for (const ev of ['will-navigate', 'will-redirect'] as const) {
    contents.on(ev, (e, url) => {
      if (url !== undefined && isAppUrl(url)) return;
      e.preventDefault();
      if (url !== undefined) leave(url);
    });
  }
  contents.on('will-attach-webview', (e) => e.preventDefault());
}
