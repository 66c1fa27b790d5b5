/**
 * The Electron IPC entry for API requests, kept free of the `electron` import so it can be tested
 * where the Electron binary is absent. Only our own top-level page may call the API; every
 * request then goes through ApiService.handle, which validates the arguments.
 */
import { validateArgs, type ApiReply } from '../../models/api/contract';
import { toErrorPayload, type ApiService } from '../api/service';
import type { BlePicker } from './blePicker';

export const APP_ORIGIN = 'app://vigil';

/** The parts of Electron's IpcMainInvokeEvent this handler reads. */
export interface InvokeEventLike {
  senderFrame: { url: string } | null;
  sender: { mainFrame: unknown };
}

/** What only the Electron shell answers (there is no such thing in browser mode). */
export interface ShellHandlers {
  /** The app's Bluetooth device picker ('ble.select'). */
  picker?: BlePicker;
  /** Prints a report page to PDF ('report.pdf', main/electron/printPdf.ts). */
  printPdf?: (html: string) => Promise<Uint8Array>;
}

export async function handleInvoke(service: ApiService, event: InvokeEventLike, channel: unknown, args: unknown, shell: ShellHandlers = {}): Promise<ApiReply> {
  const frame = event.senderFrame;
  if (!frame || !frame.url.startsWith(APP_ORIGIN + '/') || frame !== event.sender.mainFrame) {
    return { ok: false, error: { code: 'bad-request', message: 'request from an unexpected frame' } };
  }
  try {
    if (channel === 'ble.select') {
      // Validated like every request, then answered here: the picker belongs to the shell.
      const a = validateArgs('ble.select', args);
      if (!shell.picker) return { ok: false, error: { code: 'not-found', message: 'This window has no Bluetooth device list open.' } };
      return { ok: true, result: shell.picker.select(a.requestId, a.deviceId) };
    }
    if (channel === 'report.pdf' && shell.printPdf) {
      const a = validateArgs('report.pdf', args);
      return { ok: true, result: { pdfBase64: Buffer.from(await shell.printPdf(a.html)).toString('base64') } };
    }
    return { ok: true, result: await service.handle(channel, args) };
  } catch (e) {
    return { ok: false, error: toErrorPayload(e) };
  }
}
