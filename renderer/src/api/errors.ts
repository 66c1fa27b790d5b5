/**
 * Errors the UI shows to a technician. Every failed request reaches components as a
 * `RequestError` whose message is a plain sentence (the host's own message when it sent one).
 */

/** Codes from the host (see ApiError in main/api/contract.ts) plus the client's own. */
export type RequestErrorCode =
  | 'bad-request'
  | 'not-found'
  | 'port-busy'
  | 'port-failed'
  | 'timeout'
  | 'internal'
  /** The link to the host closed before the answer came. */
  | 'disconnected'
  /** The client gave up waiting (no connection, or no answer in time). */
  | 'unreachable'
  /** The host sent something this client cannot read. */
  | 'protocol';

export class RequestError extends Error {
  constructor(
    public readonly code: RequestErrorCode | string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * A message fit to show on screen for anything a request rejected with. Electron's ipcRenderer
 * wraps handler errors as "Error invoking remote method 'x': ApiError: <message>"; only the
 * message is worth showing.
 */
export function plainMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const text = raw
    .replace(/^Error invoking remote method '[^']*':\s*/, '')
    .replace(/^(?:[A-Za-z]*Error):\s*/, '')
    .trim();
  return text.length > 0 ? text : 'Something went wrong, and the Vigil host gave no details.';
}
