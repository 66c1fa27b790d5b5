/**
 * Electron transport: wraps the object the preload exposes as `window.vigil` through contextBridge.
 * IPC is local and always up, so the link state is always 'open'.
 */
import type { ApiEvents, ApiReply, ArgsOf, EventChannel, RequestChannel, ResultOf } from '../../../models/api/contract';
import { RequestError, plainMessage, replyError } from './errors';
import type { ConnectionStatus, VigilClient } from './types';

/** The shape of `window.vigil` (see the preload): `invoke` resolves with the reply, failed or not. */
export interface PreloadBridge {
  invoke(channel: string, args: unknown): Promise<ApiReply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const OPEN: ConnectionStatus = { state: 'open' };

export function bridgeClient(bridge: PreloadBridge): VigilClient {
  return {
    async invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
      let reply: ApiReply;
      try {
        reply = await bridge.invoke(channel, args);
      } catch (err) {
        // IPC itself failed (no handler in main, a reply that could not be copied): no code to keep.
        throw new RequestError('internal', plainMessage(err));
      }
      if (reply.ok) return reply.result as ResultOf<C>;
      throw replyError(reply.error, `The Vigil host could not do "${channel}" and gave no details.`);
    },
    on<E extends EventChannel>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      return bridge.on(event, listener as (p: unknown) => void);
    },
    connection: () => OPEN,
    onConnection: () => () => {},
  };
}
