/**
 * A workstation's commands to a node reached through a plant gateway (docs/gateway.md, "Commands"):
 * CONFIG_SET and STREAM travel as the node's own SECURE payload, signed here with the pairing key
 * this workstation holds (main/node/keys.ts) over the node link's nonce the gateway publishes; the
 * gateway writes the bytes to the node, which checks the tag. CONFIG_GET (read only) travels in the
 * clear. Each command is one Sparkplug DCMD; the node's answer comes back as a DDATA naming the
 * command's id, with the link's nonce and the highest counter the gateway forwarded, which every
 * workstation keeps so its next command is signed with a counter above it.
 *
 * Like the request layer of a local node (main/node/requests.ts): the node's answer is awaited with a
 * timeout, a NACK becomes its reason in plain words, a command the node did not answer is sent again
 * (3 attempts, each with a new seq and counter), and a SECURE refused as AUTH_FAILED or REPLAY may only
 * mean a stale nonce or counter: the gateway is asked for both and the command is signed again once.
 * A model update goes through `models` (main/gateway/remoteModel.ts), which uses `fire` (a DCMD whose
 * reply is handed on, not awaited) for its window of requests.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type Capability, type ModelProgress, type NodeConfig, type NodeConfigChanges, type NodeInfo, type StreamSettings } from '../../models/api/contract';
import {
  commandMetrics,
  nonceBytes,
  RELAY_CONFIG_GET,
  RELAY_SECURE,
  RELAY_SEQ_MIN,
  RELAY_STATE,
  type RelayReply,
} from '../../models/gateway/commands';
import { sparkplugTopic, type Metric } from '../../models/gateway/sparkplug';
import * as P from '../../models/protocol/index';
import type { KeyStore } from '../node/keys';
import { refusalText } from '../node/requests';
import { configToApi } from '../node/wireToApi';
import { RemoteModels, type RemoteModelOptions } from './remoteModel';

/** The nonce and counter a workstation signs with, kept per gateway node from its DBIRTH and every reply. */
export interface SecureState {
  nonce: string;
  counter: number;
}

export interface RemoteNode {
  info: NodeInfo;
  secure: SecureState;
}

export interface RemoteHost {
  group: string;
  /** The workstation's MQTT user, sent as command/origin (the gateway logs it). */
  origin: string;
  keys: KeyStore | undefined;
  node(path: string): RemoteNode | undefined;
  /** Publishes a DCMD (QoS 1); rejects when the client cannot send it. */
  publish(topic: string, metrics: Metric[]): Promise<void>;
  /** The node's NodeInfo changed here (its stream or configuration). */
  updated(path: string, info: NodeInfo): void;
  /** A model update's progress (main/gateway/remoteModel.ts), told like a local node's ('node.model'). */
  modelProgress?(p: ModelProgress): void;
}

export interface RemoteOptions {
  /** How long a command waits for the gateway's reply (default 5000 ms). */
  timeoutMs?: number;
  /** Attempts when the node did not answer the gateway (default 3). */
  attempts?: number;
  /** The model transfer through the gateway (main/gateway/remoteModel.ts). */
  model?: RemoteModelOptions;
}

interface Waiting {
  resolve: (r: RelayReply) => void;
  timer: NodeJS.Timeout;
}

export class RemoteCommands {
  private readonly waiting = new Map<string, Waiting>();
  /** Model updates of this broker's nodes, each request a DCMD (main/gateway/remoteModel.ts). */
  readonly models: RemoteModels;

  constructor(
    private readonly host: RemoteHost,
    private readonly opts: RemoteOptions = {},
  ) {
    this.models = new RemoteModels(this, { node: (path) => host.node(path), progress: (p) => host.modelProgress?.(p) }, opts.model);
  }

