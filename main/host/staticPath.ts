/**
 * Maps the path of a page request to a file of the built renderer, for both modes (the
 * browser-mode host in main/host/server.ts and the `app://` handler in main/electron/main.ts).
 * Any input is answered, never thrown on: a path that cannot be decoded is a 400, a path that
 * leaves the folder a 404.
 */
import { join, normalize, sep } from 'node:path';

export type StaticLookup = { ok: true; file: string } | { ok: false; status: 400 | 404; why: string };

/** `encodedPath` is the path as sent (percent-escapes intact, no query); `root` is absolute and resolved. */
export function resolveStaticPath(root: string, encodedPath: string): StaticLookup {
  if (!encodedPath.startsWith('/')) return { ok: false, status: 400, why: 'the request target is not a path' };
  let rel: string;
  try {
    rel = decodeURIComponent(encodedPath);
  } catch {
    return { ok: false, status: 400, why: 'the path has a bad percent-escape' };
  }
  if (rel.includes('\0')) return { ok: false, status: 400, why: 'the path contains a NUL byte' };
  if (rel === '/') rel = '/index.html';
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep)) return { ok: false, status: 404, why: 'the path leaves the app folder' };
  return { ok: true, file };
}

/** Splits a request target ('/a/b?x=1#f') into its still-encoded path and its query. */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const hash = target.indexOf('#');
  const noHash = hash < 0 ? target : target.slice(0, hash);
  const q = noHash.indexOf('?');
  return q < 0 ? { path: noHash, query: new URLSearchParams() } : { path: noHash.slice(0, q), query: new URLSearchParams(noHash.slice(q + 1)) };
}
