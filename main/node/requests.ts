/**
 * The request layer of docs/protocol.md section 2, for one session: every request gets a fresh
 * seq and exactly one answer, matched by seq AND response type (an ACK/NACK must name the
 * request's type); 500 ms (wired) or 2000 ms (BLE) per attempt, 3 attempts with new seqs; a NACK
 * becomes its reason in plain words. Over Bluetooth LE a request may travel inside SECURE (3.13):
 * the key, the nonce of the link's latest HELLO, a per-nonce counter.
 */
import {
  decodeAck,
  decodeNack,
  encodeFrame,
  encodeSecure,
  MSG_ACK,
  MSG_NACK,
  MSG_SECURE,
  NACK_AUTH_FAILED,
  NACK_NAMES,
  NACK_REPLAY,
  nackReasonText,
  type Frame,
} from '../../models/protocol/index';
import { ApiError } from '../../models/api/contract';
import type { ByteLink } from '../transport/byteLink';
import type { SessionCounters } from './wireToApi';

/**
 * A SECURE command the node refused as AUTH_FAILED or REPLAY: the app may hold a stale nonce (a
 * HELLO_REQ from anyone in Bluetooth range draws a new one, docs/protocol.md §3.13).
 */
export class SecureStale extends ApiError {}

export interface RequestSpec {
  what: string;
  type: number;
  payload?: Uint8Array;
  responses: number[];
  /** Wraps the request in SECURE with this key (the payload is the inner payload). */
  secureKey?: Uint8Array;
}

interface Pending {
  what: string;
  /** Response types besides NACK that answer it. */
  responses: number[];
  /** The type an ACK/NACK must name (the inner type for SECURE). */
  reqType: number;
  secure: boolean;
  /** A relayed frame (relay): a NACK resolves with the frame instead of rejecting. */
  raw?: boolean;
  seqs: number[];
  timer?: NodeJS.Timeout;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
}

/** What the request layer reads from its session. */
export interface RequestHost {
  /** The current link; undefined while there is none. */
  link(): ByteLink | undefined;
  /** The nonce of the current link's latest HELLO (SECURE). */
  nonce(): Uint8Array | undefined;
  /** Whether the node sent no INFO block (a 1.0 node): a timeout then says it may be too old. */
  oldFirmware(): boolean;
  counters: SessionCounters;
}