  /** A reply DDATA heard for `path`: the node's nonce and counter, and the command waiting for it. */
  onReply(path: string, r: RelayReply): void {
    const n = this.host.node(path);
    if (n && r.nonce) {
      if (n.secure.nonce !== r.nonce) n.secure = { nonce: r.nonce, counter: r.counter };
      else n.secure.counter = Math.max(n.secure.counter, r.counter);
    }
    const w = this.waiting.get(r.id);
    if (!w) return;
    this.waiting.delete(r.id);
    clearTimeout(w.timer);
    w.resolve(r);
  }

  /** Every waiting command fails (the broker was lost, the entry removed). */
  rejectAll(why: string): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.resolve({ id, result: 'offline', message: why, nonce: '', counter: 0 });
    }
    this.waiting.clear();
  }

  async getConfig(path: string): Promise<NodeConfig> {
    const n = this.usable(path, 'config');
    const r = await this.attempt(path, 'reading the configuration', () => ({ type: RELAY_CONFIG_GET, seq: this.seq(), payload: new Uint8Array(0) }));
    const f = this.answerFrame(r, 'reading the configuration', P.MSG_CONFIG_GET, [P.MSG_CONFIG]);
    let values;
    try {
      values = P.entriesToConfig(P.decodeConfigEntries(f.payload));
    } catch (e) {
      throw new ApiError('internal', `The node sent a configuration this app cannot read: ${(e as Error).message}`);
    }
    const h = n.info.hello!;
    // What CONFIG leaves out comes from the DBIRTH, as a local node's comes from its HELLO.
    const config = configToApi(values.rangeG === undefined && h.info ? { ...values, rangeG: h.info.rangeG } : values, h, undefined);
    const now = this.host.node(path) ?? n;
    now.info = { ...now.info, config, hello: { ...now.info.hello!, name: config.name, hop: config.hop } };
    this.host.updated(path, now.info);
    return { ...config };
  }

  async setConfig(path: string, changes: NodeConfigChanges): Promise<NodeConfig> {
    this.usable(path, 'config');
    let payload: Uint8Array;
    try {
      payload = P.encodeConfigEntries(P.configToEntries(changes));
    } catch (e) {
      throw new ApiError('bad-request', `The configuration cannot be sent: ${(e as Error).message}`);
    }
    await this.signed(path, 'changing the configuration', P.MSG_CONFIG_SET, payload);
    return this.getConfig(path);
  }

  async setStream(path: string, s: StreamSettings): Promise<NodeInfo> {
    const n = this.usable(path, 'stream');
    if (s.raw && !n.info.hello?.info?.capabilities.includes('raw')) throw new ApiError('unsupported', `The node's firmware (${n.info.hello?.firmware}) cannot stream raw samples`);
    const mode = (s.features ? P.STREAM_FEATURES : 0) | (s.raw ? P.STREAM_RAW : 0);
    await this.signed(path, 'changing the stream settings', P.MSG_STREAM, P.encodeStream({ mode, rawDecimation: s.rawDecimation }));
    const now = this.host.node(path) ?? n;
    const info = now.info.hello?.info;
    now.info = { ...now.info, stream: { ...s }, ...(info && now.info.hello ? { hello: { ...now.info.hello, info: { ...info, stream: { ...s } } } } : {}) };
    this.host.updated(path, now.info);
    return now.info;
  }

  /**
   * A SECURE command signed with `key` (default: the pairing key this workstation holds for the node);
   * resolves on the node's ACK, throws its NACK in plain words.
   */
  async signed(path: string, what: string, innerType: number, innerPayload: Uint8Array, key?: Uint8Array): Promise<void> {
    const n = this.usable(path, 'secure');
    const k = key ?? this.pairingKey(n);
    const make = () => {
      const f = this.signFrame(this.host.node(path) ?? n, k, innerType, innerPayload);
      if (!f) throw new ApiError('unsupported', 'The gateway has not said the node link\'s nonce yet; try again in a moment');
      return f;
    };
    let r = await this.attempt(path, what, make);
    if (this.stale(r)) {
      // Perhaps a stale nonce or counter (the gateway's link shook hands again, another workstation
      // signed meanwhile): ask the gateway for both, then sign once more; a second refusal stands.
      const s = await this.send(path, 'the node link\'s nonce', { type: RELAY_STATE, seq: 0, payload: new Uint8Array(0) });
      if (s.result === 'state') r = await this.attempt(path, what, make);
    }
    this.answerFrame(r, what, innerType, [P.MSG_ACK]);
  }

  // ---- one command ----

  /** The node, when it is online, says what it can do and can do `cap`; else ApiError in plain words. */
  usable(path: string, cap: Capability): RemoteNode {
    const n = this.host.node(path);
    if (!n) throw new ApiError('not-found', `No node ${path} is known through a gateway`);
    const edge = n.info.gateway?.edge ?? '?';
    if (n.info.status !== 'online') throw new ApiError('port-failed', `The node is ${n.info.status}${n.info.message ? `: ${n.info.message}` : ''}`);
    const info = n.info.hello?.info;
    if (!info) throw new ApiError('unsupported', `The gateway ${edge} does not say what this node can do (an older gateway): commands cannot be sent through it`);
    const what: Partial<Record<Capability, string>> = { secure: 'signed commands', config: 'reading or changing its configuration', stream: 'stream settings', 'model-update': 'model updates' };
    if (!info.capabilities.includes(cap)) throw new ApiError('unsupported', `The node's firmware (${n.info.hello!.firmware}) is too old for ${what[cap] ?? cap}`);
    return n;
  }

  /** The pairing key this workstation holds for the node; ApiError 'refused' in plain words when none. */
  pairingKey(n: RemoteNode): Uint8Array {
    const info = n.info.hello!.info!;
    if (!info.paired) throw new ApiError('refused', 'The node is not paired, so it takes no signed commands: pair it over the cable with this workstation, then connect it to the gateway again');
    const key = this.host.keys?.find(n.info.hello!.uid, info.keyId);
    if (!key) throw new ApiError('refused', `This workstation does not hold the node's pairing key (key ${info.keyId}), so it cannot sign commands for it: pair the node over the cable with this workstation first`);
    return key;
  }

  private seq(): number {
    return RELAY_SEQ_MIN + (randomBytes(2).readUInt16LE(0) % (0x10000 - RELAY_SEQ_MIN));
  }

  private stale(r: RelayReply): boolean {
    if (r.result !== 'answered' || r.replyType !== P.MSG_NACK || !r.reply) return false;
    try {
      const nack = P.decodeNack(r.reply);
      return nack.reason === P.NACK_AUTH_FAILED || nack.reason === P.NACK_REPLAY;
    } catch {
      return false;
    }
  }

  /** Sends until the node answered (or the gateway refused); a command the node did not answer goes again, freshly made. */
  private async attempt(path: string, what: string, make: () => { type: number; seq: number; payload: Uint8Array }): Promise<RelayReply> {
    const attempts = this.opts.attempts ?? 3;
    let r: RelayReply | undefined;
    for (let i = 0; i < attempts; i++) {
      r = await this.send(path, what, make());
      if (r.result !== 'no-answer') return r;
    }
    return r!;
  }

  /**
   * A SECURE frame for the node, signed now with `key` over the nonce and the next counter this
   * workstation knows; undefined while the gateway has not said the nonce.
   */
  secureFrame(path: string, key: Uint8Array, innerType: number, innerPayload: Uint8Array): { type: number; seq: number; payload: Uint8Array } | undefined {
    const node = this.host.node(path);
    return node && this.signFrame(node, key, innerType, innerPayload);
  }

  /** Signs for `node` over its link's nonce and its next counter, with a fresh relay seq; undefined without a nonce. */
  private signFrame(node: RemoteNode, key: Uint8Array, innerType: number, innerPayload: Uint8Array): { type: number; seq: number; payload: Uint8Array } | undefined {
    const nonce = nonceBytes(node.secure.nonce);
    if (!nonce) return undefined;
    const counter = ++node.secure.counter;
    const seq = this.seq();
    return { type: RELAY_SECURE, seq, payload: P.encodeSecure({ key, nonce, seq, counter, innerType, innerPayload }) };
  }

  /** A frame with a fresh seq in the relay range (a clear MODEL_CHUNK, HELLO_REQ). */
  clearFrame(type: number, payload: Uint8Array): { type: number; seq: number; payload: Uint8Array } {
    return { type, seq: this.seq(), payload };
  }

  /**
   * One DCMD that waits for nothing: the reply, if one comes within `keepMs`, goes to `onReply`
   * (the model transfer matches its own replies and resends itself). False when it cannot be sent.
   */
  fire(path: string, c: { type: number; seq: number; payload: Uint8Array }, onReply: (r: RelayReply) => void, keepMs = 30_000): boolean {
    const g = this.host.node(path)?.info.gateway;
    if (!g) return false;
    const id = randomBytes(8).toString('hex');
    const timer = setTimeout(() => this.waiting.delete(id), keepMs);
    timer.unref?.();
    this.waiting.set(id, { resolve: onReply, timer });
    this.publishCommand(g, id, c).catch(() => {
      clearTimeout(timer);
      this.waiting.delete(id); // not sent: the transfer's own timeout sends it again
    });
    return true;
  }

  /** One DCMD and its reply; throws 'timeout' when no reply comes. */
  async send(path: string, what: string, c: { type: number; seq: number; payload: Uint8Array }): Promise<RelayReply> {
    const n = this.host.node(path)!;
    const g = n.info.gateway!;
    const id = randomBytes(8).toString('hex');
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const reply = new Promise<RelayReply | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(id, { resolve, timer });
    });
    try {
      await this.publishCommand(g, id, c);
    } catch (e) {
      const w = this.waiting.get(id);
      if (w) clearTimeout(w.timer);
      this.waiting.delete(id);
      throw new ApiError('port-failed', `Could not send ${what} to the broker: ${(e as Error).message}`);
    }
    const r = await reply;
    if (!r) {
      throw new ApiError(
        'timeout',
        `No answer from the gateway ${g.edge} to ${what} within ${timeoutMs / 1000} s: the gateway may be stopped, or the broker may not let this workstation${this.host.origin ? ` (user ${this.host.origin})` : ''} send commands (its rules in vigil.acl)`,
      );
    }
    return r;
  }

  /** One command's DCMD to the device's topic. */
  private publishCommand(g: { edge: string; device: string }, id: string, c: { type: number; seq: number; payload: Uint8Array }): Promise<void> {
    return this.host.publish(sparkplugTopic(this.host.group, 'DCMD', g.edge, g.device), commandMetrics({ id, origin: this.host.origin, ...c }, Date.now()));
  }

  /** The node's answer frame of the awaited type; anything else is said in plain words. */
  private answerFrame(r: RelayReply, what: string, reqType: number, responses: number[]): { type: number; payload: Uint8Array } {
    if (r.result === 'refused' || r.result === 'offline') throw new ApiError(r.result === 'refused' ? 'refused' : 'port-failed', `${what[0].toUpperCase()}${what.slice(1)} did not reach the node: ${r.message ?? r.result}`);
    if (r.result === 'no-answer') throw new ApiError('timeout', `The node did not answer ${what} through the gateway (${this.opts.attempts ?? 3} attempts)`);
    if (r.result !== 'answered' || r.replyType === undefined || !r.reply) throw new ApiError('internal', `The gateway answered ${what} with no node answer`);
    const f = { type: r.replyType, payload: r.reply };
    try {
      if (f.type === P.MSG_NACK) {
        throw new ApiError('refused', refusalText(what, P.decodeNack(f.payload)));
      }
      if (f.type === P.MSG_ACK && P.decodeAck(f.payload).reqType !== reqType) throw new ApiError('internal', `The node acknowledged another request than ${what}`);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError('internal', `The node's answer to ${what} cannot be read: ${(e as Error).message}`);
    }
    if (!responses.includes(f.type)) throw new ApiError('internal', `The node answered ${what} with frame type 0x${f.type.toString(16)}`);
    return f;
  }
}
