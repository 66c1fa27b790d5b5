/**
 * Errors the UI shows to a technician. Every failed request reaches components as a
 * `RequestError` whose message is a plain sentence (the host's own message when it sent one).
 */

import { isApiErrorCode, type ApiErrorCode, type ApiReply } from '../../../models/api/contract';
import { lang, t } from '../i18n';

/**
 * The host's codes (API_ERROR_CODES in models/api/contract.ts) plus the client's own:
 * 'disconnected': the link to the host closed before the answer came; 'unreachable': the client
 * gave up waiting (no connection, or no answer in time); 'protocol': the host sent something this
 * client cannot read.
 */
export type RequestErrorCode = ApiErrorCode | 'disconnected' | 'unreachable' | 'protocol';

export class RequestError extends Error {
  constructor(
    public readonly code: RequestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * A message fit to show on screen for anything a request rejected with. Electron's ipcRenderer
 * wraps handler errors as "Error invoking remote method 'x': ApiError: <message>"; only the
 * message is worth showing. The host writes its details in English: in English they are shown
 * as they are; in another language the code's sentence (errors.json) leads, and the host's detail,
 * which names the port, file or value, follows in parentheses.
 */
export function plainMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const text = raw
    .replace(/^Error invoking remote method '[^']*':\s*/, '')
    .replace(/^(?:[A-Za-z]*Error):\s*/, '')
    .trim();
  if (err instanceof RequestError) return errorText(err.code, text);
  return text.length > 0 ? text : t('errors.noDetails');
}

/** A request error in the interface language, keeping the host's detail. */
export function errorText(code: RequestErrorCode, detail: string): string {
  if (!detail) return t(`errors.code.${code}`);
  return lang() === 'en' ? detail : t('errors.withDetail', { message: t(`errors.code.${code}`), detail });
}

/**
 * The error of a failed reply, as both transports (bridge.ts, wsClient.ts) raise it: the host's
 * code ('internal' when it sent none this client knows) and its message, or `noDetails`.
 */
export function replyError(error: unknown, noDetails: string): RequestError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Partial<Record<keyof Extract<ApiReply, { ok: false }>['error'], unknown>>;
  const message = typeof e.message === 'string' && e.message.trim().length > 0 ? e.message : noDetails;
  return new RequestError(isApiErrorCode(e.code) ? e.code : 'internal', message);
}
