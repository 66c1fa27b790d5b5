/**
 * The `app://vigil/...` scheme the Electron renderer loads from: files of the built renderer only,
 * every response carrying the app's Content-Security-Policy (main/host/csp.ts) itself, and any
 * request answered, never thrown on (a bad percent-escape is a 400). Kept free of the `electron`
 * import; main/electron/main.ts passes Electron's net.fetch.
 */
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { resolveStaticPath } from '../host/staticPath';

export const APP_HOST = 'vigil';

const SECURITY_HEADERS = { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' };

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain', ...SECURITY_HEADERS } });
}

/** `rendererDir` absolute and resolved; `fetchFile` reads a file:// URL (Electron's net.fetch). */
export function appProtocolHandler(rendererDir: string, fetchFile: (fileUrl: string) => Promise<Response>): (req: { url: string }) => Promise<Response> {
  return async (req) => {
    if (!URL.canParse(req.url)) return plain(400, 'Bad request');
    const url = new URL(req.url);
    if (url.host !== APP_HOST) return plain(404, 'Not found');
    const found = resolveStaticPath(rendererDir, url.pathname);
    if (!found.ok) return plain(found.status, found.status === 400 ? `Bad request: ${found.why}` : 'Not found');
    let file: Response;
    try {
      file = await fetchFile(pathToFileURL(found.file).href);
    } catch {
      return plain(404, 'Not found');
    }
    const headers = new Headers(file.headers);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) headers.set(k, v);
    return new Response(file.body, { status: file.status, statusText: file.statusText, headers });
  };
}
