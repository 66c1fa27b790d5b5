/**
 * The workstation side of the plant gateway (docs/gateway.md, "Workstations"): the app subscribes to
 * a gateway's broker with the `mqtt` client and turns every Sparkplug device it hears into a NodeInfo
 * with link 'gateway' (path gateway:GROUP/EDGE/DEVICE), whose DDATA windows leave as node.features,
 * exactly like a local node's, so the pages show them and the recorder records them.
 *
 * One MQTT client per broker entry, with a persistent session (clean off, QoS 1, a client id kept in
 * the entry), so the broker keeps for this workstation what is published while it is away. The
 * entries are kept in main's data folder (gateways.json, 0600: it holds the MQTT password, which is
 * never sent to the renderer nor logged). It publishes Sparkplug's NCMD "Node Control/Rebirth" to a
 * gateway whose births this workstation missed (it joined after them), and the technician's commands
 * to gateway nodes as DCMD, signed with the node's pairing key (main/gateway/remote.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { get as sparkplugCodec } from 'sparkplug-payload';
import {
  ApiError,
  gatewayNodePath,
  type ApiEvents,
  type DetectorStatus,
  type EventChannel,
  type FeatureFrame,
  type GatewayAdd,
  type GatewayInfo,
  type LinkStats,
  type NodeEventInfo,
  type NodeInfo,
  type NodeConfig,
  type NodeConfigChanges,
  type NodeStatus,
  type StreamSettings,
} from '../../models/api/contract';
import { decodeReply, linkInfoFromBirth, REPLY } from '../../models/gateway/commands';
import { emptyGapCounters, gapAnswerOf, gapRequestMetrics, windowStamps, DeviceGapFill, type GapCounters, type GapRequest, type GapStep } from '../../models/gateway/gapFill';
import { sparkplugTopic, type Metric } from '../../models/gateway/sparkplug';
import { emptyFrameStats } from '../../models/protocol/frame';
import { ConditionTracker } from '../node/condition';
import type { KeyStore } from '../node/keys';
import { RemoteCommands, type RemoteOptions, type SecureState } from './remote';

const codec = sparkplugCodec('spBv1.0')!;

type Emit = <E extends EventChannel>(event: E, payload: ApiEvents[E]) => void;

/** One saved entry: what gatewayAdd checked, its id and its MQTT client id. */
export interface GatewayEntry extends GatewayAdd {
  id: string;
  clientId: string;
}

interface Decoded {
  name: string;
  value: unknown;
  isNull: boolean;
  /** The gateway's stamp (ms). */
  timestamp?: number;
}

const num = (v: unknown): number => (v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v));
const DETECTOR_KINDS: readonly DetectorStatus['kind'][] = ['none', 'model', 'learning', 'baseline', 'unseen-condition', 'unknown'];
const BOARDS = ['host', 'qemu', 'stm32f405', 'unknown'] as const;

function emptyStats(): LinkStats {
  return { ...emptyFrameStats(), unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 };
}

/**
 * Whether a connection error is the broker or its certificate saying no (it will say it again):
 * a CONNACK refusal (MQTT 3.1.1 codes 1-5: protocol, client id, unavailable, bad user name or
 * password, not authorised) or a TLS certificate problem. Anything else (refused or reset
 * connection, time-out, unknown host) is a broker not reachable for now.
 */
export function refusal(err: Error & { code?: unknown }): boolean {
  if (typeof err.code === 'number') return err.code !== 3; // 3: server unavailable, try again
  const code = typeof err.code === 'string' ? err.code : '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/.test(code) || /certificate|Not authorized|Bad username/i.test(err.message);
}

