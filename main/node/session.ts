/**
 * One session per node link (a serial port, or a Bluetooth LE device relayed by the renderer):
 * link -> deframer -> message decoder -> typed events (docs/protocol.md). This file is the
 * orchestration: the technician's requests, the incoming frames and the setup after a handshake.
 * The link's life (handshake, loss, reconnecting) is sessionLink.ts, the request layer requests.ts,
 * the reconnect state machine reconnect.ts, the wire-to-API mapping wireToApi.ts.
 *
 *  - Handshake (6.1): 0x00, HELLO_REQ every 500 ms until a HELLO, 10 s at most. A 1.1 node's
 *    INFO block gives its capabilities; then CONFIG_GET, TIME sync (three TIME_REQ, the smallest
 *    round trip kept) and the stream settings the app chose are applied again. A request whose
 *    capability bit is clear is never sent (a 1.0 node streams features and nothing else).
 *  - SECURE (3.13): over Bluetooth LE, CONFIG_SET and STREAM travel inside SECURE when the app
 *    holds the node's key.
 *  - Gaps: FEATURES window_index and RAW_BLOCK first_frame jumps are counted
 *    (models/protocol/continuity.ts); the first frame or block after a reconnect that skipped
 *    some carries gapReason 'link-lost'. A stream that goes back (node restart, hop change) starts
 *    again and is not a gap.
 */
import { randomBytes } from 'node:crypto';
import * as P from '../../models/protocol/index';
import { LOG_CODE_FRAMES_DROPPED, StreamContinuity, type Frame } from '../../models/protocol/index';
import { ApiError, type ModelProgress, type NodeConfig, type NodeConfigChanges, type NodeInfo, type StreamSettings, type TimeSync } from '../../models/api/contract';
import { CLEAR_CHUNK_MINOR, MODEL_CHUNK_DATA_MAX, MODEL_CHUNK_DATA_MAX_SECURE, MSG_MODEL_CHUNK, MSG_MODEL_STATUS } from '../../models/protocol/transfer';
import { isModelRequest } from '../../models/gateway/commands';
import { deployModelFile, NodeModelUpdate, rollbackModelTo } from '../ota/nodeUpdate';
import { SessionLink } from './sessionLink';
import * as W from './wireToApi';
import { SecureStale } from './requests';

export type { SessionOptions } from './sessionLink';

/** A detector change alone (the learning percent) is pushed at most this often. */
const DETECTOR_UPDATE_MS = 250;

