/**
 * The link side of a node session (docs/protocol.md 6): the current byte link and its deframer,
 * the handshake on it, what happens when it is lost (reconnecting, via reconnect.ts, or offline),
 * online again, and the state NodeInfo shows. The technician's requests and the incoming frames
 * are in session.ts; the request layer is requests.ts.
 */
import { EventEmitter } from 'node:events';
import { Deframer, emptyFrameStats, type Frame, type FrameStats, type HelloInfo } from '../../models/protocol/index';
import {
  ApiError,
  CAPABILITIES,
  type Capability,
  type FeatureFrame,
  type LinkKind,
  type ModelProgress,
  type NodeConfig,
  type NodeEventInfo,
  type NodeInfo,
  type NodeLogEntry,
  type NodeStatus,
  type RawBlock,
  type StreamSettings,
  type TimeSync,
} from '../../models/api/contract';
import type { ByteLink } from '../transport/byteLink';
import { ConditionTracker } from './condition';
import { DataLossLog } from './dataLoss';
import { Handshake } from './handshake';
import type { KeyStore } from './keys';
import { Reconnector, type ReconnectOptions } from './reconnect';
import { RequestLayer, type RequestSpec } from './requests';
import * as W from './wireToApi';

export interface SessionOptions extends ReconnectOptions {
  /** The transport: sets the request timeout (500 ms serial, 2000 ms BLE) and what needs SECURE. */
  kind?: LinkKind;
  demo?: boolean;
  /** The app's pairing keys (keyKnown, SECURE, nodes.pair). */
  keys?: KeyStore;
  /** Interval between HELLO_REQ retries until the node answers. */
  helloRetryMs?: number;
  /** How long to wait for a HELLO before giving up. */
  helloTimeoutMs?: number;
  /** Per attempt; default 500 ms on serial, 2000 ms on BLE (docs/protocol.md 2). */
  requestTimeoutMs?: number;
  /** Attempts per request, each with a new seq (default 3). */
  attempts?: number;
  /** The model transfer's chunks in flight and largest chunk data (main/ota/nodeUpdate.ts). */
  modelTransfer?: { window?: number; chunkMax?: number };
}

export interface SessionEvents {
  update: [NodeInfo];
  features: [FeatureFrame];
  raw: [RawBlock];
  event: [NodeEventInfo];
  log: [NodeLogEntry];
  /** A model update's progress (main/ota/nodeUpdate.ts). */
  model: [ModelProgress];
  /** The session ended for good (offline): the technician disconnected, or the node is gone. */
  closed: [Error | undefined];
}

export abstract class SessionLink extends EventEmitter<SessionEvents> {
  readonly kind: LinkKind;
  protected link: ByteLink | undefined;
  /** The current link's receiver (attachLink makes one per link). */
  private deframer: Deframer | undefined;
  /** Frame counters of the links before the current one. */
  private oldStats: FrameStats = emptyFrameStats();
  protected status: NodeStatus = 'connecting';
  protected message: string | undefined;
  protected hello: W.HelloBase | undefined;
  /** The HELLO INFO block as it came (plus the app's own later changes to it); absent for 1.0. */
  protected wire: HelloInfo | undefined;
  protected nonce: Uint8Array | undefined;
  protected caps = 0;
  protected config: NodeConfig | undefined;
  protected stream: StreamSettings | undefined;
  protected time: TimeSync | undefined;
  protected readonly counters = W.emptySessionCounters();
  /** The node's alarm, detector and latest levels (NodeInfo.condition), fed by session.ts. */
  protected readonly condition = new ConditionTracker();
  /** What data did not arrive, when and why (NodeInfo.losses). */
  protected readonly losses = new DataLossLog();
  protected featuresGapPending = false;
  protected rawGapPending = false;
  protected readonly requests: RequestLayer;
  protected readonly handshakes: Handshake;
  private readonly reconnect: Reconnector;
  private everOnline = false;
  /** The technician closed it, or the node is known to be gone: no reconnect. */
  private ended = false;
  private lostReason: string | undefined;

