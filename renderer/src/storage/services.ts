/** What the storage pages share: the database, the live recorder and the undo stack. */
import { liveQuery } from 'dexie';
import { createContext, useContext, useEffect, useState } from 'react';
import type { VigilDb } from '../db/db';
import type { UndoStack } from '../labels/undo';
import type { LiveRecorder } from '../record/recorder';

export interface StorageServices {
  db: VigilDb;
  recorder: LiveRecorder;
  undo: UndoStack;
}

export const StorageContext = createContext<StorageServices | null>(null);

export function useStorage(): StorageServices {
  const s = useContext(StorageContext);
  if (!s) throw new Error('useStorage outside StorageContext');
  return s;
}

export interface Live<T> {
  value: T;
  loaded: boolean;
  error: string | null;
}

/**
 * The result of a database query, kept current by Dexie's liveQuery: it runs again whenever a
 * table it read changes (in this page). For small results (lists, counts), not for feature data.
 */
export function useLiveQuery<T>(query: () => Promise<T>, deps: unknown[], initial: T): Live<T> {
  const [state, setState] = useState<Live<T>>({ value: initial, loaded: false, error: null });
  useEffect(() => {
    const sub = liveQuery(query).subscribe({
      next: (value) => setState({ value, loaded: true, error: null }),
      error: (e: unknown) => setState((s) => ({ ...s, loaded: true, error: e instanceof Error ? e.message : String(e) })),
    });
    return () => sub.unsubscribe();
  }, deps);
  return state;
}