/** Wall-clock microseconds with sub-millisecond resolution. */
function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export class NodeSession extends SessionLink {
  private setupRunning: Promise<void> | undefined;
  private readonly windows = new StreamContinuity();
  private readonly rawFrames = new StreamContinuity();
  private lastStreamTUs: number | undefined;
  /** When a detector change alone last made an update (see onFeatures). */
  private detectorSaidMs = 0;
  private readonly frameHandlers: Record<number, (f: Frame) => void> = {
    [P.MSG_FEATURES]: (f) => this.onFeatures(f),
    [P.MSG_RAW_BLOCK]: (f) => this.onRaw(f),
    [P.MSG_HELLO]: (f) => this.onHello(f),
    [P.MSG_EVENT]: (f) => this.onEvent(f),
    [P.MSG_LOG]: (f) => this.onLog(f),
    // A workstation's model request relayed by a plant gateway waits for its MODEL_STATUS by seq first.
    [MSG_MODEL_STATUS]: (f) => {
      if (!this.requests.match(f)) this.model.onFrame(f.type, f.payload);
    },
  };
  /** The payload of the latest HELLO, as it came (a gateway hands it to the workstation that asked for it). */
  private lastHelloPayload: Uint8Array | undefined;
  private readonly model = new NodeModelUpdate(
    {
      path: this.path,
      post: (type, payload) => {
        const key = type === MSG_MODEL_CHUNK && this.clearChunks() ? undefined : this.secureKey();
        return this.requests.post({ type, payload, ...(key ? { secureKey: key } : {}) });
      },
      key: () => this.pairingKey(),
      // The largest chunk that fits a frame: the link packs frames into its writes end to end, so
      // a chunk need not match the Bluetooth LE write, and a longer one spends less on framing.
      chunk: () => {
        const most = this.opts.modelTransfer?.chunkMax ?? MODEL_CHUNK_DATA_MAX;
        const fits = this.secureKey() && !this.clearChunks() ? MODEL_CHUNK_DATA_MAX_SECURE : MODEL_CHUNK_DATA_MAX;
        return Math.floor(Math.min(most, fits) / 4) * 4;
      },
      askHello: async () => {
        // Waits for the answer: a HELLO brings a new link nonce, and a SECURE request sent before
        // it arrives would carry the old one (the node would drop it).
        const answer = this.handshakes.waitFor(() => true, this.requestTimeoutMs);
        await this.handshakes.sendHelloReq();
        await answer.promise;
      },
      progress: (p) => this.emit('model', p),
    },
    { timeoutMs: this.requestTimeoutMs, ...(this.opts.modelTransfer?.window ? { window: this.opts.modelTransfer.window } : {}) },
  );

  // ---- Model updates (docs/protocol.md 3.14, 6.4) ---------------------------------------------------

  /** Starts sending a model file (.vgm), signed here with the node's pairing key; progress comes as 'model' events. */
  deployModel(file: Uint8Array): ModelProgress {
    this.need('model-update');
    const key = this.pairingKey();
    if (!key) throw new ApiError('refused', 'This app holds no pairing key for the node: pair it over the cable before updating its model');
    return deployModelFile(this.model, file, key, Date.now());
  }

  /** Asks the node to return to an older confirmed model. */
  rollbackModel(version: number): ModelProgress {
    this.need('model-update');
    return rollbackModelTo(this.model, version, Date.now());
  }

  /** The latest model update of this session, if any. */
  modelProgress(): ModelProgress | undefined {
    return this.model.state;
  }

  override async close(): Promise<void> {
    this.model.stop();
    await super.close();
  }

  override async lost(reason: string): Promise<void> {
    this.model.stop();
    await super.lost(reason);
  }

  protected linkLost(): void {
    this.model.linkDown();
  }

  protected relinked(): void {
    this.model.reconnected(Date.now());
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
    const fresh = this.handshakes.waitFor((h) => h.info !== undefined && h.info.paired === 1 && W.hex(h.info.keyId) === keyId, 1000);
    try {
      await this.request({ what: 'pairing', type: P.MSG_PAIR, payload: P.encodePair({ key, name: name ?? '' }), responses: [P.MSG_ACK] });
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
      const again = this.handshakes.waitFor((h) => h.info !== undefined && W.hex(h.info.keyId) === keyId, this.requestTimeoutMs * 3);
      await this.handshakes.sendHelloReq();
      ok = await again.promise;
    }
    if (!ok) throw new ApiError('timeout', 'The node accepted the pairing key but did not confirm it in a HELLO; connect it again to check');
    keys.confirm(uid, keyId);
    this.emitUpdate();
    return this.info();
  }

  async getConfig(): Promise<NodeConfig> {
    this.need('config');
    const f = await this.request({ what: 'reading the configuration', type: P.MSG_CONFIG_GET, responses: [P.MSG_CONFIG] });
    const values = this.decodeReply('a configuration', () => P.entriesToConfig(P.decodeConfigEntries(f.payload)));
    const h = this.hello!;
    this.config = W.configToApi(values, h, this.wire);
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
      payload = P.encodeConfigEntries(P.configToEntries(changes));
    } catch (e) {
      throw new ApiError('bad-request', `The configuration cannot be sent: ${(e as Error).message}`);
    }
    await this.command('changing the configuration', P.MSG_CONFIG_SET, payload);
    return this.getConfig();
  }

  async setStream(s: StreamSettings): Promise<NodeInfo> {
    this.need('stream');
    if (s.raw) this.need('raw');
    const rawWasOn = this.wire ? (this.wire.streamMode & P.STREAM_RAW) !== 0 : false;
    await this.sendStream('changing the stream settings', s);
    if (s.raw && !rawWasOn) this.rawFrames.reset(); // a new raw stream: its first block is no gap
    this.stream = { ...s };
    this.emitUpdate();
    return this.info();
  }

  /** STREAM (SECURE on BLE), then the link's INFO shows the new mode. Raw only where the node has it. */
  private async sendStream(what: string, s: StreamSettings): Promise<void> {
    const mode = (s.features ? P.STREAM_FEATURES : 0) | (s.raw && this.has('raw') ? P.STREAM_RAW : 0);
    await this.command(what, P.MSG_STREAM, P.encodeStream({ mode, rawDecimation: s.rawDecimation }));
    if (this.wire) this.wire = { ...this.wire, streamMode: mode, rawDecimation: s.rawDecimation };
  }

  /** TIME_REQ three times; keeps the answer with the smallest round trip (3.10). */
  async syncTime(rounds = 3): Promise<TimeSync> {
    this.need('time');
    let best: TimeSync | undefined;
    let bestStreamT = 0;
    for (let i = 0; i < rounds; i++) {
      const sent = nowUs();
      const f = await this.request({ what: 'time sync', type: P.MSG_TIME_REQ, payload: P.encodeTimeReq(sent), responses: [P.MSG_TIME] });
      const got = nowUs();
      const t = this.decodeReply('a TIME', () => P.decodeTime(f.payload));
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
    const f = await this.request({ what: 'ping', type: P.MSG_PING, payload: P.encodePing(data), responses: [P.MSG_PONG] });
    const rttMs = performance.now() - t0;
    const echo = P.decodePong(f.payload);
    if (W.hex(echo) !== W.hex(data)) throw new ApiError('internal', 'The node answered the ping with other bytes than it was sent');
    return { rttMs };
  }

  // ---- Commands relayed for a plant gateway's workstations (main/gateway/commands.ts) ----------

  /** The nonce of the link's latest HELLO, 16 hex digits; '' before one with an INFO block. */
  linkNonce(): string {
    return this.nonce ? W.hex(this.nonce) : '';
  }

  /**
   * Writes a workstation's frame as it came (a SECURE signed there, or CONFIG_GET) with its own seq
   * and resolves with the node's answer as it came (ACK, NACK, CONFIG), undefined when none came in
   * one request timeout. The gateway holds no key: the node checks the SECURE tag. An accepted STREAM
   * becomes this session's stream settings (re-applied after a reconnect, like the app's own), an
   * accepted CONFIG_SET is read back so NodeInfo shows it.
   */
  async relay(type: number, seq: number, payload: Uint8Array): Promise<Frame | undefined> {
    if (!this.link || !this.hello) throw new ApiError('port-failed', `The node on ${this.path} is ${this.status === 'reconnecting' ? 'reconnecting' : 'not connected'}`);
    const inner = type === P.MSG_SECURE ? P.decodeSecure(payload) : undefined;
    const reqType = inner ? inner.innerType : type;
    // The model transfer's requests are answered by ACK or MODEL_STATUS (docs/protocol.md 3.14).
    const responses = type === P.MSG_CONFIG_GET ? [P.MSG_CONFIG] : isModelRequest(reqType) ? [P.MSG_ACK, MSG_MODEL_STATUS] : [P.MSG_ACK];
    const f = await this.requests.relay(type, seq, payload, reqType, responses, this.requestTimeoutMs);
    if (inner && f?.type === P.MSG_ACK) {
      if (inner.innerType === P.MSG_STREAM) {
        const st = P.decodeStream(inner.innerPayload);
        this.stream = { features: (st.mode & P.STREAM_FEATURES) !== 0, raw: (st.mode & P.STREAM_RAW) !== 0, rawDecimation: st.rawDecimation };
        if (this.wire) this.wire = { ...this.wire, streamMode: st.mode, rawDecimation: st.rawDecimation };
        this.emitUpdate();
      } else if (inner.innerType === P.MSG_CONFIG_SET) await this.getConfig().catch(() => {});
    }
    return f;
  }

  /**
   * HELLO_REQ for a gateway's workstation (after a model update, to learn the model the node runs):
   * resolves with the node's HELLO payload as it came, undefined when none came in time. The HELLO
   * is this session's as well: it brings the link's new nonce, which the gateway then publishes.
   */
  async relayHello(): Promise<Uint8Array | undefined> {
    if (!this.link || !this.hello) throw new ApiError('port-failed', `The node on ${this.path} is ${this.status === 'reconnecting' ? 'reconnecting' : 'not connected'}`);
    const answer = this.handshakes.waitFor(() => true, this.requestTimeoutMs * 3);
    await this.handshakes.sendHelloReq();
    return (await answer.promise) ? this.lastHelloPayload : undefined;
  }

  /** Decodes a response payload; one the app cannot read is counted and said in plain words. */
  private decodeReply<T>(what: string, decode: () => T): T {
    try {
      return decode();
    } catch (e) {
      this.counters.badPayload++;
      throw new ApiError('internal', `The node sent ${what} this app cannot read: ${(e as Error).message}`);
    }
  }

  /**
   * A command that over Bluetooth LE travels inside SECURE when the app holds the node's key. A
   * SECURE refused as AUTH_FAILED or REPLAY may only mean a stale nonce (anyone in range can make
   * the node draw a new one with HELLO_REQ, docs/protocol.md §3.13): the app re-reads the nonce
   * with one HELLO_REQ of its own and retries once; a second refusal stands.
   */
  private async command(what: string, type: number, payload: Uint8Array): Promise<Frame> {
    const key = this.secureKey();
    if (!key) return this.request({ what, type, payload, responses: [P.MSG_ACK] });
    try {
      return await this.request({ what, type, payload, responses: [P.MSG_ACK], secureKey: key });
    } catch (e) {
      if (!(e instanceof SecureStale)) throw e;
      const fresh = this.handshakes.waitFor((h) => h.info !== undefined, this.requestTimeoutMs * 3);
      await this.handshakes.sendHelloReq();
      if (!(await fresh.promise)) throw e;
      return this.request({ what, type, payload, responses: [P.MSG_ACK], secureKey: key });
    }
  }

  /** A 1.3 node takes MODEL_CHUNK in the clear over Bluetooth LE: BEGIN and COMMIT authenticate the image (docs/protocol.md 3.14). */
  private clearChunks(): boolean {
    return (this.wire?.protocolMinor ?? 0) >= CLEAR_CHUNK_MINOR;
  }

  // ---- Incoming frames ---------------------------------------------------------------------------

  protected onFrame(f: Frame): void {
    this.condition.heard(Date.now());
    try {
      const handler = this.frameHandlers[f.type];
      if (handler) handler(f);
      // A response nobody waits for (a late answer to a settled request) is dropped.
      else if (f.type === P.MSG_ACK || f.type === P.MSG_NACK) {
        // A request's answer, else perhaps one of the model transfer (it matches its own replies).
        if (!this.requests.match(f)) this.model.onFrame(f.type, f.payload);
      } else if (f.type === P.MSG_PONG || f.type === P.MSG_CONFIG || f.type === P.MSG_TIME) this.requests.match(f);
      else this.counters.unknownType++;
    } catch (e) {
      if (e instanceof P.PayloadError) this.counters.badPayload++;
      else throw e;
    }
  }

  private onHello(f: Frame): void {
    const h = P.decodeHello(f.payload);
    this.lastHelloPayload = f.payload;
    const answer = this.handshakes.isAnswer(f.seq);
    const prevNonce = this.nonce;
    const prev = this.hello;
    this.hello = W.helloToApi(h);
    const uid = this.hello.uid;
    this.wire = h.info;
    this.caps = h.info ? h.info.capabilities >>> 0 : 0;
    if (h.info) {
      if (!prevNonce || W.hex(prevNonce) !== W.hex(h.info.linkNonce)) this.requests.restartSecureCounter(); // a new nonce restarts the counter
      this.nonce = h.info.linkNonce;
      if (h.info.paired === 1) {
        this.opts.keys?.confirm(uid, W.hex(h.info.keyId));
        this.opts.keys?.noteHello(uid, W.hex(h.info.keyId));
      }
      this.model.helloSaid(h.info.modelVersion);
    }
    if (prev && prev.uid !== uid) {
      // Another node on this port: nothing of the old one's streams carries over.
      this.streamRestarted();
      this.config = undefined;
    }
    const waiting = this.handshakes.hello(h);
    // A HELLO nobody asked for, with a new nonce, outside a handshake: the node restarted. Its
    // streams start again (no gap) in mode 1; re-apply what the app chose.
    const rebooted = !answer && !waiting && prev !== undefined && (h.info === undefined || (prevNonce !== undefined && W.hex(prevNonce) !== W.hex(h.info.linkNonce)));
    // The alarm and detector main keeps: a node that restarted has no alarm on any more; one that
    // answered our HELLO_REQ repeats its alarm if it is still on (docs/protocol.md §3.3).
    const kind = prev && prev.uid !== uid ? 'other-node' : answer ? 'answer' : rebooted ? 'restarted' : 'unasked';
    const conditionChanged = this.condition.hello(h.info ? W.linkInfoToApi(h.info, () => false) : undefined, kind, Date.now());
    if (rebooted && this.status === 'online') {
      this.streamRestarted();
      this.lastStreamTUs = undefined;
      void this.setup().then(() => this.emitUpdate());
    }
    if (this.status === 'online' || this.status === 'error' || conditionChanged) {
      if (this.status === 'error') {
        this.status = 'online';
        this.message = undefined;
      }
      this.emitUpdate();
    }
  }

  private onFeatures(f: Frame): void {
    const m = P.decodeFeatures(f.payload);
    // A window index that goes back is a new stream (node restart, hop change): not a gap.
    const step = this.windows.observe(m.windowIndex);
    if (step.kind === 'missed') {
      this.counters.missedWindows += step.missed;
      if (this.losses.missed({ windows: step.missed, nowMs: Date.now(), firstMissingMs: this.wallMsOfWindow(m.tUs, step.missed), linkLost: this.featuresGapPending }) === 'new') this.emitUpdate();
    }
    const out = W.featuresToApi(m);
    if (step.kind === 'missed' && this.featuresGapPending) out.gapReason = 'link-lost';
    this.featuresGapPending = false;
    // An alarm change is said at once; a detector change (learning percent) at most every 250 ms,
    // else with the manager's once-a-second refresh: a state that flips per window floods nothing.
    const now = Date.now();
    const changed = this.condition.features(out, now);
    if (changed === 'alarm' || (changed === 'detector' && now - this.detectorSaidMs >= DETECTOR_UPDATE_MS)) {
      if (changed === 'detector') this.detectorSaidMs = now;
      this.emitUpdate();
    }
    this.emit('features', out);
  }

  /** LOG; a LOG 7 (the node's send buffer dropped frames) explains the data loss around it. */
  private onLog(f: Frame): void {
    const l = P.decodeLog(f.payload);
    const now = Date.now();
    if (l.code === LOG_CODE_FRAMES_DROPPED && this.losses.nodeDropped(now)) this.emitUpdate();
    this.emit('log', W.logToApi(this.path, l, now));
  }

  /**
   * Wall clock of the first of `missed` windows before the one ending at node time tUs (the node's
   * clock mapped by TIME); undefined before a time sync or a HELLO.
   */
  private wallMsOfWindow(tUs: number, missed: number): number | undefined {
    const h = this.hello;
    if (!this.time || !h || !(h.sampleRateHz > 0)) return undefined;
    return (tUs - (missed * h.hop * 1e6) / h.sampleRateHz + this.time.offsetUs) / 1000;
  }

  /** EVENT: main's alarm state first, so the node.updated that follows says it. */
  private onEvent(f: Frame): void {
    const e = W.eventToApi(this.path, P.decodeEvent(f.payload));
    const changed = this.condition.event(e, Date.now());
    this.emit('event', e);
    if (changed) this.emitUpdate();
  }

  private onRaw(f: Frame): void {
    const b = P.decodeRawBlock(f.payload);
    this.counters.rawBlocks++;
    const step = this.rawFrames.observe(b.firstFrame, b.frameCount * b.decimation);
    if (step.kind === 'missed') {
      this.counters.missedRawFrames += step.missed;
      if (this.losses.missed({ rawFrames: step.missed, nowMs: Date.now(), linkLost: this.rawGapPending }) === 'new') this.emitUpdate();
    }
    const out = W.rawToApi(b);
    if (step.kind === 'missed' && this.rawGapPending) out.gapReason = 'link-lost';
    this.rawGapPending = false;
    this.emit('raw', out);
  }

  private streamRestarted(): void {
    this.windows.reset();
    this.rawFrames.reset();
    this.featuresGapPending = false;
    this.rawGapPending = false;
  }

  // ---- Setup after a handshake -------------------------------------------------------------------

  /** CONFIG_GET, TIME sync, the app's stream settings: each only when the node has it. Never throws. */
  protected setup(): Promise<void> {
    this.setupRunning ??= this.runSetupSteps().finally(() => {
      this.setupRunning = undefined;
    });
    return this.setupRunning;
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
}
