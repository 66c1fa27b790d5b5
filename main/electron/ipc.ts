/**
 * The Electron IPC entry for API requests, kept free of the `electron` import so it can be tested
 * where the Electron binary is absent. Only our own top-level page may call the API; every
 * request then goes through ApiService.handle, which validates the arguments.
 */
import { toErrorPayload, type ApiService } from '../api/service';

export const APP_ORIGIN = 'app://vigil';

/** The parts of Electron's IpcMainInvokeEvent this handler reads. */
export interface InvokeEventLike {
  senderFrame: { url: string } | null;
  sender: { mainFrame: unknown };
}

export type InvokeReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export async function handleInvoke(service: ApiService, event: InvokeEventLike, channel: unknown, args: unknown): Promise<InvokeReply> {
  const frame = event.senderFrame;
  if (!frame || !frame.url.startsWith(APP_ORIGIN + '/') || frame !== event.sender.mainFrame) {
    return { ok: false, error: { code: 'bad-request', message: 'request from an unexpected frame' } };
  }
  try {
    return { ok: true, result: await service.handle(channel, args) };
  } catch (e) {
    return { ok: false, error: toErrorPayload(e) };
  }
}