  constructor(
    link: ByteLink,
    protected readonly opts: SessionOptions = {},
    /** Session key; defaults to the link's path. */
    readonly path: string = link.path,
  ) {
    super();
    this.kind = opts.kind ?? 'serial';
    this.requests = new RequestLayer({ link: () => this.link, nonce: () => this.nonce, oldFirmware: () => this.wire === undefined, counters: this.counters }, this.requestTimeoutMs, opts.attempts ?? 3);
    this.handshakes = new Handshake(this.path, opts.helloRetryMs ?? 500, opts.helloTimeoutMs ?? 10_000, () => this.link, () => this.requests.nextSeq(), (message) => this.handshakeFailed(message));
    this.reconnect = new Reconnector(opts, {
      ended: () => this.ended,
      waiting: () => !this.ended && this.status === 'reconnecting' && !this.link,
      reopened: async (l) => {
        this.attachLink(l);
        await this.resume().catch(() => {});
      },
      changed: () => this.emitUpdate(),
    });
    this.attachLink(link);
  }

  get requestTimeoutMs(): number {
    return this.opts.requestTimeoutMs ?? (this.kind === 'ble' ? 2000 : 500);
  }

  get currentStatus(): NodeStatus {
    return this.status;
  }

  info(): NodeInfo {
    const h = this.hello;
    const keyKnown = (uid: string) => (keyId: string) => this.opts.keys?.find(uid, keyId) !== undefined;
    const linkInfo = (uid: string, wire: NonNullable<typeof this.wire>) => {
      const rePaired = this.opts.keys?.rePaired(uid)?.message;
      return { ...W.linkInfoToApi(wire, keyKnown(uid)), ...(rePaired ? { rePaired } : {}) };
    };
    return {
      path: this.path,
      status: this.status,
      ...(this.message ? { message: this.message } : {}),
      demo: this.opts.demo ?? false,
      ...(h ? { hello: { ...h, channels: [...h.channels], ...(this.wire ? { info: linkInfo(h.uid, this.wire) } : {}) } } : {}),
      link: this.kind,
      ...(this.config ? { config: { ...this.config } } : {}),
      ...(this.stream ? { stream: { ...this.stream } } : {}),
      ...(this.time ? { time: { ...this.time } } : {}),
      ...(this.status === 'reconnecting' && this.reconnect.state ? { reconnect: { ...this.reconnect.state } } : {}),
      stats: W.linkStats(this.deframer ? W.addStats(this.oldStats, this.deframer.stats) : this.oldStats, this.counters),
      condition: this.condition.snapshot(),
      ...(this.losses.snapshot() ? { losses: this.losses.snapshot() } : {}),
    };
  }

  /** Handshake, then (1.1 node) configuration, time and stream settings. Rejects when no HELLO comes. */
  async start(): Promise<void> {
    await this.handshakes.run();
    await this.setup();
    this.goOnline();
  }

  /** The technician disconnects: no reconnect. */
  async close(): Promise<void> {
    this.ended = true;
    await this.shutdown();
  }

  /** Ends the session because its node is known to be gone for good (e.g. the demo process exited). */
  async lost(reason: string): Promise<void> {
    this.lostReason = reason;
    this.ended = true;
    await this.shutdown();
  }

  /**
   * A new link to the same node (a BLE device the renderer connected again). Replaces the current
   * link if there is one, then handshakes and re-applies time and stream settings.
   */
  async attach(link: ByteLink): Promise<void> {
    if (this.ended) throw new ApiError('not-found', `The session on ${this.path} has ended`);
    this.reconnect.stop();
    const old = this.link;
    if (old) {
      this.detachLink();
      void old.close().catch(() => {});
      if (this.status === 'online') this.enterReconnecting(new Error('the link was replaced'));
    } else if (this.status !== 'reconnecting' && this.everOnline) {
      this.enterReconnecting(new Error('the link was replaced'));
    }
    this.attachLink(link);
    await this.resume();
  }

  // ---- What every request checks first ---------------------------------------------------------

  protected request(spec: RequestSpec): Promise<Frame> {
    if (!this.link || !this.hello) return Promise.reject(this.notConnected());
    return this.requests.send(spec);
  }

  private notConnected(): ApiError {
    return new ApiError('port-failed', `The node on ${this.path} is ${this.status === 'reconnecting' ? 'reconnecting; try again when it is back online' : 'not connected'}`);
  }

  protected need(cap: Capability): void {
    const h = this.hello;
    if (!h || !this.link) throw this.notConnected();
    if (!this.has(cap)) throw new ApiError('unsupported', `The node's firmware (${h.firmware}) is too old for ${W.CAPABILITY_WORDS[cap]}`);
  }

  /** The key a command travels under inside SECURE: over Bluetooth LE, when the app holds it. */
  protected secureKey(): Uint8Array | undefined {
    return this.kind === 'ble' && this.has('secure') ? this.pairingKey() : undefined;
  }

