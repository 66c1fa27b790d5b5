/** Hash routing (#/nodes, #/live, #/recordings/<id>, ...) without a router dependency. */
import { useEffect, useRef, useState } from 'react';
import { mustAsk, unsaved } from './unsaved';

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

export interface GuardedLocation extends Location {
  /** The address the technician asked for while work was unsaved; null when nothing waits. */
  blocked: string | null;
  /** Stay on this page, the work kept. */
  keep(): void;
  /** Drop the unsaved work and go where the technician asked. */
  leave(): void;
}

/**
 * useLocation, held back while a form has unsaved work (app/unsaved.ts): the address goes back to
 * this page and `blocked` says where the technician wanted to go, until keep() or leave().
 */
export function useGuardedLocation(): GuardedLocation {
  const [loc, setLoc] = useState<Location>(() => parseLocation(location.hash));
  const [blocked, setBlocked] = useState<string | null>(null);
  const shown = useRef(location.hash);
  useEffect(() => {
    const onChange = () => {
      const to = location.hash;
      if (mustAsk(unsaved, shown.current, to)) {
        // Put this page's address back without a new hashchange; ask before going anywhere.
        history.replaceState(history.state, '', shown.current || '#/');
        setBlocked(to);
        return;
      }
      shown.current = to;
      setLoc(parseLocation(to));
    };
    window.addEventListener('hashchange', onChange);
    window.addEventListener('beforeunload', unsaved.onBeforeUnload);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('beforeunload', unsaved.onBeforeUnload);
    };
  }, []);
  return {
    ...loc,
    blocked,
    keep: () => setBlocked(null),
    leave: () => {
      const to = blocked;
      setBlocked(null);
      unsaved.discardAll();
      if (to !== null) location.hash = to;
    },
  };
}
