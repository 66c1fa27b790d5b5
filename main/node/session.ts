/**
 * One session per connected node: link -> deframer -> message decoder -> typed events.
 * It starts with a HELLO_REQ handshake (docs/protocol.md section 4), keeps the link's error
 * counters, and detects stream gaps from FEATURES.window_index.
 */
import { EventEmitter } from 'node:events';
import {
  boardName,
  decodeFeatures,
  decodeHello,
  Deframer,
  encodeFrame,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  PayloadError,
  uidHex,
  type Frame,
} from '../../models/protocol/index';
import type { FeatureFrame, LinkStats, NodeInfo, NodeStatus } from '../api/contract';
import type { Link } from '../transport/link';

export interface SessionOptions {
  demo?: boolean;
  /** Interval between HELLO_REQ retries until the node answers. */
  helloRetryMs?: number;
  /** How long to wait for a HELLO before giving up. */
  helloTimeoutMs?: number;
}

interface SessionEvents {
  update: [NodeInfo];
  features: [FeatureFrame];
  closed: [Error | undefined];
}

export class NodeSession extends EventEmitter<SessionEvents> {
  private readonly deframer: Deframer;
  private status: NodeStatus = 'connecting';
  private message: string | undefined;
  private hello: NodeInfo['hello'];
  private extra = { unknownType: 0, badPayload: 0, missedWindows: 0 };
  private lastWindow: number | undefined;
  private txSeq = 0;
  private lostReason: string | undefined;
  private pendingHelloSeqs = new Set<number>();
  private helloTimer: NodeJS.Timeout | undefined;
  private helloDeadline: NodeJS.Timeout | undefined;
  private helloWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    readonly link: Link,
    private readonly opts: SessionOptions = {},
  ) {
    super();
    this.deframer = new Deframer((f) => this.onFrame(f));
    link.onData((chunk) => this.deframer.push(chunk));
    link.onClose((err) => this.onLinkClosed(err));
  }

  get path(): string {
    return this.link.path;
  }

  info(): NodeInfo {
    const s = this.deframer.stats;
    const stats: LinkStats = {
      bytes: s.bytes,
      frames: s.frames,
      badCobs: s.badCobs,
      badCrc: s.badCrc,
      badLength: s.badLength,
      badVersion: s.badVersion,
      oversize: s.oversize,
      ...this.extra,
    };
    return {
      path: this.path,
      status: this.status,
      ...(this.message ? { message: this.message } : {}),
      demo: this.opts.demo ?? false,
      ...(this.hello ? { hello: { ...this.hello, channels: [...this.hello.channels] } } : {}),
      stats,
    };
  }

  /**
   * Sends HELLO_REQ every `helloRetryMs` until a HELLO arrives; resolves then, rejects with a
   * plain-words error after `helloTimeoutMs`.
   */
  handshake(): Promise<void> {
    const retry = this.opts.helloRetryMs ?? 500;
    const timeout = this.opts.helloTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      this.helloWaiters.push({ resolve, reject });
      if (this.helloTimer) return;
      // A lone 0x00 first: it ends whatever partial frame the node's receiver holds.
      void this.link.write(Uint8Array.of(0)).catch(() => {});
      const send = () => {
        const seq = this.nextSeq();
        this.pendingHelloSeqs.add(seq);
        this.link.write(encodeFrame(MSG_HELLO_REQ, seq)).catch((e: Error) => this.fail(e.message));
      };
      send();
      this.helloTimer = setInterval(send, retry);
      this.helloDeadline = setTimeout(() => {
        this.fail(`No answer from the node on ${this.path} within ${Math.round(timeout / 1000)} s. Is it a Vigil node, and is it powered?`);
      }, timeout);
    });
  }

  async close(): Promise<void> {
    this.stopHandshake();
    await this.link.close();
  }

  /** Ends the session because its node is known to be gone (e.g. the demo process exited). */
  async lost(reason: string): Promise<void> {
    this.lostReason = reason;
    await this.close();
  }

  private nextSeq(): number {
    const s = this.txSeq;
    this.txSeq = (this.txSeq + 1) & 0xffff;
    return s;
  }

  private onFrame(f: Frame): void {
    try {
      switch (f.type) {
        case MSG_HELLO:
          this.onHello(f);
          break;
        case MSG_FEATURES:
          this.onFeatures(f);
          break;
        default:
          this.extra.unknownType++;
      }
    } catch (e) {
      if (e instanceof PayloadError) this.extra.badPayload++;
      else throw e;
    }
  }

  private onHello(f: Frame): void {
    const h = decodeHello(f.payload);
    this.hello = {
      uid: uidHex(h.uid),
      name: h.name,
      board: boardName(h.board),
      firmware: `${h.firmware.major}.${h.firmware.minor}.${h.firmware.patch}`,
      protocolVersion: h.protocolVersion,
      axisCount: h.axisCount,
      windowLen: h.windowLen,
      hop: h.hop,
      sampleRateHz: h.sampleRateHz,
      channels: h.channels.length === h.axisCount ? h.channels : Array.from({ length: h.axisCount }, (_, i) => `axis ${i + 1}`),
    };
    // An unsolicited HELLO (node reboot) also brings the session online.
    this.pendingHelloSeqs.clear();
    this.stopHandshake();
    this.status = 'online';
    this.message = undefined;
    this.lastWindow = undefined;
    for (const w of this.helloWaiters.splice(0)) w.resolve();
    this.emit('update', this.info());
  }

  private onFeatures(f: Frame): void {
    const m = decodeFeatures(f.payload);
    if (this.lastWindow !== undefined && m.windowIndex > this.lastWindow + 1) {
      this.extra.missedWindows += m.windowIndex - this.lastWindow - 1;
    }
    this.lastWindow = m.windowIndex;
    this.emit('features', { windowIndex: m.windowIndex, tUs: m.tUs, shaftHz: m.shaftHz, rmsG: m.rms });
  }

  private stopHandshake(): void {
    if (this.helloTimer) clearInterval(this.helloTimer);
    if (this.helloDeadline) clearTimeout(this.helloDeadline);
    this.helloTimer = undefined;
    this.helloDeadline = undefined;
  }

  private fail(message: string): void {
    this.stopHandshake();
    this.status = 'error';
    this.message = message;
    const err = new Error(message);
    for (const w of this.helloWaiters.splice(0)) w.reject(err);
    this.emit('update', this.info());
  }

  private onLinkClosed(err?: Error): void {
    this.stopHandshake();
    this.status = 'offline';
    this.message = this.lostReason ?? (err ? `The link to the node was lost: ${err.message}` : 'Disconnected');
    for (const w of this.helloWaiters.splice(0)) w.reject(new Error(this.message));
    this.emit('update', this.info());
    this.emit('closed', err);
  }
}
