/**
 * One session per node link (a serial port, or a Bluetooth LE device relayed by the renderer):
 * link -> deframer -> message decoder -> typed events, and the request layer of docs/protocol.md
 * section 2 on top.
 *
 *  - Handshake (6.1): 0x00, HELLO_REQ every 500 ms until a HELLO, 10 s at most. A 1.1 node's
 *    INFO block gives its capabilities; then CONFIG_GET, TIME sync (three TIME_REQ, the smallest
 *    round trip kept) and the stream settings the app chose are applied again. A request whose
 *    capability bit is clear is never sent (a 1.0 node streams features and nothing else).
 *  - Requests: matched by seq AND response type (an ACK/NACK must name the request's type);
 *    500 ms (wired) or 2000 ms (BLE) per attempt, 3 attempts with new seqs; errors in plain words.
 *  - SECURE (3.13): over Bluetooth LE, CONFIG_SET and STREAM travel inside SECURE when the app
 *    holds the node's key: the key, the nonce of this link's latest HELLO, a per-nonce counter.
 *  - Reconnect (6.3): a link that closes unexpectedly (or a port path that vanishes) turns the
 *    session 'reconnecting': the path is polled every 200 ms, opens back off 200/400/800 ms then
 *    every 2 s, and once a HELLO comes back time is synced and the stream re-applied. A BLE
 *    session waits for the renderer to attach a new relay link (ble.open). Only `close()` (the
 *    technician) or `lost()` (the demo process exited for good) end it.
 *  - Gaps: FEATURES window_index and RAW_BLOCK first_frame jumps are counted; the first frame or
 *    block after a reconnect that skipped some carries gapReason 'link-lost'. A stream that goes
 *    back (node restart, hop change) starts again and is not a gap.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  boardName,
  configToEntries,
  decodeAck,
  decodeConfigEntries,
  decodeEvent,
  decodeFeatures,
  decodeHello,
  decodeLog,
  decodeNack,
  decodePong,
  decodeRawBlock,
  decodeTime,
  Deframer,
  emptyFrameStats,
  encodeConfigEntries,
  encodeFrame,
  encodePair,
  encodePing,
  encodeSecure,
  encodeStream,
  encodeTimeReq,
  entriesToConfig,
  MSG_ACK,
  MSG_CONFIG,
  MSG_CONFIG_GET,
  MSG_CONFIG_SET,
  MSG_EVENT,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  MSG_LOG,
  MSG_NACK,
  MSG_PAIR,
  MSG_PING,
  MSG_PONG,
  MSG_RAW_BLOCK,
  MSG_SECURE,
  MSG_STREAM,
  MSG_TIME,
  MSG_TIME_REQ,
  NACK_NAMES,
  nackReasonText,
  PayloadError,
  STREAM_FEATURES,
  STREAM_RAW,
  uidHex,
  type Frame,
  type FrameStats,
  type Hello,
  type HelloInfo,
} from '../../models/protocol/index';
import {
  ApiError,
  CAPABILITIES,
  type Capability,
  type FeatureFrame,
  type LinkKind,
  type LinkStats,
  type NodeConfig,
  type NodeConfigChanges,
  type NodeEventInfo,
  type NodeInfo,
  type NodeLinkInfo,
  type NodeLogEntry,
  type NodeStatus,
  type RawBlock,
  type StreamSettings,
  type TimeSync,
} from '../../models/api/contract';
import type { Link } from '../transport/link';
import type { KeyStore } from './keys';

export interface SessionOptions {
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
  /** Re-opens the link after it was lost (serial). Without it the session waits for attach() (BLE). */
  reopen?: () => Promise<Link>;
  /** Whether the port's path exists now; polled while online (a vanished pty) and while reconnecting. */
  present?: () => boolean;
  /** Path poll interval (default 200 ms). */
  pollMs?: number;
  /** Open retry delays after a failed open; the last repeats (default 200, 400, 800, 2000 ms). */
  backoffMs?: number[];
}

type HelloBase = Omit<NonNullable<NodeInfo['hello']>, 'info'>;

interface SessionEvents {
  update: [NodeInfo];
  features: [FeatureFrame];
  raw: [RawBlock];
  event: [NodeEventInfo];
  log: [NodeLogEntry];
  /** The session ended for good (offline): the technician disconnected, or the node is gone. */
  closed: [Error | undefined];
}

interface Pending {
  what: string;
  /** Response types besides NACK that answer it. */
  responses: number[];
  /** The type an ACK/NACK must name (the inner type for SECURE). */
  reqType: number;
  secure: boolean;
  seqs: number[];
  timer?: NodeJS.Timeout;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
}

