/** Hash routing (#/nodes, #/live) without a router dependency. */
import { useEffect, useState } from 'react';

export type Route = 'nodes' | 'live';

export function parseRoute(hash: string): Route {
  return hash.replace(/^#\/?/, '').split(/[/?]/)[0] === 'live' ? 'live' : 'nodes';
}

export function navigate(route: Route): void {
  location.hash = `#/${route}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
