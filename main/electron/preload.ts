/**
 * The preload: exposes exactly `window.vigil = { invoke, on }` through contextBridge, never
 * ipcRenderer itself, and only for the API contract's channels.
 *
 * `invoke` resolves with the reply itself ({ ok, result } or { ok: false, error: { code, message } })
 * rather than rejecting: contextBridge copies only the message of an Error, so the error code would
 * be lost on the way. renderer/src/api/bridge.ts turns a failed reply into a RequestError with that code.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { isEventChannel, type EventChannel } from '../../models/api/channels';
import { isRequestChannel, type ApiReply } from '../../models/api/contract';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventChannel, Set<Listener>>();

ipcRenderer.on('vigil:event', (_e, event: EventChannel, payload: unknown) => {
  for (const l of listeners.get(event) ?? []) l(payload);
});

contextBridge.exposeInMainWorld('vigil', {
  async invoke(channel: unknown, args: unknown): Promise<ApiReply> {
    if (!isRequestChannel(channel)) return { ok: false, error: { code: 'bad-request', message: `unknown request channel ${JSON.stringify(channel)}` } };
    return (await ipcRenderer.invoke('vigil:invoke', channel, args)) as ApiReply;
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