interface RequestSpec {
  what: string;
  type: number;
  payload?: Uint8Array;
  responses: number[];
  /** Wraps the request in SECURE with this key (the payload is the inner payload). */
  secureKey?: Uint8Array;
}

const LOG_LEVELS: NodeLogEntry['level'][] = ['debug', 'info', 'warning', 'error'];
const SLOT_STATES = ['empty', 'pending', 'trying', 'confirmed', 'rejected'] as const;
const MODEL_SOURCES = ['none', 'built-in', 'slot 0', 'slot 1'] as const;
const CAPABILITY_WORDS: Record<Capability, string> = {
  pair: 'pairing',
  config: 'configuration',
  stream: 'stream settings',
  raw: 'raw samples',
  time: 'time sync',
  ping: 'ping',
  log: 'log messages',
  'samples-in': 'samples from the app',
  secure: 'authenticated commands',
  ble: 'Bluetooth LE',
  'model-update': 'model updates',
};

/** Wall-clock microseconds with sub-millisecond resolution. */
function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function addStats(a: FrameStats, b: FrameStats): FrameStats {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof FrameStats)[]) out[k] += b[k];
  return out;
}

export class NodeSession extends EventEmitter<SessionEvents> {
  readonly kind: LinkKind;
  private link: Link | undefined;
  /** The current link's receiver (attachLink makes one per link). */
  private deframer: Deframer | undefined;
  /** Frame counters of the links before the current one. */
  private oldStats: FrameStats = emptyFrameStats();
  private status: NodeStatus = 'connecting';
  private message: string | undefined;
  private hello: HelloBase | undefined;
  /** The HELLO INFO block as it came (plus the app's own later changes to it); absent for 1.0. */
  private wire: HelloInfo | undefined;
  private nonce: Uint8Array | undefined;
  private caps = 0;
  private config: NodeConfig | undefined;
  private stream: StreamSettings | undefined;
  private time: TimeSync | undefined;
  private reconnectState: { attempts: number; sinceMs: number } | undefined;
  private extra = {
    unknownType: 0,
    badPayload: 0,
    missedWindows: 0,
    rawBlocks: 0,
    missedRawFrames: 0,
    retries: 0,
    failedRequests: 0,
    nacks: 0,
    reconnects: 0,
  };
  private lastWindow: number | undefined;
  private nextRawFrame: number | undefined;
  private lastStreamTUs: number | undefined;
  private featuresGapPending = false;
  private rawGapPending = false;
  private txSeq = 0;
  private secureCounter = 0;
  private readonly pending = new Map<number, Pending>();
  /** HELLO_REQ seqs sent on the current link: a HELLO with one of them is an answer, not a boot. */
  private helloReqSeqs = new Set<number>();
  private helloTimer: NodeJS.Timeout | undefined;
  private helloDeadline: NodeJS.Timeout | undefined;
  private helloWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private helloListeners: ((h: Hello) => void)[] = [];
  private everOnline = false;
  /** The technician closed it, or the node is known to be gone: no reconnect. */
  private ended = false;
  private lostReason: string | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private openFailures = 0;
  private nextOpenAt = 0;
  private setupRunning: Promise<void> | undefined;

  constructor(
    link: Link,
    private readonly opts: SessionOptions = {},
    /** Session key; defaults to the link's path. */
    readonly path: string = link.path,
  ) {
    super();
    this.kind = opts.kind ?? 'serial';
    this.attachLink(link);
  }

  get requestTimeoutMs(): number {
    return this.opts.requestTimeoutMs ?? (this.kind === 'ble' ? 2000 : 500);
  }

  get currentStatus(): NodeStatus {
    return this.status;
  }

  info(): NodeInfo {
    const s = this.deframer ? addStats(this.oldStats, this.deframer.stats) : this.oldStats;
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
    const h = this.hello;
    return {
      path: this.path,
      status: this.status,
      ...(this.message ? { message: this.message } : {}),
      demo: this.opts.demo ?? false,
      ...(h ? { hello: { ...h, channels: [...h.channels], ...(this.wire ? { info: this.toLinkInfo(h.uid, this.wire) } : {}) } } : {}),
      link: this.kind,
      ...(this.config ? { config: { ...this.config } } : {}),
      ...(this.stream ? { stream: { ...this.stream } } : {}),
      ...(this.time ? { time: { ...this.time } } : {}),
      ...(this.status === 'reconnecting' && this.reconnectState ? { reconnect: { ...this.reconnectState } } : {}),
      stats,
    };
  }

