/**
 * The app's side of the model transfer (docs/protocol.md section 3.14): splits a signed model blob
 * into chunks that fit a frame, keeps a window of chunks in flight, advances on the node's highest
 * contiguous offset, goes back to it after a timeout without progress (or at the first status that
 * shows a gap), and after a reconnect asks MODEL_STATUS and resumes from the offset the node holds.
 *
 * Round trips cost link time that carries no model bytes, so the sender waits for none it can do
 * without (section 6.4): a fresh transfer opens with BEGIN (which resumes by itself when the node
 * holds this image) followed at once by the first window of chunks from offset 0, and the COMMIT
 * follows the last chunk without waiting for its status. A refused BEGIN is looked into with
 * MODEL_STATUS (the model may run already, or be on trial after a lost COMMIT ACK); a COMMIT that
 * arrives before every chunk (INCOMPLETE) is sent again once the node holds them all.
 *
 * It is written against a minimal port — send one request, receive decoded replies — so that a
 * session (main/node/session.ts) can drive it: the session frames each request (inside SECURE over
 * Bluetooth LE), hands every MODEL_STATUS, and every ACK or NACK whose req_type is 0x20–0x25, to
 * onReply, calls poll from a timer, and linkDown / reconnected from its reconnect logic. Time is
 * passed in (ms), so tests drive it without a clock.
 */
import { sha256 } from '../../models/crypto/sha256';
import { decodeAck, decodeNack, MSG_ACK, MSG_NACK } from '../../models/protocol';
import {
  decodeTransferStatus,
  encodeModelBegin,
  encodeModelChunk,
  encodeModelCommit,
  MODEL_CHUNK_DATA_MAX,
  modelBeginTag,
  MSG_MODEL_BEGIN,
  MSG_MODEL_CHUNK,
  MSG_MODEL_COMMIT,
  MSG_MODEL_ROLLBACK,
  MSG_MODEL_STATUS,
  MSG_MODEL_STATUS_REQ,
  NACK_IMAGE_HASH,
  NACK_INCOMPLETE,
  NACK_MODEL_OLDER,
  NACK_MODEL_PENDING,
  NACK_NO_TRANSFER,
  transferRefusalText,
  TRANSFER_RECEIVING,
  TRANSFER_TRIAL,
  type TransferStatus,
} from '../../models/protocol/transfer';

export interface TransferPort {
  /** Sends one request; the port frames it (and wraps it in SECURE where the link needs it). */
  send(type: number, payload: Uint8Array): void;
}

export type TransferReply =
  | { kind: 'status'; status: TransferStatus }
  | { kind: 'ack'; reqType: number }
  | { kind: 'nack'; reqType: number; reason: number };

/**
 * The reply a frame carries for the sender: MODEL_STATUS, or an ACK / NACK of a model transfer
 * request (0x20–0x25); undefined for anything else. Throws PayloadError for a payload that does not
 * decode.
 */
export function decodeTransferReply(type: number, payload: Uint8Array): TransferReply | undefined {
  if (type === MSG_MODEL_STATUS) return { kind: 'status', status: decodeTransferStatus(payload) };
  const isModelRequest = (t: number) => t >= MSG_MODEL_BEGIN && t <= MSG_MODEL_ROLLBACK;
  if (type === MSG_ACK) {
    const { reqType } = decodeAck(payload);
    return isModelRequest(reqType) ? { kind: 'ack', reqType } : undefined;
  }
  if (type === MSG_NACK) {
    const n = decodeNack(payload);
    return isModelRequest(n.reqType) ? { kind: 'nack', reqType: n.reqType, reason: n.reason } : undefined;
  }
  return undefined;
}

export interface SenderOptions {
  /** The node's pairing key (it signs BEGIN; the blob must already be signed with it). */
  key: Uint8Array;
  /** Chunk data bytes, a multiple of 4; lowered to the node's max_chunk. */
  chunk: number;
  /** Chunks in flight. */
  window: number;
  /** A request without its reply, or a window without progress, after this long is sent again. */
  timeoutMs: number;
  /** Timeouts in a row without progress before the transfer fails (default 5). */
  maxRetries?: number;
  /** Fresh starts after the node lost or refused the image in transit (default 2). */
  maxRestarts?: number;
}

