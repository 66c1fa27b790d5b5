/**
 * The preload: exposes exactly `window.vigil = { invoke, on }` through contextBridge, never
 * ipcRenderer itself, and only for the API contract's channels.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { isEventChannel, isRequestChannel, type EventChannel } from '../../models/api/channels';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventChannel, Set<Listener>>();

ipcRenderer.on('vigil:event', (_e, event: EventChannel, payload: unknown) => {
  for (const l of listeners.get(event) ?? []) l(payload);
});

contextBridge.exposeInMainWorld('vigil', {
  async invoke(channel: unknown, args: unknown): Promise<unknown> {
    if (!isRequestChannel(channel)) throw new Error(`unknown request channel ${String(channel)}`);
    const r = (await ipcRenderer.invoke('vigil:invoke', channel, args)) as { ok: boolean; result?: unknown; error?: { message: string } };
    if (!r.ok) throw new Error(r.error?.message ?? 'request failed');
    return r.result;
  },
  on(event: unknown, listener: unknown): () => void {
    if (!isEventChannel(event) || typeof listener !== 'function') {
      throw new Error(`unknown event ${String(event)}`);
    }
    const ev = event as EventChannel;
    let set = listeners.get(ev);
    if (!set) listeners.set(ev, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  },
});