  /** Handshake, then (1.1 node) configuration, time and stream settings. Rejects when no HELLO comes. */
  async start(): Promise<void> {
    await this.handshake();
    await this.setup();
    this.goOnline();
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
      const link = this.link;
      if (!link) return this.failHandshake('The node is not connected');
      // A lone 0x00 first: it ends whatever partial frame the node's receiver holds.
      void link.write(Uint8Array.of(0)).catch(() => {});
      const send = () => {
        const seq = this.nextSeq();
        this.helloReqSeqs.add(seq);
        link.write(encodeFrame(MSG_HELLO_REQ, seq)).catch((e: Error) => this.failHandshake(e.message));
      };
      send();
      this.helloTimer = setInterval(send, retry);
      this.helloDeadline = setTimeout(() => {
        this.failHandshake(`No answer from the node on ${this.path} within ${Math.round(timeout / 1000)} s. Is it a Vigil node, and is it powered?`);
      }, timeout);
    });
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
  async attach(link: Link): Promise<void> {
    if (this.ended) throw new ApiError('not-found', `The session on ${this.path} has ended`);
    this.stopReconnectTimer();
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

  // ---- The technician's requests ---------------------------------------------------------------

  /** PAIR over the cable (3.6): a new random key, stored BEFORE it is sent; resolves with the fresh HELLO. */
  async pair(name?: string): Promise<NodeInfo> {
    if (this.kind !== 'serial') throw new ApiError('bad-request', 'Pairing is done over the cable only: connect the node by USB and pair it there.');
    this.need('pair');
    const keys = this.opts.keys;
    if (!keys) throw new ApiError('internal', 'This app has no key store to keep a pairing key in');
    const uid = this.hello!.uid;
    const key = new Uint8Array(randomBytes(32));
    const keyId = keys.add(uid, key, name);
    const fresh = this.waitForHello((h) => h.info !== undefined && h.info.paired === 1 && hex(h.info.keyId) === keyId, 1000);
    try {
      await this.request({ what: 'pairing', type: MSG_PAIR, payload: encodePair({ key, name: name ?? '' }), responses: [MSG_ACK] });
    } catch (e) {
      // Refused: the node kept its old key, so forget the new one. Timed out: the node may have
      // stored it, so keep it (it is only used if a HELLO names it).
      if (e instanceof ApiError && e.code === 'refused') keys.remove(uid, keyId);
      fresh.cancel();
      throw e;
    }
    let ok = await fresh.promise;
    if (!ok) {
      // The node's own HELLO did not come (lost): ask for one.
      const again = this.waitForHello((h) => h.info !== undefined && hex(h.info.keyId) === keyId, this.requestTimeoutMs * 3);
      await this.sendHelloReq();
      ok = await again.promise;
    }
    if (!ok) throw new ApiError('timeout', 'The node accepted the pairing key but did not confirm it in a HELLO; connect it again to check');
    keys.confirm(uid, keyId);
    this.emitUpdate();
    return this.info();
  }

  async getConfig(): Promise<NodeConfig> {
    this.need('config');
    const f = await this.request({ what: 'reading the configuration', type: MSG_CONFIG_GET, responses: [MSG_CONFIG] });
    let values;
    try {
      values = entriesToConfig(decodeConfigEntries(f.payload));
    } catch (e) {
      this.extra.badPayload++;
      throw new ApiError('internal', `The node sent a configuration this app cannot read: ${(e as Error).message}`);
    }
    const h = this.hello!;
    const rg = values.rangeG ?? this.wire?.rangeG ?? 16;
    this.config = {
      name: values.name ?? h.name,
      rangeG: ([2, 4, 8, 16].includes(rg) ? rg : 16) as NodeConfig['rangeG'],
      hop: values.hop ?? h.hop,
      shaftHz: values.shaftHz ?? 0,
      sendBands: values.sendBands ?? false,
      axisCount: values.axisCount ?? h.axisCount,
      windowLen: values.windowLen ?? h.windowLen,
      sampleRateHz: values.sampleRateHz ?? h.sampleRateHz,
    };
    // What HELLO said may be older than the configuration.
    this.hello = { ...h, name: this.config.name, hop: this.config.hop };
    if (this.wire) this.wire = { ...this.wire, rangeG: this.config.rangeG };
    this.emitUpdate();
    return { ...this.config };
  }

  async setConfig(changes: NodeConfigChanges): Promise<NodeConfig> {
    this.need('config');
    let payload: Uint8Array;
    try {
      payload = encodeConfigEntries(configToEntries(changes));
    } catch (e) {
      throw new ApiError('bad-request', `The configuration cannot be sent: ${(e as Error).message}`);
    }
    await this.command('changing the configuration', MSG_CONFIG_SET, payload);
    return this.getConfig();
  }

  async setStream(s: StreamSettings): Promise<NodeInfo> {
    this.need('stream');
    if (s.raw) this.need('raw');
    const rawWasOn = this.wire ? (this.wire.streamMode & STREAM_RAW) !== 0 : false;
    await this.sendStream('changing the stream settings', s);
    if (s.raw && !rawWasOn) this.nextRawFrame = undefined; // a new raw stream: its first block is no gap
    this.stream = { ...s };
    this.emitUpdate();
    return this.info();
  }

  /** STREAM (SECURE on BLE), then the link's INFO shows the new mode. Raw only where the node has it. */
  private async sendStream(what: string, s: StreamSettings): Promise<void> {
    const mode = (s.features ? STREAM_FEATURES : 0) | (s.raw && this.has('raw') ? STREAM_RAW : 0);
    await this.command(what, MSG_STREAM, encodeStream({ mode, rawDecimation: s.rawDecimation }));
    if (this.wire) this.wire = { ...this.wire, streamMode: mode, rawDecimation: s.rawDecimation };
  }

  /** TIME_REQ three times; keeps the answer with the smallest round trip (3.10). */
  async syncTime(rounds = 3): Promise<TimeSync> {
    this.need('time');
    let best: TimeSync | undefined;
    let bestStreamT = 0;
    for (let i = 0; i < rounds; i++) {
      const sent = nowUs();
      const f = await this.request({ what: 'time sync', type: MSG_TIME_REQ, payload: encodeTimeReq(sent), responses: [MSG_TIME] });
      const got = nowUs();
      let t;
      try {
        t = decodeTime(f.payload);
      } catch (e) {
        this.extra.badPayload++;
        throw new ApiError('internal', `The node sent a TIME this app cannot read: ${(e as Error).message}`);
      }
      // The echo tells which request this answers (a retry's answer carries its own send time).
      const rtt = got - t.hostTimeUs;
      if (rtt < 0) continue;
      if (!best || rtt < best.rttUs) {
        best = { offsetUs: Math.round(t.hostTimeUs + rtt / 2 - t.streamTUs), rttUs: rtt, atMs: Math.round(got / 1000) };
        bestStreamT = t.streamTUs;
      }
    }
    if (!best) throw new ApiError('internal', 'The node answered the time sync with times from the future');
    if (this.lastStreamTUs !== undefined && bestStreamT < this.lastStreamTUs) this.streamRestarted();
    this.lastStreamTUs = bestStreamT;
    this.time = best;
    this.emitUpdate();
    return { ...best };
  }

  async ping(): Promise<{ rttMs: number }> {
    this.need('ping');
    const data = new Uint8Array(randomBytes(8));
    const t0 = performance.now();
    const f = await this.request({ what: 'ping', type: MSG_PING, payload: encodePing(data), responses: [MSG_PONG] });
    const rttMs = performance.now() - t0;
    const echo = decodePong(f.payload);
    if (hex(echo) !== hex(data)) throw new ApiError('internal', 'The node answered the ping with other bytes than it was sent');
    return { rttMs };
  }

  // ---- Request layer -----------------------------------------------------------------------------

  /** A command that over Bluetooth LE travels inside SECURE when the app holds the node's key. */
  private command(what: string, type: number, payload: Uint8Array): Promise<Frame> {
    const key = this.secureKey();
    return this.request({ what, type, payload, responses: [MSG_ACK], ...(key ? { secureKey: key } : {}) });
  }

  private secureKey(): Uint8Array | undefined {
    const info = this.wire;
    if (this.kind !== 'ble' || !info || !this.has('secure') || info.paired !== 1) return undefined;
    return this.opts.keys?.find(this.hello!.uid, hex(info.keyId));
  }

  /**
   * Sends a request and resolves with its response frame; NACK rejects with the reason in plain
   * words (ApiError 'refused'); no answer after every attempt rejects with ApiError 'timeout'.
   */
  request(spec: RequestSpec): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      if (!this.link || !this.hello) {
        reject(new ApiError('port-failed', `The node on ${this.path} is ${this.status === 'reconnecting' ? 'reconnecting; try again when it is back online' : 'not connected'}`));
        return;
      }
      const p: Pending = {
        what: spec.what,
        responses: spec.responses,
        reqType: spec.type,
        secure: spec.secureKey !== undefined,
        seqs: [],
        resolve,
        reject,
      };
      const attempts = this.opts.attempts ?? 3;
      const timeout = this.requestTimeoutMs;
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
      const send = (attempt: number) => {
        const link = this.link;
        if (!link) return p.reject(new ApiError('port-failed', `The link to the node was lost before it answered (${spec.what})`));
        const seq = this.nextSeq();
        // A late answer to an earlier attempt is still an answer: every seq of it stays registered.
        p.seqs.push(seq);
        this.pending.set(seq, p);
        let frame: Uint8Array;
        if (spec.secureKey) {
          const counter = ++this.secureCounter;
          const payload = encodeSecure({ key: spec.secureKey, nonce: this.nonce!, seq, counter, innerType: spec.type, innerPayload: spec.payload ?? new Uint8Array(0) });
          frame = encodeFrame(MSG_SECURE, seq, payload);
        } else {
          frame = encodeFrame(spec.type, seq, spec.payload ?? new Uint8Array(0));
        }
        link.write(frame).catch((e: Error) => p.reject(new ApiError('port-failed', `Could not send ${spec.what} to the node: ${e.message}`)));
        p.timer = setTimeout(() => {
          if (attempt < attempts) {
            this.extra.retries++;
            send(attempt + 1);
          } else {
            this.extra.failedRequests++;
            const old = this.wire === undefined ? ' (its firmware may be too old for it)' : '';
            p.reject(new ApiError('timeout', `The node did not answer ${spec.what} (${attempts} attempts, ${timeout} ms each)${old}`));
          }
        }, timeout);
      };
      send(1);
    });
  }

  /** Response matching: seq AND type; an ACK/NACK must name the request's type. */
  private matchResponse(f: Frame): boolean {
    const p = this.pending.get(f.seq);
    if (!p) return false;
    if (f.type === MSG_NACK) {
      const n = decodeNack(f.payload);
      if (n.reqType !== p.reqType && !(p.secure && n.reqType === MSG_SECURE)) return false;
      this.extra.nacks++;
      const name = NACK_NAMES[n.reason] ?? `reason ${n.reason}`;
      p.reject(new ApiError('refused', `The node refused ${p.what}: ${nackReasonText(n.reason, n.detail)} (${name})`));
      return true;
    }
    if (!p.responses.includes(f.type)) return false;
    if (f.type === MSG_ACK && decodeAck(f.payload).reqType !== p.reqType) return false;
    p.resolve(f);
    return true;
  }

  private need(cap: Capability): void {
    const h = this.hello;
    if (!h || !this.link) {
      throw new ApiError('port-failed', `The node on ${this.path} is ${this.status === 'reconnecting' ? 'reconnecting; try again when it is back online' : 'not connected'}`);
    }
    if (!(this.caps & (1 << CAPABILITIES.indexOf(cap)))) {
      throw new ApiError('unsupported', `The node's firmware (${h.firmware}) is too old for ${CAPABILITY_WORDS[cap]}`);
    }
  }

  private has(cap: Capability): boolean {
    return (this.caps & (1 << CAPABILITIES.indexOf(cap))) !== 0;
  }

  private nextSeq(): number {
    const s = this.txSeq;
    this.txSeq = (this.txSeq + 1) & 0xffff;
    return s;
  }

  // ---- Incoming frames ---------------------------------------------------------------------------

  private onFrame(f: Frame): void {
    try {
      switch (f.type) {
        case MSG_FEATURES:
          this.onFeatures(f);
          return;
        case MSG_RAW_BLOCK:
          this.onRaw(f);
          return;
        case MSG_HELLO:
          this.onHello(f);
          return;
        case MSG_EVENT:
          this.onEvent(f);
          return;
        case MSG_LOG:
          this.onLog(f);
          return;
        case MSG_ACK:
        case MSG_NACK:
        case MSG_PONG:
        case MSG_CONFIG:
        case MSG_TIME:
          // A response nobody waits for (a late answer to a settled request) is dropped.
          this.matchResponse(f);
          return;
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
    const answer = this.helloReqSeqs.has(f.seq);
    const prevNonce = this.nonce;
    const uid = uidHex(h.uid);
    const prev = this.hello;
    this.hello = {
      uid,
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
    this.wire = h.info;
    this.caps = h.info ? h.info.capabilities >>> 0 : 0;
    if (h.info) {
      if (!prevNonce || hex(prevNonce) !== hex(h.info.linkNonce)) this.secureCounter = 0; // a new nonce restarts the counter
      this.nonce = h.info.linkNonce;
      if (h.info.paired === 1) this.opts.keys?.confirm(uid, hex(h.info.keyId));
    }
    if (prev && prev.uid !== uid) {
      // Another node on this port: nothing of the old one's streams carries over.
      this.streamRestarted();
      this.config = undefined;
    }
    const waiting = this.helloWaiters.length > 0;
    this.stopHandshake();
    for (const w of this.helloWaiters.splice(0)) w.resolve();
    for (const l of [...this.helloListeners]) l(h);
    // A HELLO nobody asked for, with a new nonce, outside a handshake: the node restarted. Its
    // streams start again (no gap) in mode 1; re-apply what the app chose.
    const rebooted = !answer && !waiting && prev !== undefined && (h.info === undefined || (prevNonce !== undefined && hex(prevNonce) !== hex(h.info.linkNonce)));
    if (rebooted && this.status === 'online') {
      this.streamRestarted();
      this.lastStreamTUs = undefined;
      void this.runSetup();
    }
    if (this.status === 'online' || this.status === 'error') {
      if (this.status === 'error') {
        this.status = 'online';
        this.message = undefined;
      }
      this.emitUpdate();
    }
  }

  private onFeatures(f: Frame): void {
    const m = decodeFeatures(f.payload);
    let gap = false;
    if (this.lastWindow !== undefined && m.windowIndex > this.lastWindow + 1) {
      this.extra.missedWindows += m.windowIndex - this.lastWindow - 1;
      gap = this.featuresGapPending;
    }
    // A window index that goes back is a new stream (node restart, hop change): not a gap.
    this.featuresGapPending = false;
    this.lastWindow = m.windowIndex;
    const out: FeatureFrame = { windowIndex: m.windowIndex, tUs: m.tUs, shaftHz: m.shaftHz, rmsG: m.rms };
    const F = m.fieldsPerAxis;
    if (F >= 2) out.peakG = m.values.map((v) => v[1]);
    if (F >= 3) out.crest = m.values.map((v) => v[2]);
    if (F >= 4) out.kurtosis = m.values.map((v) => v[3]);
    if (F >= 5) out.velocityMmS = m.values.map((v) => v[4]);
    if (m.anomalyScore !== undefined) out.anomalyScore = Number.isNaN(m.anomalyScore) ? null : m.anomalyScore;
    if (gap) out.gapReason = 'link-lost';
    this.emit('features', out);
  }

  private onRaw(f: Frame): void {
    const b = decodeRawBlock(f.payload);
    this.extra.rawBlocks++;
    let gap = false;
    if (this.nextRawFrame !== undefined && b.firstFrame > this.nextRawFrame) {
      this.extra.missedRawFrames += b.firstFrame - this.nextRawFrame;
      gap = this.rawGapPending;
    }
    this.rawGapPending = false;
    this.nextRawFrame = b.firstFrame + b.frameCount * b.decimation;
    const out: RawBlock = {
      firstFrame: b.firstFrame,
      axisCount: b.axisCount,
      decimation: b.decimation,
      scaleG: b.scaleG,
      frameCount: b.frameCount,
      samples: Array.from(b.samples),
    };
    if (gap) out.gapReason = 'link-lost';
    this.emit('raw', out);
  }

  private onEvent(f: Frame): void {
    const e = decodeEvent(f.payload);
    this.emit('event', {
      path: this.path,
      eventId: e.eventId,
      state: e.state === 1 ? 'started' : 'ended',
      debounceK: e.debounceK,
      debounceN: e.debounceN,
      startWindow: e.startWindow,
      endWindow: e.endWindow,
      startTUs: e.startTUs,
      endTUs: e.endTUs,
      peakScore: e.peakScore,
      threshold: e.threshold,
      modelVersion: e.modelVersion,
    });
  }

  private onLog(f: Frame): void {
    const l = decodeLog(f.payload);
    this.emit('log', { path: this.path, level: LOG_LEVELS[l.level] ?? 'info', code: l.code, text: l.text, atMs: Date.now() });
  }

  private streamRestarted(): void {
    this.lastWindow = undefined;
    this.nextRawFrame = undefined;
    this.featuresGapPending = false;
    this.rawGapPending = false;
  }

  private toLinkInfo(uid: string, i: HelloInfo): NodeLinkInfo {
    const keyId = i.paired === 1 ? hex(i.keyId) : '';
    return {
      protocolMinor: i.protocolMinor,
      capabilities: CAPABILITIES.filter((_, bit) => (i.capabilities >>> bit) & 1),
      link: i.link === 1 ? 'ble' : 'wired',
      paired: i.paired === 1,
      keyId,
      keyKnown: keyId !== '' && this.opts.keys?.find(uid, keyId) !== undefined,
      sensor: i.sensor === 0 ? 'none' : i.sensor === 1 ? 'iis3dwb' : 'unknown',
      rangeG: i.rangeG,
      stream: { features: (i.streamMode & STREAM_FEATURES) !== 0, raw: (i.streamMode & STREAM_RAW) !== 0, rawDecimation: i.rawDecimation },
      modelVersion: i.modelVersion,
      modelSource: MODEL_SOURCES[i.modelSource] ?? 'unknown',
      slots: i.slots.map((s) => ({ state: SLOT_STATES[s.state] ?? 'unknown', seq: s.seq, modelVersion: s.modelVersion })),
    };
  }

  /** Resolves true when a HELLO passing `test` arrives within `ms`, else false. */
  private waitForHello(test: (h: Hello) => boolean, ms: number): { promise: Promise<boolean>; cancel: () => void } {
    let done: (ok: boolean) => void = () => {};
    const promise = new Promise<boolean>((resolve) => (done = resolve));
    const listener = (h: Hello) => {
      if (test(h)) finish(true);
    };
    const timer = setTimeout(() => finish(false), ms);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      this.helloListeners = this.helloListeners.filter((l) => l !== listener);
      done(ok);
    };
    this.helloListeners.push(listener);
    return { promise, cancel: () => finish(false) };
  }

  private async sendHelloReq(): Promise<void> {
    const seq = this.nextSeq();
    this.helloReqSeqs.add(seq);
    await this.link?.write(encodeFrame(MSG_HELLO_REQ, seq)).catch(() => {});
  }

  // ---- Setup after a handshake -------------------------------------------------------------------

  /** CONFIG_GET, TIME sync, the app's stream settings: each only when the node has it. Never throws. */
  private setup(): Promise<void> {
    if (!this.setupRunning) {
      this.setupRunning = this.runSetupSteps().finally(() => {
        this.setupRunning = undefined;
      });
    }
    return this.setupRunning;
  }

  private async runSetup(): Promise<void> {
    await this.setup();
    this.emitUpdate();
  }

  private async runSetupSteps(): Promise<void> {
    if (!this.wire) return; // a 1.0 node: features only
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        if (!this.link) return;
        this.emit('log', { path: this.path, level: 'warning', code: 0, text: `${what}: ${(e as Error).message}`, atMs: Date.now() });
      }
    };
    // The stream first: it is what the technician watches; then the clock, then the settings.
    if (this.stream && this.has('stream')) {
      const s = this.stream;
      await step('Could not apply the stream settings again', () => this.sendStream('applying the stream settings', s));
    }
    if (this.has('time')) await step('Could not sync the node\'s clock', () => this.syncTime());
    if (this.has('config')) await step('Could not read the configuration', () => this.getConfig());
  }

  // ---- Links, loss and reconnect -----------------------------------------------------------------

  private attachLink(link: Link): void {
    if (this.deframer) this.oldStats = addStats(this.oldStats, this.deframer.stats);
    const deframer = new Deframer((f) => this.onFrame(f));
    // A node streams whether or not anyone listens: the first bytes may end a frame we missed.
    deframer.joinMidStream();
    this.deframer = deframer;
    this.link = link;
    this.helloReqSeqs = new Set();
    link.onData((chunk) => {
      if (this.link === link) deframer.push(chunk);
    });
    link.onClose((err) => {
      if (this.link === link) this.onLinkClosed(err);
    });
    this.startWatch();
  }

  /** Forgets the current link (its events are ignored from now on). */
  private detachLink(): void {
    this.link = undefined;
    this.stopHandshake();
    this.stopWatch();
    for (const p of new Set(this.pending.values())) p.reject(new ApiError('port-failed', `The link to the node was lost before it answered (${p.what})`));
  }

  private startWatch(): void {
    this.stopWatch();
    const present = this.opts.present;
    if (!present) return;
    this.watchTimer = setInterval(() => {
      if (!this.link || present()) return;
      // The port vanished (a pty whose other side went away is not always reported at once).
      const link = this.link;
      this.onLinkClosed(new Error(`port ${this.path} disappeared`));
      void link.close().catch(() => {});
    }, this.opts.pollMs ?? 200);
    this.watchTimer.unref();
  }

  private stopWatch(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  private onLinkClosed(err?: Error): void {
    this.detachLink();
    if (!this.ended && err && this.everOnline) {
      this.enterReconnecting(err);
      this.scheduleReconnect(0);
      return;
    }
    this.goOffline(err);
  }

  private goOffline(err?: Error): void {
    this.stopReconnectTimer();
    this.stopWatch();
    this.status = 'offline';
    this.message = this.lostReason ?? (err ? `The link to the node was lost: ${err.message}` : 'Disconnected');
    for (const w of this.helloWaiters.splice(0)) w.reject(new Error(this.message));
    this.emitUpdate();
    this.emit('closed', err);
  }

  private enterReconnecting(err: Error): void {
    if (this.status !== 'reconnecting') {
      this.status = 'reconnecting';
      this.reconnectState = { attempts: 0, sinceMs: Date.now() };
      this.openFailures = 0;
      this.nextOpenAt = 0;
    }
    this.message = `The link to the node was lost (${err.message}); reconnecting`;
    this.featuresGapPending = true;
    this.rawGapPending = true;
    this.emitUpdate();
  }

  private scheduleReconnect(ms: number): void {
    if (!this.opts.reopen || this.ended) return; // BLE: the renderer attaches a new link
    this.stopReconnectTimer();
    this.reconnectTimer = setTimeout(() => void this.reconnectTick(), ms);
  }

  private stopReconnectTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private async reconnectTick(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.ended || this.status !== 'reconnecting' || this.link) return;
    const poll = this.opts.pollMs ?? 200;
    if (this.opts.present && !this.opts.present()) {
      // Not there: the next appearance is tried at once.
      this.openFailures = 0;
      this.nextOpenAt = 0;
      return this.scheduleReconnect(poll);
    }
    const wait = this.nextOpenAt - Date.now();
    if (wait > 0) return this.scheduleReconnect(Math.min(wait, poll));
    this.reconnectState!.attempts++;
    let link: Link;
    try {
      link = await this.opts.reopen!();
    } catch {
      this.backOff();
      this.emitUpdate();
      return this.scheduleReconnect(Math.min(poll, this.nextOpenAt - Date.now()));
    }
    if (this.ended) {
      await link.close().catch(() => {});
      return;
    }
    this.attachLink(link);
    await this.resume().catch(() => {});
  }

  /** After a failed open (or a port where no node answers): the next open waits 200, 400, 800 ms, then 2 s. */
  private backOff(): void {
    const backoff = this.opts.backoffMs ?? [200, 400, 800, 2000];
    this.nextOpenAt = Date.now() + backoff[Math.min(this.openFailures++, backoff.length - 1)];
  }

  /** Handshake on a freshly attached link, then setup; online again, or back to reconnecting. */
  private async resume(): Promise<void> {
    const link = this.link;
    try {
      await this.handshake();
    } catch (e) {
      if (this.link === link && link) {
        // The port is there but no node answers: drop it and keep trying.
        this.detachLink();
        void link.close().catch(() => {});
        if (!this.ended) {
          this.enterReconnecting(e as Error);
          this.backOff();
          this.scheduleReconnect(this.opts.pollMs ?? 200);
        }
      }
      throw e;
    }
    if (this.status === 'reconnecting') this.extra.reconnects++;
    await this.setup();
    if (this.link === link) this.goOnline();
  }

  private goOnline(): void {
    this.everOnline = true;
    this.status = 'online';
    this.message = undefined;
    this.reconnectState = undefined;
    this.emitUpdate();
  }

  private async shutdown(): Promise<void> {
    this.stopHandshake();
    this.stopReconnectTimer();
    this.stopWatch();
    const link = this.link;
    if (link) {
      await link.close(); // its close event ends the session (offline)
      if (this.status !== 'offline') this.onLinkClosed(undefined);
    } else if (this.status !== 'offline') {
      this.goOffline();
    }
  }

  private stopHandshake(): void {
    if (this.helloTimer) clearInterval(this.helloTimer);
    if (this.helloDeadline) clearTimeout(this.helloDeadline);
    this.helloTimer = undefined;
    this.helloDeadline = undefined;
  }

  private failHandshake(message: string): void {
    this.stopHandshake();
    const err = new Error(message);
    const waiters = this.helloWaiters.splice(0);
    if (this.status === 'connecting') {
      this.status = 'error';
      this.message = message;
      this.emitUpdate();
    }
    for (const w of waiters) w.reject(err);
  }

  private emitUpdate(): void {
    this.emit('update', this.info());
  }
}