export type SenderPhase = 'idle' | 'status' | 'begin' | 'sending' | 'committing' | 'disconnected' | 'done' | 'failed';

export interface SenderOutcome {
  ok: boolean;
  /** Plain words for the technician when the transfer failed. */
  error?: string;
  /** The NACK reason that ended it, if one did. */
  reason?: number;
  /** The model already ran on the node: nothing was sent. */
  alreadyRunning?: boolean;
}

export interface SenderCounters {
  chunksSent: number;
  /** Chunks sent again (after a timeout, a gap or a restart). */
  chunksResent: number;
  timeouts: number;
  reconnects: number;
  /** Transfers that resumed at a non-zero offset the node held. */
  resumes: number;
  restarts: number;
}

const u32At = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const reasonText = transferRefusalText;

export class ModelSender {
  readonly size: number;
  readonly version: number;
  readonly sha: Uint8Array;
  readonly counters: SenderCounters = { chunksSent: 0, chunksResent: 0, timeouts: 0, reconnects: 0, resumes: 0, restarts: 0 };
  phase: SenderPhase = 'idle';
  /** The node's highest contiguous offset, as last reported. */
  acked = 0;
  readonly finished: Promise<SenderOutcome>;
  private chunk: number;
  private next = 0;
  private sentUpTo = 0;
  private deadline = 0;
  private retries = 0;
  private restarts = 0;
  private recovering = false;
  /** A COMMIT is on its way behind the last chunk. */
  private commitSent = false;
  /** The reason the node refused BEGIN: MODEL_STATUS is asked before the transfer ends with it. */
  private beginRefusal: number | undefined;
  private settle!: (o: SenderOutcome) => void;

  constructor(
    private readonly image: Uint8Array,
    private readonly port: TransferPort,
    private readonly opts: SenderOptions,
  ) {
    if (image.length < 48) throw new RangeError(`a model image is at least 48 bytes, got ${image.length}`);
    if (opts.key.length !== 32) throw new RangeError('a pairing key is 32 bytes');
    if (!Number.isInteger(opts.chunk) || opts.chunk < 4 || opts.chunk % 4 !== 0 || opts.chunk > MODEL_CHUNK_DATA_MAX) {
      throw new RangeError(`the chunk size must be a multiple of 4 from 4 to ${MODEL_CHUNK_DATA_MAX}, got ${opts.chunk}`);
    }
    if (!Number.isInteger(opts.window) || opts.window < 1) throw new RangeError(`the window must be at least 1 chunk, got ${opts.window}`);
    this.size = image.length;
    this.version = u32At(image, 12);
    this.sha = sha256(image);
    this.chunk = opts.chunk;
    this.finished = new Promise((resolve) => (this.settle = resolve));
  }

  get progress(): { acked: number; size: number } {
    return { acked: this.acked, size: this.size };
  }

  /** Sends BEGIN and the first window of chunks; the transfer goes on from the node's answers. */
  start(nowMs: number): void {
    if (this.phase !== 'idle') throw new Error('the transfer has started already');
    this.beginFresh(nowMs);
  }

  /** The link is gone: nothing is sent until reconnected. */
  linkDown(): void {
    if (this.isOver()) return;
    this.phase = 'disconnected';
  }

  /** The link is back (and the session has said HELLO): ask MODEL_STATUS and resume. */
  reconnected(nowMs: number): void {
    if (this.isOver()) return;
    this.counters.reconnects++;
    this.askStatus(nowMs);
  }

  /** Cancels the transfer (the caller sends MODEL_ABORT if the node should forget it too). */
  cancel(): void {
    this.finish({ ok: false, error: 'the transfer was cancelled' });
  }

  onReply(r: TransferReply, nowMs: number): void {
    if (this.isOver() || this.phase === 'disconnected' || this.phase === 'idle') return;
    if (r.kind === 'status') this.onStatus(r.status, nowMs);
    else if (r.kind === 'ack') {
      if (r.reqType === MSG_MODEL_COMMIT && (this.phase === 'committing' || this.commitSent)) this.finish({ ok: true });
    } else this.onNack(r.reqType, r.reason, nowMs);
  }