  /** The key the node is paired with, when the app holds it. */
  protected pairingKey(): Uint8Array | undefined {
    const info = this.wire;
    return info && info.paired === 1 ? this.opts.keys?.find(this.hello!.uid, W.hex(info.keyId)) : undefined;
  }

  protected has(cap: Capability): boolean {
    return (this.caps & (1 << CAPABILITIES.indexOf(cap))) !== 0;
  }

  // ---- Links, loss and reconnect -----------------------------------------------------------------

  private attachLink(link: ByteLink): void {
    if (this.deframer) this.oldStats = W.addStats(this.oldStats, this.deframer.stats);
    const deframer = new Deframer((f) => this.onFrame(f));
    // A node streams whether or not anyone listens: the first bytes may end a frame we missed.
    deframer.joinMidStream();
    this.deframer = deframer;
    this.link = link;
    this.handshakes.newLink();
    link.onData((chunk) => {
      if (this.link === link) deframer.push(chunk);
    });
    link.onClose((err) => {
      if (this.link === link) this.onLinkClosed(err);
    });
    this.reconnect.watch(() => {
      const current = this.link;
      if (!current) return;
      // The port vanished (a pty whose other side went away is not always reported at once).
      this.onLinkClosed(new Error(`port ${this.path} disappeared`));
      void current.close().catch(() => {});
    });
  }

  /** Forgets the current link (its events are ignored from now on). */
  private detachLink(): void {
    this.link = undefined;
    this.handshakes.stop();
    this.reconnect.unwatch();
    this.requests.rejectAll();
    this.linkLost();
  }

  private onLinkClosed(err?: Error): void {
    this.detachLink();
    if (!this.ended && err && this.everOnline) {
      this.enterReconnecting(err);
      this.reconnect.schedule(0);
      return;
    }
    this.goOffline(err);
  }

  private goOffline(err?: Error): void {
    this.reconnect.stop();
    this.reconnect.unwatch();
    this.status = 'offline';
    this.message = this.lostReason ?? (err ? `The link to the node was lost: ${err.message}` : 'Disconnected');
    this.handshakes.rejectWaiters(new Error(this.message));
    this.emitUpdate();
    this.emit('closed', err);
  }

  private enterReconnecting(err: Error): void {
    if (this.status !== 'reconnecting') {
      this.status = 'reconnecting';
      this.reconnect.begin();
    }
    this.message = `The link to the node was lost (${err.message}); reconnecting`;
    this.featuresGapPending = true;
    this.rawGapPending = true;
    this.emitUpdate();
  }

  /** Handshake on a freshly attached link, then setup; online again, or back to reconnecting. */
  private async resume(): Promise<void> {
    const link = this.link;
    try {
      await this.handshakes.run();
    } catch (e) {
      if (this.link === link && link) {
        // The port is there but no node answers: drop it and keep trying.
        this.detachLink();
        void link.close().catch(() => {});
        if (!this.ended) {
          this.enterReconnecting(e as Error);
          this.reconnect.backOff();
          this.reconnect.schedule(this.reconnect.pollMs);
        }
      }
      throw e;
    }
    if (this.status === 'reconnecting') this.counters.reconnects++;
    this.relinked();
    await this.setup();
    if (this.link === link) this.goOnline();
  }

  private goOnline(): void {
    this.everOnline = true;
    this.status = 'online';
    this.message = undefined;
    this.reconnect.done();
    this.emitUpdate();
  }

  private async shutdown(): Promise<void> {
    this.handshakes.stop();
    this.reconnect.stop();
    this.reconnect.unwatch();
    const link = this.link;
    if (link) {
      await link.close(); // its close event ends the session (offline)
      if (this.status !== 'offline') this.onLinkClosed(undefined);
    } else if (this.status !== 'offline') {
      this.goOffline();
    }
  }

  /** No HELLO in time (or the link failed while asking): the first handshake fails in plain words. */
  private handshakeFailed(message: string): void {
    if (this.status === 'connecting') {
      this.status = 'error';
      this.message = message;
      this.emitUpdate();
    }
  }

  /** Every frame the current link's deframer delivers. */
  protected abstract onFrame(f: Frame): void;

  /** The current link is gone (before any reconnect). */
  protected abstract linkLost(): void;

  /** A new link has said HELLO (a reconnect, or a link the renderer attached again). */
  protected abstract relinked(): void;

  /** After a handshake: what the app re-applies to the node. Never throws. */
  protected abstract setup(): Promise<void>;

  protected emitUpdate(): void {
    this.emit('update', this.info());
  }
}