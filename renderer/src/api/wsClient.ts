/**
 * Browser-mode transport: the VigilApi over one WebSocket to the Vigil host (main/host/server.ts).
 *
 * Wire protocol, JSON text frames:
 *   client -> host  {"type":"request","id":n,"channel":c,"args":a}
 *   host -> client  {"type":"response","id":n,"ok":true,"result":r}
 *                   {"type":"response","id":n,"ok":false,"error":{"code":c,"message":m}}
 *                   {"type":"event","event":e,"payload":p}
 * and one binary frame, host -> client only: a node.raw event, its samples as float32
 * (models/api/rawWire.ts), decoded here into Float32Array views on the received buffer.
 *
 * Requests made while the socket is not open wait in a queue and go out when it opens. When the
 * socket closes, requests already sent are rejected (the host may or may not have acted on them,
 * so they are never re-sent silently) and the client reconnects with exponential backoff.
 */
import type { ApiEvents, ArgsOf, EventChannel, RawBatch, RequestChannel, ResultOf } from '../../../models/api/contract';
import { decodeRawBatch } from '../../../models/api/rawWire';
import { replyError, RequestError } from './errors';
import type { ConnectionStatus, VigilClient } from './types';

/** The part of the browser WebSocket this client uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  /** Set to 'arraybuffer' so that a binary frame arrives as an ArrayBuffer (not a Blob). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  /** Called for every (re)connection, so a changed token is picked up. */
  url: () => string;
  createSocket?: SocketFactory;
  /** A request that has no answer after this long is rejected. */
  requestTimeoutMs?: number;
  /** First reconnect delay; doubles after each failed attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Shown in the banner when the socket cannot be opened at all (for example no token). */
  describeProblem?: () => string | undefined;
}

const OPEN = 1; // WebSocket.OPEN, spelled out so this file runs without a DOM.

interface Pending {
  channel: string;
  args: unknown;
  sent: boolean;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

type AnyListener = (payload: unknown) => void;

export class WsClient implements VigilClient {
  private readonly opts: Required<Omit<WsClientOptions, 'describeProblem'>> & Pick<WsClientOptions, 'describeProblem'>;
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<AnyListener>>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private status: ConnectionStatus = { state: 'connecting' };
  private backoffMs: number;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(options: WsClientOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      requestTimeoutMs: 30_000,
      initialBackoffMs: 500,
      maxBackoffMs: 10_000,
      ...options,
    };
    this.backoffMs = this.opts.initialBackoffMs;
    this.open();
  }

  invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    if (this.disposed) return Promise.reject(new RequestError('unreachable', 'The connection to the Vigil host was shut down.'));
    const id = this.nextId++;
    return new Promise<ResultOf<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        const secs = Math.round(this.opts.requestTimeoutMs / 1000);
        reject(
          p.sent
            ? new RequestError('timeout', `The Vigil host did not answer "${channel}" within ${secs} s.`)
            : new RequestError('unreachable', `Could not reach the Vigil host for "${channel}" within ${secs} s. Is it still running?`),
        );
      }, this.opts.requestTimeoutMs);
      const p: Pending = { channel, args, sent: false, resolve: resolve as (r: unknown) => void, reject, timer };
      this.pending.set(id, p);
      this.trySend(id, p);
    });
  }

  on<E extends EventChannel>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as AnyListener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  connection(): ConnectionStatus {
    return this.status;
  }

  onConnection(listener: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  /** Closes the socket for good and rejects whatever is still waiting. */
  dispose(): void {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.socket;
    this.socket = null;
    if (s) s.close(1000, 'client closed');
    this.failAll(() => new RequestError('unreachable', 'The connection to the Vigil host was shut down.'));
  }

  private open(): void {
    this.reconnectTimer = null;
    let sock: SocketLike;
    try {
      sock = this.opts.createSocket(this.opts.url());
    } catch (err) {
      // new WebSocket() throws only for a malformed URL; treat it like a failed attempt.
      this.scheduleReconnect(err instanceof Error ? err.message : undefined);
      return;
    }
    this.socket = sock;
    sock.binaryType = 'arraybuffer';
    sock.onopen = () => {
      if (sock !== this.socket) return;
      this.backoffMs = this.opts.initialBackoffMs;
      this.setStatus({ state: 'open' });
      for (const [id, p] of this.pending) if (!p.sent) this.trySend(id, p);
    };
    sock.onmessage = (ev) => {
      if (sock === this.socket) this.handleMessage(ev.data);
    };
    sock.onerror = () => {
      // The browser gives no detail here; the close event that always follows does the work.
    };
    sock.onclose = () => {
      if (sock !== this.socket) return;
      this.socket = null;
      this.failSent();
      if (!this.disposed) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(detail?: string): void {
    this.setStatus({ state: 'reconnecting', problem: this.opts.describeProblem?.() ?? detail });
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private trySend(id: number, p: Pending): void {
    const s = this.socket;
    if (!s || s.readyState !== OPEN) return; // stays queued until onopen
    try {
      s.send(JSON.stringify({ type: 'request', id, channel: p.channel, args: p.args }));
      p.sent = true;
    } catch {
      // The socket is closing; onclose follows and the request is sent after reconnecting.
    }
  }

  private handleMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) return this.handleBinary(data);
    if (typeof data !== 'string') return console.warn('Vigil: ignoring a non-text message from the host');
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return console.warn('Vigil: ignoring a message from the host that is not JSON');
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (m.type === 'response') this.handleResponse(m);
    else if (m.type === 'event' && typeof m.event === 'string') this.dispatch(m.event, m.payload);
    else console.warn('Vigil: ignoring a message of unknown type from the host');
  }

  private handleBinary(data: ArrayBuffer): void {
    let batch: RawBatch;
    try {
      batch = decodeRawBatch(data);
    } catch (err) {
      return console.warn(`Vigil: ignoring a binary message from the host: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.dispatch('node.raw', batch);
  }

  private handleResponse(m: Record<string, unknown>): void {
    const id = m.id;
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!p || typeof id !== 'number') return; // late answer to a request that timed out
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (m.ok === true) return p.resolve(m.result);
    p.reject(replyError(m.error, `The Vigil host could not do "${p.channel}" and gave no details.`));
  }

  private dispatch(event: string, payload: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(payload);
      } catch (err) {
        // One broken listener must not starve the others of events.
        console.error(`Vigil: a listener for "${event}" failed`, err);
      }
    }
  }

  private failSent(): void {
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(
        new RequestError(
          'disconnected',
          `Lost connection to the Vigil host before it answered "${p.channel}". Try again once it is back.`,
        ),
      );
    }
  }

  private failAll(make: () => Error): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(make());
    }
  }

  private setStatus(s: ConnectionStatus): void {
    if (s.state === this.status.state && s.problem === this.status.problem) return;
    this.status = s;
    for (const l of [...this.statusListeners]) l(s);
  }
}
