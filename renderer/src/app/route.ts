/** Hash routing (#/nodes, #/live, #/recordings/<id>, ...) without a router dependency. */
import { useEffect, useState } from 'react';

export type Route = 'fleet' | 'nodes' | 'live' | 'recordings' | 'analysis' | 'events' | 'storage' | 'training' | 'deploy' | 'report';

const ROUTES: readonly Route[] = ['fleet', 'nodes', 'live', 'recordings', 'analysis', 'events', 'storage', 'training', 'deploy', 'report'];

export interface Location {
  route: Route;
  /** The second path segment, e.g. the recording id of #/recordings/<id>. */
  id: string | null;
}

export function parseLocation(hash: string): Location {
  const parts = hash.replace(/^#\/?/, '').split('?')[0].split('/');
  const route = (ROUTES as readonly string[]).includes(parts[0]) ? (parts[0] as Route) : 'nodes';
  const id = parts[1] ? decodeURIComponent(parts[1]) : null;
  return { route, id };
}

export function parseRoute(hash: string): Route {
  return parseLocation(hash).route;
}

export function navigate(route: Route, id?: string): void {
  location.hash = id ? `#/${route}/${encodeURIComponent(id)}` : `#/${route}`;
}

export function useLocation(): Location {
  const [loc, setLoc] = useState<Location>(() => parseLocation(location.hash));
  useEffect(() => {
    const onChange = () => setLoc(parseLocation(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return loc;
}

export function useRoute(): Route {
  return useLocation().route;
}