/** The windows of one DDATA, in order: each `features/window_index` starts the next (docs/gateway.md, "Metrics"). */
export function windowsOf(metrics: Decoded[]): FeatureFrame[] {
  const out: FeatureFrame[] = [];
  let f: FeatureFrame | undefined;
  let detectorKind: DetectorStatus['kind'] | undefined;
  for (const m of metrics) {
    if (m.name === 'features/window_index') {
      f = { windowIndex: num(m.value), tUs: 0, shaftHz: 0, rmsG: [] };
      detectorKind = undefined;
      out.push(f);
      continue;
    }
    if (!f) continue;
    const v = m.isNull ? null : num(m.value);
    if (m.name === 'features/t_us') f.tUs = v ?? 0;
    else if (m.name === 'features/shaft_hz') f.shaftHz = v ?? 0;
    else if (m.name.startsWith('features/rms_g/')) f.rmsG[Number(m.name.slice(15))] = v ?? NaN;
    else if (m.name.startsWith('features/velocity_mm_s/')) (f.velocityMmS ??= [])[Number(m.name.slice(23))] = v ?? NaN;
    else if (m.name === 'features/anomaly_score') f.anomalyScore = v;
    else if (m.name === 'detector/state') {
      const k = String(m.value) as DetectorStatus['kind'];
      detectorKind = DETECTOR_KINDS.includes(k) ? k : 'unknown';
      f.detector = { kind: detectorKind, learnPercent: 0 };
    } else if (m.name === 'detector/learn_percent' && f.detector) f.detector.learnPercent = v ?? 0;
    else if (m.name === 'detector/threshold' && f.detector) f.detector.threshold = v;
  }
  return out;
}

interface Device {
  info: NodeInfo;
  condition: ConditionTracker;
  /** Its windows in order and once each, gaps asked of the gateway (models/gateway/gapFill.ts). */
  gaps: DeviceGapFill;
  lastUpdateMs: number;
  /** The node link's nonce and the highest SECURE counter forwarded, from the DBIRTH and every command reply. */
  secure: SecureState;
}

/** One broker entry's client and what it heard. */
export class GatewayLink {
  private client: MqttClient | null = null;
  private state: GatewayInfo['state'] = 'connecting';
  private message: string | undefined;
  private readonly edges = new Map<string, { online: boolean; bdSeq?: number }>();
  readonly devices = new Map<string, Device>();
  private readonly rebirthAsked = new Map<string, number>();
  private closed = false;
  /** The technician's commands to this broker's nodes (main/gateway/remote.ts). */
  readonly remote: RemoteCommands;
  /** Gap fill: windows missed, filled from the gateway's history, lost (GatewayInfo.gapFill). */
  private readonly gapCounters: GapCounters = emptyGapCounters();
  /** Sparkplug seq expected next per gateway, and how often a message was missing (a jump ahead). */
  private readonly nextSeq = new Map<string, number>();
  private seqGaps = 0;
  private requestCount = 0;
  private readonly requestPrefix = randomBytes(4).toString('hex');
  private tickTimer: NodeJS.Timeout | null = null;
  private announceTimer: NodeJS.Timeout | null = null;
  private announced = '';

  constructor(
    readonly entry: GatewayEntry,
    private readonly emit: Emit,
    private readonly log: (line: string) => void,
    private readonly keys?: KeyStore,
    remoteOptions?: RemoteOptions,
  ) {
    this.remote = new RemoteCommands(
      {
        group: entry.group,
        origin: entry.username ?? '',
        keys,
        node: (path) => this.devices.get(path),
        publish: (topic, metrics) => this.publishCommand(topic, metrics),
        updated: (path) => {
          const d = this.devices.get(path);
          if (d) this.update(d);
        },
        modelProgress: (p) => this.emit('node.model', p),
      },
      remoteOptions,
    );
  }