export class RequestLayer {
  private txSeq = 0;
  private secureCounter = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly host: RequestHost,
    private readonly timeoutMs: number,
    private readonly attempts: number,
  ) {}

  nextSeq(): number {
    let s = this.txSeq;
    // A seq a relayed command still waits on (relay) is skipped.
    while (this.pending.has(s)) s = (s + 1) & 0xffff;
    this.txSeq = (s + 1) & 0xffff;
    return s;
  }

  /**
   * Writes a frame made elsewhere with its own seq (a workstation's signed command through the plant
   * gateway, main/gateway/commands.ts) and waits once for the node's answer: a frame of `responses`
   * or a NACK naming `reqType` (or SECURE), resolved as it came; undefined after `timeoutMs`.
   * Rejects without a link, and when the seq is in use by a request still waiting.
   */
  relay(type: number, seq: number, payload: Uint8Array, reqType: number, responses: number[], timeoutMs: number): Promise<Frame | undefined> {
    return new Promise<Frame | undefined>((resolve, reject) => {
      const link = this.host.link();
      if (!link) return reject(lostBeforeAnswer('the relayed command'));
      if (this.pending.has(seq)) return reject(new ApiError('port-busy', `seq ${seq} is in use on the node's link; send again with another`));
      const p: Pending = { what: 'the relayed command', responses, reqType, secure: type === MSG_SECURE, raw: true, seqs: [seq], resolve: () => {}, reject: () => {} };
      const settle = () => {
        if (p.timer) clearTimeout(p.timer);
        this.pending.delete(seq);
      };
      p.resolve = (f) => {
        settle();
        resolve(f);
      };
      p.reject = (e) => {
        settle();
        reject(e);
      };
      this.pending.set(seq, p);
      p.timer = setTimeout(() => {
        settle();
        this.host.counters.failedRequests++;
        resolve(undefined);
      }, timeoutMs);
      link.write(encodeFrame(type, seq, payload)).catch((e: Error) => p.reject(new ApiError('port-failed', `Could not write to the node: ${e.message}`)));
    });
  }

  /** A new HELLO nonce restarts the SECURE counter. */
  restartSecureCounter(): void {
    this.secureCounter = 0;
  }

  /**
   * Sends a request and resolves with its response frame; NACK rejects with the reason in plain
   * words (ApiError 'refused'); no answer after every attempt rejects with ApiError 'timeout'.
   */
  send(spec: RequestSpec): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      const p: Pending = { what: spec.what, responses: spec.responses, reqType: spec.type, secure: spec.secureKey !== undefined, seqs: [], resolve, reject };
      const settle = () => {
        if (p.timer) clearTimeout(p.timer);
        for (const s of p.seqs) this.pending.delete(s);
      };
      p.resolve = (f) => {
        settle();
        resolve(f);
      };
      p.reject = (e) => {
        settle();
        reject(e);
      };
      const attempt = (n: number) => {
        const link = this.host.link();
        if (!link) return p.reject(lostBeforeAnswer(spec.what));
        const seq = this.nextSeq();
        // A late answer to an earlier attempt is still an answer: every seq of it stays registered.
        p.seqs.push(seq);
        this.pending.set(seq, p);
        link.write(this.frame(spec, seq)).catch((e: Error) => p.reject(new ApiError('port-failed', `Could not send ${spec.what} to the node: ${e.message}`)));
        p.timer = setTimeout(() => {
          if (n < this.attempts) {
            this.host.counters.retries++;
            attempt(n + 1);
          } else {
            this.host.counters.failedRequests++;
            const old = this.host.oldFirmware() ? ' (its firmware may be too old for it)' : '';
            p.reject(new ApiError('timeout', `The node did not answer ${spec.what} (${this.attempts} attempts, ${this.timeoutMs} ms each)${old}`));
          }
        }, this.timeoutMs);
      };
      attempt(1);
    });
  }

  /**
   * Sends one frame with a fresh seq and waits for nothing: for a caller that matches its own
   * replies and retries itself (the model transfer, main/ota/nodeUpdate.ts). False without a link.
   */
  post(spec: Omit<RequestSpec, 'responses' | 'what'>): boolean {
    const link = this.host.link();
    if (!link) return false;
    link.write(this.frame(spec, this.nextSeq())).catch(() => {}); // a lost write is a lost frame: the caller resends
    return true;
  }

  /** Response matching: seq AND type; an ACK/NACK must name the request's type. False when nobody waits for it. */
  match(f: Frame): boolean {
    const p = this.pending.get(f.seq);
    if (!p) return false;
    if (f.type === MSG_NACK) {
      const n = decodeNack(f.payload);
      if (n.reqType !== p.reqType && !(p.secure && n.reqType === MSG_SECURE)) return false;
      this.host.counters.nacks++;
      if (p.raw) {
        p.resolve(f);
        return true;
      }
      const Err = p.secure && (n.reason === NACK_AUTH_FAILED || n.reason === NACK_REPLAY) ? SecureStale : ApiError;
      p.reject(new Err('refused', refusalText(p.what, n)));
      return true;
    }
    if (!p.responses.includes(f.type)) return false;
    if (f.type === MSG_ACK && decodeAck(f.payload).reqType !== p.reqType) return false;
    p.resolve(f);
    return true;
  }

  /** The link went away: every request still waiting fails. */
  rejectAll(): void {
    for (const p of new Set(this.pending.values())) p.reject(lostBeforeAnswer(p.what));
  }

  private frame(spec: Omit<RequestSpec, 'responses' | 'what'>, seq: number): Uint8Array {
    const payload = spec.payload ?? new Uint8Array(0);
    if (!spec.secureKey) return encodeFrame(spec.type, seq, payload);
    const counter = ++this.secureCounter;
    return encodeFrame(MSG_SECURE, seq, encodeSecure({ key: spec.secureKey, nonce: this.host.nonce()!, seq, counter, innerType: spec.type, innerPayload: payload }));
  }
}

/** A node's NACK to `what` in the technician's words, with the reason's name (also for commands relayed by a gateway). */
export function refusalText(what: string, n: { reason: number; detail: number }): string {
  return `The node refused ${what}: ${nackReasonText(n.reason, n.detail)} (${NACK_NAMES[n.reason] ?? `reason ${n.reason}`})`;
}

function lostBeforeAnswer(what: string): ApiError {
  return new ApiError('port-failed', `The link to the node was lost before it answered (${what})`);
}