  /** Call from a timer: resends what timed out. */
  poll(nowMs: number): void {
    if (this.isOver() || this.phase === 'disconnected' || this.phase === 'idle' || nowMs < this.deadline) return;
    this.counters.timeouts++;
    if (++this.retries > (this.opts.maxRetries ?? 5)) {
      this.finish({ ok: false, error: `the node stopped answering (at ${this.acked} of ${this.size} bytes)` });
      return;
    }
    if (this.phase === 'status') this.sendReq(MSG_MODEL_STATUS_REQ, new Uint8Array(0), nowMs);
    else if (this.phase === 'begin') {
      this.commitSent = false; // a lost BEGIN: the chunks and COMMIT behind it were refused
      this.sendBegin(nowMs);
    }
    else if (this.phase === 'committing') this.sendReq(MSG_MODEL_COMMIT, encodeModelCommit(this.sha), nowMs);
    else {
      this.next = this.acked; // go back to what the node holds
      this.commitSent = false;
      this.pump(nowMs, true);
    }
  }

  private isOver(): boolean {
    return this.phase === 'done' || this.phase === 'failed';
  }

  private finish(o: SenderOutcome): void {
    if (this.isOver()) return;
    this.phase = o.ok ? 'done' : 'failed';
    this.settle(o);
  }

  private sendReq(type: number, payload: Uint8Array, nowMs: number): void {
    this.deadline = nowMs + this.opts.timeoutMs;
    this.port.send(type, payload);
  }

  private askStatus(nowMs: number): void {
    this.phase = 'status';
    this.retries = 0;
    this.sendReq(MSG_MODEL_STATUS_REQ, new Uint8Array(0), nowMs);
  }

  /**
   * BEGIN, then at once the first window of chunks from 0: a node that accepts BEGIN for a new
   * image starts at 0 and takes them in order behind it. A node that resumes (it held this image)
   * ignores them as repeats, and one that refuses BEGIN answers them NO_TRANSFER, which the sender
   * no longer listens to; either way at most one window of link time is spent.
   */
  private beginFresh(nowMs: number): void {
    this.sendBegin(nowMs);
    this.acked = 0;
    this.next = 0;
    this.recovering = false;
    this.commitSent = false;
    this.pump(nowMs, false);
  }

  private sendBegin(nowMs: number): void {
    this.phase = 'begin';
    const tag = modelBeginTag(this.opts.key, this.size, this.version, this.sha);
    this.sendReq(MSG_MODEL_BEGIN, encodeModelBegin({ size: this.size, version: this.version, sha256: this.sha, tag }), nowMs);
  }

  private restart(nowMs: number, why: number): void {
    if (++this.restarts > (this.opts.maxRestarts ?? 2)) {
      this.finish({ ok: false, error: reasonText(why), reason: why });
      return;
    }
    this.counters.restarts++;
    this.beginFresh(nowMs);
  }

  private ours(s: TransferStatus): boolean {
    return s.size === this.size && s.version === this.version && same(s.sha256, this.sha);
  }

  private onStatus(s: TransferStatus, nowMs: number): void {
    if (s.maxChunk >= 4 && s.maxChunk < this.chunk) this.chunk = s.maxChunk - (s.maxChunk % 4);
    if (s.state === TRANSFER_TRIAL && this.ours(s)) {
      // Committed already (our COMMIT's ACK was lost): a repeated COMMIT is ACKed.
      this.phase = 'committing';
      this.sendReq(MSG_MODEL_COMMIT, encodeModelCommit(this.sha), nowMs);
      return;
    }
    const receiving = s.state === TRANSFER_RECEIVING && this.ours(s);
    if (this.phase === 'status') {
      if (receiving) {
        if (s.offset > 0) this.counters.resumes++;
        this.startSending(s.offset, nowMs);
      } else if (s.state !== TRANSFER_TRIAL && s.runningVersion === this.version) {
        this.finish({ ok: true, alreadyRunning: true });
      } else if (this.beginRefusal !== undefined) {
        this.finish({ ok: false, error: reasonText(this.beginRefusal), reason: this.beginRefusal });
      } else {
        this.beginFresh(nowMs);
      }
      return;
    }
    if (this.phase === 'begin') {
      if (!receiving) return;
      if (s.offset > 0) this.counters.resumes++;
      // The window sent behind BEGIN is on its way: go on from it unless the node holds more.
      if (s.offset >= this.next || this.next === 0) this.startSending(s.offset, nowMs);
      else {
        // BEGIN's own status, ahead of the chunks' (which show any gap).
        this.phase = 'sending';
        this.acked = s.offset;
        this.deadline = nowMs + this.opts.timeoutMs;
      }
      return;
    }
    if (this.phase !== 'sending') return;
    if (!receiving) {
      this.restart(nowMs, NACK_NO_TRANSFER); // the node no longer holds our transfer (it restarted)
      return;
    }
    if (s.offset > this.acked) {
      this.acked = s.offset;
      this.retries = 0;
      this.recovering = false;
      this.deadline = nowMs + this.opts.timeoutMs;
    } else if (s.offset === this.acked && this.next > this.acked && !this.recovering) {
      // A chunk past a gap arrived: the one at `acked` was lost. Go back once per gap.
      this.recovering = true;
      this.next = this.acked;
    }
    if (this.acked >= this.size) {
      this.phase = 'committing';
      this.retries = 0;
      if (this.commitSent) this.deadline = nowMs + this.opts.timeoutMs;
      else this.sendReq(MSG_MODEL_COMMIT, encodeModelCommit(this.sha), nowMs);
      return;
    }
    this.pump(nowMs, false);
  }