  private publishCommand(topic: string, metrics: Metric[]): Promise<void> {
    const c = this.client;
    if (!c || !c.connected) return Promise.reject(new Error('this workstation is not connected to the broker'));
    const payload = codec.encodePayload({ timestamp: Date.now(), metrics } as Parameters<typeof codec.encodePayload>[0]);
    return new Promise((resolve, reject) => c.publish(topic, Buffer.from(payload), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Tells the page (gateway.updated) when what info() says changed: at once for the connection
   * state, within 250 ms for counters (nodes online, gap fill), never more often.
   */
  private changed(now = false): void {
    if (this.closed) return;
    const send = () => {
      this.announceTimer = null;
      const info = this.info();
      const key = JSON.stringify(info);
      if (key === this.announced) return;
      this.announced = key;
      this.emit('gateway.updated', info);
    };
    if (now) {
      if (this.announceTimer) clearTimeout(this.announceTimer);
      send();
    } else if (!this.announceTimer) {
      this.announceTimer = setTimeout(send, 250);
      this.announceTimer.unref();
    }
  }

  info(): GatewayInfo {
    const e = this.entry;
    const nodes = [...this.devices.values()];
    return {
      id: e.id,
      url: e.url,
      ...(e.caPath ? { caPath: e.caPath } : {}),
      ...(e.username ? { username: e.username } : {}),
      hasPassword: e.password !== undefined,
      group: e.group,
      state: this.state,
      ...(this.message ? { message: this.message } : {}),
      edges: [...this.edges].map(([edge, s]) => ({ edge, online: s.online })),
      nodes: nodes.length,
      online: nodes.filter((d) => d.info.status === 'online').length,
      gapFill: { ...this.gapCounters, seqGaps: this.seqGaps },
    };
  }

  start(): void {
    const e = this.entry;
    const options: IClientOptions = {
      clientId: e.clientId,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 10,
      protocolVersion: 4,
      rejectUnauthorized: true,
      ...(e.caPath ? { ca: readFileSync(e.caPath) } : {}),
      ...(e.username !== undefined ? { username: e.username } : {}),
      ...(e.password !== undefined ? { password: e.password } : {}),
    };
    const client = connect(e.url, options);
    this.client = client;
    this.changed(true);
    client.on('connect', () => {
      if (this.closed) return;
      this.state = 'connected';
      this.message = undefined;
      this.log(`gateway ${e.url}: connected`);
      this.changed(true);
      client.subscribe(`spBv1.0/${e.group}/#`, { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) this.offline(`the broker refused the subscription to spBv1.0/${e.group}/# (check the user's read ACL)`, 'refused');
      });
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => {
      // Refused credentials, a certificate that does not chain to the CA, a host name mismatch: refused.
      // A broker that does not answer (connection refused, timed out): reconnecting.
      if (!refusal(err)) this.offline(`cannot reach the broker: ${err.message}`, 'reconnecting');
      else if (typeof (err as { code?: unknown }).code === 'number') this.offline(`is refused by the broker: ${err.message}`, 'refused');
      else this.offline(`does not trust the broker's certificate: ${err.message}`, 'refused');
    });
    client.on('offline', () => this.offline('lost the broker', 'reconnecting', true));
    client.on('close', () => {
      if (this.state === 'connected') this.offline('lost the broker (connection closed)', 'reconnecting', true);
    });
    // Gap fill: requests that heard nothing are sent again, then given up.
    this.tickTimer = setInterval(() => {
      const now = Date.now();
      for (const [path, d] of this.devices) this.step(path, d, d.gaps.tick(now));
    }, 1000);
    this.tickTimer.unref();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.remote.models.stopAll();
    this.remote.rejectAll('the gateway entry was removed');
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.announceTimer) clearTimeout(this.announceTimer);
    const c = this.client;
    this.client = null;
    if (c) await new Promise<void>((r) => c.end(true, {}, () => r()));
    for (const path of this.devices.keys()) this.emit('node.removed', { path });
    this.devices.clear();
  }

  /** generic: the client's close or offline, which follow an error and say less than it. */
  private offline(why: string, state: 'reconnecting' | 'refused', generic = false): void {
    if (this.closed) return;
    const was = this.state;
    // A refusal's reason stays until the broker accepts or fails otherwise.
    if (generic && was === 'refused') return;
    this.state = state;
    if (this.message !== why || was !== state) this.log(`gateway ${this.entry.url}: ${why}`);
    this.message = why;
    this.remote.rejectAll(`this workstation ${why}`);
    for (const d of this.devices.values()) this.setStatus(d, 'offline', `The workstation ${why}.`);
    for (const s of this.edges.values()) s.online = false;
    this.changed(true);
  }

  private setStatus(d: Device, status: NodeStatus, message?: string): void {
    if (d.info.status === status && d.info.message === message) return;
    d.info = { ...d.info, status, ...(message ? { message } : {}) };
    if (!message) delete d.info.message;
    // A model update waits while the node cannot be reached and resumes when it is heard again.
    if (status === 'online') this.remote.models.linkUp(d.info.path);
    else this.remote.models.linkDown(d.info.path);
    this.update(d);
  }

  private update(d: Device): void {
    d.info = { ...d.info, condition: d.condition.snapshot() };
    d.lastUpdateMs = Date.now();
    this.emit('node.updated', d.info);
    this.changed();
  }

  /** Hands on a gap-fill step's windows (node.features, the node's condition) and sends its request. */
  private step(path: string, d: Device, s: GapStep): boolean {
    if (s.request && d.info.gateway) this.askGap(d.info.gateway.edge, s.request);
    if (s.request || s.frames.length > 0) this.changed();
    if (s.frames.length === 0) return false;
    const now = Date.now();
    let changed = false;
    for (const f of s.frames) changed = d.condition.features(f, now) !== null || changed;
    this.emit('node.features', { path, frames: s.frames });
    return changed;
  }

  private askGap(edge: string, r: GapRequest): void {
    const t = Date.now();
    const payload = codec.encodePayload({ timestamp: t, metrics: gapRequestMetrics([r], t) as Parameters<typeof codec.encodePayload>[0]['metrics'] });
    this.client?.publish(sparkplugTopic(this.entry.group, 'NCMD', edge), Buffer.from(payload), { qos: 1 });
    this.log(`gateway ${this.entry.url}: asked ${edge} for windows ${r.fromWindow}..${r.toWindow} of ${r.device} (gap fill ${r.request})`);
  }

  /** The Sparkplug seq of a gateway's messages: a jump ahead is a message this workstation never got. */
  private seqOf(edge: string, type: string, seq: number | undefined): void {
    if (seq === undefined || type === 'NDEATH') return;
    const want = this.nextSeq.get(edge);
    if (type !== 'NBIRTH' && want !== undefined && seq !== want) {
      const ahead = (seq - want + 256) % 256;
      // Behind: a message heard again (QoS 1 after a reconnect), not a loss.
      if (ahead > 0 && ahead < 128) this.seqGaps++;
      else return;
    }
    this.nextSeq.set(edge, (seq + 1) % 256);
  }

  private askRebirth(edge: string): void {
    const now = Date.now();
    if (now - (this.rebirthAsked.get(edge) ?? 0) < 10_000) return;
    this.rebirthAsked.set(edge, now);
    const payload = codec.encodePayload({ timestamp: now, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] });
    this.client?.publish(sparkplugTopic(this.entry.group, 'NCMD', edge), Buffer.from(payload), { qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parts = topic.split('/');
    if (parts.length < 4 || parts[0] !== 'spBv1.0' || parts[1] !== this.entry.group) return;
    const [, group, type, edge, device] = parts;
    let metrics: Decoded[];
    let seq: number | undefined;
    try {
      const p = codec.decodePayload(new Uint8Array(payload));
      metrics = (p.metrics ?? []).map((m) => {
        const d: Decoded = { name: m.name ?? '', value: m.value, isNull: Boolean(m.isNull) || m.value === null || m.value === undefined };
        // The gateway's stamp of each window (gap fill); the other metrics' stamps are not used.
        if (d.name === 'features/window_index' && m.timestamp !== undefined && m.timestamp !== null) d.timestamp = num(m.timestamp);
        return d;
      });
      seq = p.seq !== undefined && p.seq !== null ? num(p.seq) : undefined;
    } catch {
      return; // not Sparkplug B: not ours to show
    }
    if (type === 'NCMD' || type === 'DCMD') return; // commands (ours and other workstations'), not data
    this.seqOf(edge, type, seq);
    const now = Date.now();
    const bdSeq = () => {
      const b = metrics.find((m) => m.name === 'bdSeq');
      return b ? num(b.value) : undefined;
    };
    if (type === 'NBIRTH') {
      const b = bdSeq();
      this.edges.set(edge, { online: true, ...(b !== undefined ? { bdSeq: b } : {}) });
      return;
    }
    if (type === 'NDEATH') {
      const s = this.edges.get(edge);
      const b = bdSeq();
      // A stale will (an older session's bdSeq) does not kill the current session.
      if (s && s.bdSeq !== undefined && b !== undefined && s.bdSeq !== b) return;
      this.edges.set(edge, { online: false, ...(s?.bdSeq !== undefined ? { bdSeq: s.bdSeq } : {}) });
      this.nextSeq.delete(edge);
      for (const [path, d] of this.devices) {
        if (d.info.gateway?.edge !== edge) continue;
        // The node's next session may count its windows from 0 again.
        this.step(path, d, d.gaps.reset());
        this.setStatus(d, 'offline', `The gateway ${edge} went offline (NDEATH).`);
      }
      return;
    }
    if (!device) return;
    if (!this.edges.get(edge)?.online && type !== 'DDEATH') {
      // Data from a gateway whose NBIRTH this workstation did not hear: it was born before we subscribed.
      this.askRebirth(edge);
    }
    const path = gatewayNodePath(group, edge, device);
    if (type === 'DBIRTH') {
      this.birth(path, group, edge, device, metrics, now);
      return;
    }
    const d = this.devices.get(path);
    if (type === 'DDEATH') {
      if (d) {
        this.step(path, d, d.gaps.reset());
        this.setStatus(d, 'offline', `The gateway ${edge} reported the node offline (DDEATH).`);
      }
      return;
    }
    if (type !== 'DDATA') return;
    // A node's answer to a command (this workstation's or another's): it carries no windows.
    const reply = metrics.some((m) => m.name === REPLY.result) ? decodeReply(metrics) : undefined;
    if (reply) {
      this.remote.onReply(path, reply);
      return;
    }
    if (!d) {
      this.askRebirth(edge);
      return;
    }
    if (d.info.status !== 'online') {
      this.edges.set(edge, { ...this.edges.get(edge), online: true });
      this.setStatus(d, 'online');
    }
    d.condition.heard(now);
    // One per window_index, in order (a message may arrive twice: sent, then the connection dropped
    // before its PUBACK); a jump is a gap asked of the gateway's history (models/gateway/gapFill.ts).
    const stamps = windowStamps(metrics);
    let changed = this.step(path, d, d.gaps.accept(windowsOf(metrics).map((frame, i) => ({ frame, gwMs: stamps[i] ?? 0 })), now));
    const answer = gapAnswerOf(metrics);
    if (answer?.done) changed = this.step(path, d, d.gaps.answered(answer.request)) || changed;
    const ev = metrics.find((m) => m.name === 'event/state');
    if (ev && (ev.value === 'started' || ev.value === 'ended')) {
      const get = (n: string) => {
        const m = metrics.find((x) => x.name === n);
        return m && !m.isNull ? num(m.value) : 0;
      };
      const e: NodeEventInfo = {
        path,
        state: ev.value,
        eventId: get('event/id'),
        debounceK: 0,
        debounceN: 0,
        startWindow: get('event/start_window'),
        endWindow: get('event/end_window'),
        startTUs: 0,
        endTUs: 0,
        peakScore: get('event/peak_score'),
        threshold: get('event/threshold'),
        modelVersion: get('event/model_version'),
      };
      changed = d.condition.event(e, now) || changed;
      this.emit('node.event', e);
    }
    const link = metrics.find((m) => m.name === 'link/status');
    if (link) {
      d.info = { ...d.info, stats: this.linkStats(d.info.stats, metrics) };
      changed = true;
    }
    // The pages' "last seen" and latest levels: about once a second, like a local node's counters.
    if (changed || now - d.lastUpdateMs >= 1000) this.update(d);
  }

  private linkStats(before: LinkStats, metrics: Decoded[]): LinkStats {
    const s = { ...before };
    const set = (name: string, key: keyof LinkStats) => {
      const m = metrics.find((x) => x.name === name);
      if (m && !m.isNull) s[key] = num(m.value);
    };
    set('link/frames', 'frames');
    set('link/bytes', 'bytes'); // absent from a gateway before it was published: the count stays 0
    set('link/bad_crc', 'badCrc');
    set('link/missed_windows', 'missedWindows');
    set('link/retries', 'retries');
    set('link/reconnects', 'reconnects');
    return s;
  }

  private birth(path: string, group: string, edge: string, device: string, metrics: Decoded[], now: number): void {
    const str = (n: string, dflt = '') => {
      const m = metrics.find((x) => x.name === n);
      return m && !m.isNull ? String(m.value) : dflt;
    };
    const n = (n: string) => {
      const m = metrics.find((x) => x.name === n);
      return m && !m.isNull ? num(m.value) : 0;
    };
    const channels = str('node/channels').split(',').filter(Boolean);
    // The node's link facts (key id, capabilities, stream): what commands through the gateway need.
    const link = linkInfoFromBirth(metrics, (keyId) => this.keys?.find(device, keyId) !== undefined);
    const board = str('node/board', 'unknown');
    const old = this.devices.get(path);
    const info: NodeInfo = {
      path,
      status: 'online',
      demo: false,
      link: 'gateway',
      hello: {
        uid: device,
        name: str('node/name', device),
        board: (BOARDS as readonly string[]).includes(board) ? (board as (typeof BOARDS)[number]) : 'unknown',
        firmware: str('node/firmware'),
        protocolVersion: 1,
        axisCount: channels.length,
        windowLen: n('node/window_len'),
        hop: n('node/hop'),
        sampleRateHz: n('node/sample_rate_hz'),
        channels,
        ...(link ? { info: link } : {}),
      },
      ...(link ? { stream: { ...link.stream } } : {}),
      ...(old?.info.config ? { config: old.info.config } : {}),
      stats: this.linkStats(old?.info.stats ?? emptyStats(), metrics),
      gateway: { id: this.entry.id, group, edge, device },
    };
    const secure: SecureState = { nonce: str(REPLY.nonce), counter: n(REPLY.counter) };
    const d: Device = old ?? { info, condition: new ConditionTracker(), gaps: new DeviceGapFill(device, this.gapCounters, () => `${this.requestPrefix}-${++this.requestCount}`), lastUpdateMs: 0, secure };
    d.info = info;
    // The same nonce: the highest counter either side knows; a new one starts again.
    if (d.secure.nonce !== secure.nonce) d.secure = secure;
    else d.secure.counter = Math.max(d.secure.counter, secure.counter);
    d.condition.heard(now);
    this.devices.set(path, d);
    this.remote.models.birth(path);
    this.update(d);
  }
}

/** Every broker entry of this workstation, kept in DATA_DIR/gateways.json (0600). */
export class GatewayLinks {
  private readonly links = new Map<string, GatewayLink>();
  private readonly file: string | undefined;

  constructor(
    private readonly emit: Emit,
    private readonly dataDir: string | undefined,
    private readonly log: (line: string) => void = (l) => console.error(`vigil: ${l}`),
    /** The pairing keys commands to gateway nodes are signed with (main/gateway/remote.ts). */
    private readonly keys?: KeyStore,
    private readonly remoteOptions?: RemoteOptions,
  ) {
    this.file = dataDir ? join(dataDir, 'gateways.json') : undefined;
  }

  /** Connects the saved entries (the app's start). */
  restore(): void {
    if (!this.file || !existsSync(this.file)) return;
    let saved: GatewayEntry[] = [];
    try {
      saved = JSON.parse(readFileSync(this.file, 'utf8')) as GatewayEntry[];
    } catch (e) {
      this.log(`cannot read ${this.file}: ${(e as Error).message}`);
      return;
    }
    for (const e of saved) if (!this.links.has(e.id)) this.open(e);
  }

  list(): GatewayInfo[] {
    return [...this.links.values()].map((l) => l.info());
  }

  nodes(): NodeInfo[] {
    return [...this.links.values()].flatMap((l) => [...l.devices.values()].map((d) => d.info));
  }

  has(path: string): boolean {
    return [...this.links.values()].some((l) => l.devices.has(path));
  }

  // ---- The technician's commands to a gateway node (main/gateway/remote.ts) ----

  getConfig(path: string): Promise<NodeConfig> {
    return this.linkOf(path).remote.getConfig(path);
  }
  setConfig(path: string, changes: NodeConfigChanges): Promise<NodeConfig> {
    return this.linkOf(path).remote.setConfig(path, changes);
  }
  setStream(path: string, s: StreamSettings): Promise<NodeInfo> {
    return this.linkOf(path).remote.setStream(path, s);
  }

  /** The broker entry a gateway node is reached through. */
  linkOf(path: string): GatewayLink {
    const l = [...this.links.values()].find((x) => x.devices.has(path));
    if (!l) throw new ApiError('not-found', `No node ${path} is known through a gateway`);
    return l;
  }

  add(a: GatewayAdd): GatewayInfo {
    if (a.caPath !== undefined) {
      let ok = false;
      try {
        ok = statSync(a.caPath).isFile();
      } catch {
        ok = false;
      }
      if (!ok) throw new ApiError('bad-request', `gateways.add: the CA file ${a.caPath} does not exist or is not a regular file`);
      const pem = readFileSync(a.caPath, 'utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ApiError('bad-request', `gateways.add: ${a.caPath} holds no PEM certificate`);
    }
    for (const l of this.links.values()) {
      const e = l.entry;
      if (e.url === a.url && e.group === a.group && e.username === a.username) throw new ApiError('bad-request', `gateways.add: ${a.url} (group ${a.group}) is already added`);
    }
    const id = randomBytes(8).toString('hex');
    const entry: GatewayEntry = { ...a, id, clientId: `vigil-ws-${a.username ?? 'anon'}-${id}`.slice(0, 64) };
    const link = this.open(entry);
    this.save();
    return link.info();
  }

  async remove(id: string): Promise<void> {
    const l = this.links.get(id);
    if (!l) throw new ApiError('not-found', `No gateway ${id} is added`);
    this.links.delete(id);
    this.save();
    await l.stop();
    this.emit('gateway.removed', { id });
  }

  async shutdown(): Promise<void> {
    for (const l of this.links.values()) await l.stop();
    this.links.clear();
  }

  private open(entry: GatewayEntry): GatewayLink {
    const l = new GatewayLink(entry, this.emit, this.log, this.keys, this.remoteOptions);
    this.links.set(entry.id, l);
    l.start();
    return l;
  }

  /** Written like the pairing keys (main/node/keys.ts): a 0600 file beside, fsync, rename. */
  private save(): void {
    if (!this.file || !this.dataDir) return;
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    if (existsSync(tmp)) unlinkSync(tmp);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify([...this.links.values()].map((l) => l.entry), null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
