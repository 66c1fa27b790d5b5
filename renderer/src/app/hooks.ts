/** React bindings to the Vigil client: link state, the node list, the serial port list. */
import { useCallback, useEffect, useReducer, useState, useSyncExternalStore } from 'react';
import type { NodeInfo, PortInfo } from '../../../models/api/contract';
import { plainMessage } from '../api/errors';
import { t } from '../i18n';
import type { ConnectionStatus, VigilClient } from '../api/types';

export function useConnection(client: VigilClient): ConnectionStatus {
  return useSyncExternalStore(
    useCallback((cb: () => void) => client.onConnection(cb), [client]),
    () => client.connection(),
  );
}

type NodesAction = { type: 'replace'; nodes: NodeInfo[] } | { type: 'upsert'; node: NodeInfo } | { type: 'remove'; path: string };

export function nodesReducer(state: ReadonlyMap<string, NodeInfo>, a: NodesAction): ReadonlyMap<string, NodeInfo> {
  switch (a.type) {
    case 'replace':
      return new Map(a.nodes.map((n) => [n.path, n]));
    case 'upsert': {
      const next = new Map(state);
      next.set(a.node.path, a.node);
      return next;
    }
    case 'remove': {
      if (!state.has(a.path)) return state;
      const next = new Map(state);
      next.delete(a.path);
      return next;
    }
  }
}

export interface NodesState {
  nodes: NodeInfo[];
  loaded: boolean;
  error: string | null;
  /** Asks for `nodes.list` again (link counters change without a status change). */
  refresh(): void;
}

/**
 * The connected nodes: `nodes.list` whenever the link (re)opens, kept current by `node.updated`
 * and `node.removed`. Refetching after a reconnect catches the events missed while down.
 */
export function useNodes(client: VigilClient): NodesState {
  const [byPath, dispatch] = useReducer(nodesReducer, new Map<string, NodeInfo>());
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const link = useConnection(client).state;

  useEffect(() => {
    const offUpdated = client.on('node.updated', (node) => dispatch({ type: 'upsert', node }));
    const offRemoved = client.on('node.removed', ({ path }) => dispatch({ type: 'remove', path }));
    return () => {
      offUpdated();
      offRemoved();
    };
  }, [client]);

  useEffect(() => {
    if (link !== 'open') return;
    let current = true;
    client.invoke('nodes.list', {}).then(
      (nodes) => {
        if (!current) return;
        dispatch({ type: 'replace', nodes });
        setLoaded(true);
        setError(null);
      },
      (err) => {
        if (current) setError(t('app.hooks.listNodes', { error: plainMessage(err) }));
      },
    );
    return () => {
      current = false;
    };
  }, [client, link, generation]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const nodes = [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
  return { nodes, loaded, error, refresh };
}

export interface PortsState {
  ports: PortInfo[] | null;
  loading: boolean;
  error: string | null;
  refresh(): void;
}

/** `refreshKey`: the list is fetched again when it changes (for example a demo port came or went). */
export function usePorts(client: VigilClient, refreshKey = ''): PortsState {
  const [ports, setPorts] = useState<PortInfo[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const link = useConnection(client).state;

  useEffect(() => {
    if (link !== 'open') return;
    let current = true;
    setLoading(true);
    client.invoke('ports.list', {}).then(
      (list) => {
        if (!current) return;
        setPorts(list);
        setError(null);
        setLoading(false);
      },
      (err) => {
        if (!current) return;
        setError(t('app.hooks.listPorts', { error: plainMessage(err) }));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [client, link, generation, refreshKey]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  return { ports, loading, error, refresh };
}

/**
 * Runs one request at a time for a button and keeps its error until the next attempt, so errors are
 * shown next to the control that caused them instead of disappearing.
 */
export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await run(...args);
      } catch (err) {
        setError(plainMessage(err));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [run],
  );
  return { busy, error, start, clearError: () => setError(null) };
}
