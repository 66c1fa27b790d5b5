/**
 * Electron transport: wraps the object the preload exposes as `window.vigil` through contextBridge.
 * IPC is local and always up, so the link state is always 'open'.
 */
import { isApiErrorCode, type ApiEvents, type ArgsOf, type EventChannel, type RequestChannel, type ResultOf } from '../../../models/api/contract';
import { RequestError, plainMessage } from './errors';
import type { ConnectionStatus, VigilClient } from './types';

/** The shape of `window.vigil` (see the preload). */
export interface PreloadBridge {
  invoke(channel: string, args: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const OPEN: ConnectionStatus = { state: 'open' };

export function bridgeClient(bridge: PreloadBridge): VigilClient {
  return {
    async invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
      try {
        return (await bridge.invoke(channel, args)) as ResultOf<C>;
      } catch (err) {
        const code = (err as { code?: unknown })?.code;
        throw new RequestError(isApiErrorCode(code) ? code : 'internal', plainMessage(err));
      }
    },
    on<E extends EventChannel>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      return bridge.on(event, listener as (p: unknown) => void);
    },
    connection: () => OPEN,
    onConnection: () => () => {},
  };
}