  private startSending(offset: number, nowMs: number): void {
    this.phase = 'sending';
    this.acked = offset;
    this.next = offset;
    this.retries = 0;
    this.recovering = false;
    this.commitSent = false;
    if (offset >= this.size) {
      this.phase = 'committing';
      this.sendReq(MSG_MODEL_COMMIT, encodeModelCommit(this.sha), nowMs);
      return;
    }
    this.pump(nowMs, true);
  }

  /**
   * Sends chunks from `next` while fewer than `window` are beyond the acknowledged offset, and the
   * COMMIT right behind the last one (the node answers INCOMPLETE if a chunk went missing).
   */
  private pump(nowMs: number, resetDeadline: boolean): void {
    if (resetDeadline) this.deadline = nowMs + this.opts.timeoutMs;
    const limit = this.acked + this.opts.window * this.chunk;
    while (this.next < this.size && this.next < limit) {
      const n = Math.min(this.chunk, this.size - this.next);
      this.counters.chunksSent++;
      if (this.next < this.sentUpTo) this.counters.chunksResent++;
      this.port.send(MSG_MODEL_CHUNK, encodeModelChunk({ offset: this.next, data: this.image.subarray(this.next, this.next + n) }));
      this.next += n;
      this.sentUpTo = Math.max(this.sentUpTo, this.next);
    }
    if (this.next >= this.size && !this.commitSent) {
      this.commitSent = true;
      this.port.send(MSG_MODEL_COMMIT, encodeModelCommit(this.sha));
    }
  }

  private onNack(reqType: number, reason: number, nowMs: number): void {
    if (reqType === MSG_MODEL_COMMIT && reason === NACK_INCOMPLETE && (this.phase === 'sending' || this.phase === 'begin')) {
      // It overtook a lost chunk (the node answers in order, so every status before it is in):
      // go back to what the node holds; the COMMIT follows the last chunk again.
      this.commitSent = false;
      if (this.phase === 'sending' && !this.recovering && this.next > this.acked) {
        this.recovering = true;
        this.next = this.acked;
        this.pump(nowMs, false);
      }
      return;
    }
    if (reqType === MSG_MODEL_CHUNK && this.phase === 'sending') {
      if (reason === NACK_NO_TRANSFER) this.restart(nowMs, reason);
      else this.finish({ ok: false, error: reasonText(reason), reason });
      return;
    }
    if (reqType === MSG_MODEL_COMMIT && (this.phase === 'committing' || (this.phase === 'sending' && this.commitSent))) {
      if (reason === NACK_NO_TRANSFER || reason === NACK_IMAGE_HASH) this.restart(nowMs, reason);
      else this.finish({ ok: false, error: reasonText(reason), reason });
      return;
    }
    if (reqType === MSG_MODEL_BEGIN && this.phase === 'begin') {
      // Not newer, or a model on trial: it may be this very model (running, or committed with
      // its ACK lost). MODEL_STATUS tells; otherwise the refusal stands.
      if (reason === NACK_MODEL_OLDER || reason === NACK_MODEL_PENDING) {
        this.beginRefusal = reason;
        this.askStatus(nowMs);
      } else this.finish({ ok: false, error: reasonText(reason), reason });
    }
  }
}
