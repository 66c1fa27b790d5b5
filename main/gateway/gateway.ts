/**
 * The plant gateway (docs/gateway.md): the NodeManager's nodes published to an MQTT broker as one
 * Sparkplug B edge node. NBIRTH/NDEATH for the gateway (NDEATH left as the MQTT will, with the
 * bdSeq of its NBIRTH), DBIRTH/DDATA/DDEATH per node, one sequence number 0..255 per session.
 * Every MQTT connection is a fresh client and a fresh Sparkplug session: bdSeq + 1, NBIRTH at
 * seq 0, a DBIRTH per online node, then the buffered DDATA in order (historical), then live data.
 * While there is no connection, DDATA goes to the on-disk buffer (main/gateway/buffer.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { get as sparkplugCodec } from 'sparkplug-payload';
import type { ApiEvents, EventChannel, NodeInfo } from '../../models/api/contract';
import {
  deviceBirthMetrics,
  deviceId,
  eventMetrics,
  featureMetrics,
  gatewayMetrics,
  linkMetrics,
  nodeBirthMetrics,
  SequenceCounter,
  sparkplugTopic,
  type GatewayCounters,
  type MessageType,
  type Metric,
  type SparkplugMessage,
} from '../../models/gateway/sparkplug';
import type { NodeManager } from '../node/manager';

/** What the gateway needs of the NodeManager (the bench feeds it simulated nodes through the same events). */
export type NodeSource = Pick<NodeManager, 'subscribe' | 'listNodes'>;
import { DiskBuffer, type BufferedMessage } from './buffer';
import { GatewayCommands, type CommandTarget } from './commands';
import { GapFillServer } from './gapFill';
import { DEFAULT_HISTORY_BYTES, WindowHistory } from './history';

const codec = sparkplugCodec('spBv1.0')!;

export function encodeSparkplug(msg: SparkplugMessage): Uint8Array {
  return codec.encodePayload(msg as Parameters<typeof codec.encodePayload>[0]);
}

/**
 * A payload encoded without seq, with its seq appended: protobuf field 3 (uint64, varint) may come
 * after the metrics, so a buffered payload is sent without being decoded and encoded again.
 */
export function withSeq(payload: Uint8Array, seq: number): Uint8Array {
  const tail = seq < 128 ? [0x18, seq] : [0x18, (seq & 0x7f) | 0x80, seq >> 7];
  const out = new Uint8Array(payload.length + tail.length);
  out.set(payload);
  out.set(tail, payload.length);
  return out;
}

export interface GatewayOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker (or of a cluster's load balancer). */
  broker: string;
  /** CA certificate(s), PEM, that the broker's certificate must chain to (mqtts). */
  ca?: Buffer;
  username?: string;
  password?: string;
  group: string;
  edge: string;
  /** Where the buffer and the bdSeq live; undefined keeps both in memory. */
  bufferDir?: string;
  bufferMaxBytes: number;
  /** The window history's size limit (gap fill, main/gateway/history.ts; default 256 MB), in the buffer folder. */
  historyMaxBytes?: number;
  /** Wait between connection attempts (default 1000 ms). */
  reconnectMs?: number;
  /** Gateway NDATA every this many ms while connected (default 10 s). */
  statsMs?: number;
  log?: (line: string) => void;
  /** Forwards workstations' DCMD commands to these nodes (main/gateway/commands.ts); absent: DCMD is not subscribed. */
  commands?: CommandTarget;
}

interface InFlight {
  device: string;
  timestamp: number;
  metrics: Metric[];
}

const REPLAY_BATCH = 200;

export class Gateway {
  readonly buffer: DiskBuffer;
  /** Every recent window, for workstations that missed some (gap fill: history.ts, gapFill.ts). */
  readonly history: WindowHistory;
  readonly gapFill: GapFillServer;
  private client: MqttClient | null = null;
  /** Births sent on the current connection: live data may be published. */
  private live = false;
  private draining = false;
  private generation = 0;
  private bdSeq: number;
  private readonly seq = new SequenceCounter();
  private readonly nodes = new Map<string, NodeInfo>();
  /** Devices born on the current connection, by port path. */
  private readonly born = new Map<string, string>();
  private readonly inFlight = new Set<InFlight>();
  private replayed = 0;
  published = 0;
  private unsubscribe: (() => void) | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly log: (line: string) => void;
  private readonly commands: GatewayCommands | undefined;

  constructor(
    private readonly manager: NodeSource,
    private readonly opts: GatewayOptions,
  ) {
    this.buffer = new DiskBuffer(opts.bufferDir, opts.bufferMaxBytes);
    this.log = opts.log ?? (() => {});
    this.bdSeq = this.loadBdSeq();
    this.commands = opts.commands
      ? new GatewayCommands(opts.commands, {
          publish: (device, metrics) => {
            if (this.live) this.publish('DDATA', { timestamp: Date.now(), metrics }, device);
          },
          rebirth: (path) => this.rebirthDevice(path),
          log: this.log,
        })
      : undefined;
    this.history = new WindowHistory(opts.bufferDir, opts.historyMaxBytes ?? DEFAULT_HISTORY_BYTES);
    this.gapFill = new GapFillServer(this.history, (device, metrics, timestamp) => this.answerGap(device, metrics, timestamp), this.log);
  }

  /** A gap-fill answer (historical DDATA) while connected; false otherwise (the workstation asks again). */
  private answerGap(device: string, metrics: Metric[], timestamp: number): boolean {
    if (!this.live || !this.client) return false;
    this.publish('DDATA', { timestamp, metrics }, device);
    return true;
  }

  start(): void {
    this.unsubscribe = this.manager.subscribe((event, payload) => {
      try {
        this.onEvent(event, payload);
      } catch (e) {
        // The manager swallows a listener's error: say it, or a node would silently not be published.
        this.log(`could not publish ${event}: ${(e as Error).message}`);
      }
    });
    for (const info of this.manager.listNodes()) this.nodes.set(info.path, info);
    this.connect();
  }

  get connected(): boolean {
    return this.live;
  }

  counters(): GatewayCounters {
    return {
      bdSeq: this.bdSeq,
      nodes: [...this.nodes.values()].filter((n) => n.status === 'online').length,
      buffered: this.buffer.length,
      bufferedBytes: this.buffer.bytes,
      dropped: this.buffer.dropped,
      replayed: this.replayed,
    };
  }

  /** Orderly stop: DDEATH per node and NDEATH when connected, then disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.gapFill.stop();
    this.history.close();
    const client = this.client;
    if (!client) return;
    // Never wait long on a broker that has gone quiet: the will covers what is not acknowledged.
    const within = (ms: number, work: (done: () => void) => void) =>
      new Promise<void>((res) => {
        const t = setTimeout(res, ms);
        work(() => {
          clearTimeout(t);
          res();
        });
      });
    const wasLive = this.live;
    if (wasLive) {
      for (const [, device] of this.born) this.publish('DDEATH', { timestamp: Date.now(), metrics: [] }, device);
      const death = { timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq, timestamp: Date.now() }] as Metric[] };
      await within(3000, (done) => client.publish(sparkplugTopic(this.opts.group, 'NDEATH', this.opts.edge), Buffer.from(encodeSparkplug(death)), { qos: 1 }, () => done()));
    }
    this.live = false;
    this.requeueInFlight();
    await within(3000, (done) => client.end(!wasLive, {}, () => done()));
    this.client = null;
  }

  // ---- connection ----

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.bdSeq = (this.bdSeq + 1) % 256;
    this.saveBdSeq();
    const now = Date.now();
    const will = encodeSparkplug({ timestamp: now, metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq, timestamp: now }] });
    const options: IClientOptions = {
      clientId: `vigil-gw-${this.opts.group}-${this.opts.edge}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 10,
      protocolVersion: 4,
      will: { topic: sparkplugTopic(this.opts.group, 'NDEATH', this.opts.edge), payload: Buffer.from(will), qos: 1, retain: false },
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      rejectUnauthorized: true,
    };
    const client = connect(this.opts.broker, options);
    this.client = client;
    client.on('connect', () => {
      if (gen !== this.generation) return;
      this.log(`connected to ${this.opts.broker} (bdSeq ${this.bdSeq})`);
      this.online();
      // Sparkplug's Node Control/Rebirth: a workstation that joined after the births asks for them again.
      client.subscribe(sparkplugTopic(this.opts.group, 'NCMD', this.opts.edge), { qos: 1 });
      // Workstations' commands to the nodes (main/gateway/commands.ts).
      if (this.commands) client.subscribe(sparkplugTopic(this.opts.group, 'DCMD', this.opts.edge, '+'), { qos: 1 });
    });
    client.on('message', (topic, payload) => {
      if (gen !== this.generation) return;
      if (this.commands && topic.startsWith(`${sparkplugTopic(this.opts.group, 'DCMD', this.opts.edge)}/`)) return this.onDeviceCommand(topic, payload);
      if (topic !== sparkplugTopic(this.opts.group, 'NCMD', this.opts.edge)) return;
      try {
        const p = codec.decodePayload(new Uint8Array(payload));
        if ((p.metrics ?? []).some((m) => m.name === 'Node Control/Rebirth' && m.value === true)) this.rebirth();
        // A workstation asking for windows it missed (gap fill).
        this.gapFill.heard((p.metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value })));
      } catch {
        // not a Sparkplug payload: ignored
      }
    });
    const lost = (why: string) => {
      if (gen !== this.generation || this.stopped) return;
      this.generation++;
      const was = this.live;
      this.live = false;
      this.draining = false;
      this.born.clear();
      if (this.statsTimer) clearInterval(this.statsTimer);
      this.statsTimer = null;
      this.requeueInFlight();
      client.end(true);
      if (was) this.log(`lost the broker (${why}); buffering on disk`);
      else this.log(`cannot reach the broker (${why}); retrying`);
      if (!this.stopped) this.reconnectTimer = setTimeout(() => this.connect(), this.opts.reconnectMs ?? 1000);
    };
    client.on('error', (e) => lost(e.message));
    client.on('close', () => lost('connection closed'));
    client.on('offline', () => lost('offline'));
  }

  private online(): void {
    this.seq.reset();
    const t = Date.now();
    this.publish('NBIRTH', { timestamp: t, metrics: nodeBirthMetrics(this.counters(), t) });
    for (const info of this.nodes.values()) this.birth(info);
    this.live = true;
    this.statsTimer = setInterval(() => this.publishStats(), this.opts.statsMs ?? 10_000);
    this.statsTimer.unref();
    void this.drain();
  }

  /** NBIRTH (same bdSeq, seq 0) and a DBIRTH per online node again, as Sparkplug's rebirth asks. */
  private rebirth(): void {
    if (!this.live) return;
    this.log('rebirth requested (NCMD Node Control/Rebirth)');
    this.seq.reset();
    const t = Date.now();
    this.publish('NBIRTH', { timestamp: t, metrics: nodeBirthMetrics(this.counters(), t) });
    this.born.clear();
    for (const info of this.nodes.values()) this.birth(info);
  }

  /** A DCMD: its metrics to the command relay (not Sparkplug B: ignored). */
  private onDeviceCommand(topic: string, payload: Buffer): void {
    const device = topic.slice(sparkplugTopic(this.opts.group, 'DCMD', this.opts.edge).length + 1);
    let metrics;
    try {
      metrics = (codec.decodePayload(new Uint8Array(payload)).metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value }));
    } catch {
      return;
    }
    void this.commands!.onCommand(device, metrics).catch((e: Error) => this.log(`command for ${device} failed: ${e.message}`));
  }

  /** A node's DBIRTH again on the current connection (its stream or configuration changed by a command). */
  private rebirthDevice(path: string): void {
    const info = this.nodes.get(path);
    if (!this.live || !info || !this.born.has(path)) return;
    this.born.delete(path);
    this.birth(info);
  }

  /** Replays the buffer in order, REPLAY_BATCH messages at a time, each batch acknowledged before the next. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const gen = this.generation;
    const had = this.buffer.length;
    let sent = 0;
    try {
      while (this.buffer.length > 0 && gen === this.generation) {
        const batch = this.buffer.peek(REPLAY_BATCH);
        const acks = batch.map((m) => this.replayData(m));
        const ok = (await Promise.all(acks)).every(Boolean);
        if (!ok || gen !== this.generation) return;
        this.buffer.shift(batch.length);
        this.replayed += batch.length;
        sent += batch.length;
      }
      if (had > 0) {
        this.log(`replayed ${sent} buffered messages (${this.buffer.dropped} dropped while the buffer was full)`);
        this.publishStats();
      }
    } finally {
      if (gen === this.generation) this.draining = false;
    }
  }

  private requeueInFlight(): void {
    const back = [...this.inFlight].map((f) => this.historical(f));
    this.inFlight.clear();
    this.buffer.unshift(back);
  }

  // ---- publishing ----

  private publish(type: MessageType, msg: SparkplugMessage, device?: string, done?: (ok: boolean) => void): void {
    this.publishEncoded(type, encodeSparkplug({ timestamp: msg.timestamp, metrics: msg.metrics }), device, done);
  }

  /** Publishes a payload encoded without seq, with the session's next seq. */
  private publishEncoded(type: MessageType, payload: Uint8Array, device?: string, done?: (ok: boolean) => void): void {
    this.published++;
    const bytes = withSeq(payload, this.seq.take());
    this.client!.publish(sparkplugTopic(this.opts.group, type, this.opts.edge, device), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { qos: 1 }, (err) => done?.(!err));
  }

  /** A buffered DDATA; resolves true once the broker acknowledged it. */
  private replayData(msg: BufferedMessage): Promise<boolean> {
    const gen = this.generation;
    return new Promise((resolve) => this.publishEncoded('DDATA', msg.payload, msg.device, (ok) => resolve(ok && gen === this.generation)));
  }

  /** A live DDATA, kept in flight until acknowledged so a lost connection buffers it again. */
  private liveData(entry: InFlight): void {
    const gen = this.generation;
    this.inFlight.add(entry);
    this.publish('DDATA', { timestamp: entry.timestamp, metrics: entry.metrics }, entry.device, (ok) => {
      if (ok && gen === this.generation) this.inFlight.delete(entry);
    });
  }

  /** The message as it is buffered: every metric marked historical, encoded once. */
  private historical(m: InFlight): BufferedMessage {
    return { device: m.device, timestamp: m.timestamp, payload: encodeSparkplug({ timestamp: m.timestamp, metrics: m.metrics.map((x) => ({ ...x, isHistorical: true })) }) };
  }

  private publishStats(): void {
    if (!this.live) return;
    const t = Date.now();
    this.publish('NDATA', { timestamp: t, metrics: gatewayMetrics(this.counters(), t, false) });
  }

  private data(path: string, metrics: Metric[], t = Date.now()): void {
    const info = this.nodes.get(path);
    const device = info && deviceId(info);
    if (!device || metrics.length === 0) return;
    const entry: InFlight = { device, timestamp: t, metrics };
    if (this.live && !this.draining && this.buffer.length === 0 && this.born.has(path)) this.liveData(entry);
    else this.buffer.push(this.historical(entry));
  }

  private birth(info: NodeInfo): void {
    const device = deviceId(info);
    if (!device || info.status !== 'online' || this.born.has(info.path)) return;
    this.born.set(info.path, device);
    const t = Date.now();
    this.publish('DBIRTH', { timestamp: t, metrics: [...deviceBirthMetrics(info, t), ...(this.commands?.birthMetrics(info, t) ?? [])] }, device);
    // Data that came before this birth was buffered (a DDATA never precedes its DBIRTH); while
    // anything is buffered, live data queues behind it, so it must go out now, not at the next
    // reconnect (a node whose first windows beat its online status stopped the live stream).
    if (this.live && !this.draining && this.buffer.length > 0) void this.drain();
  }

  private death(path: string): void {
    const device = this.born.get(path);
    if (!device) return;
    this.born.delete(path);
    if (this.live) this.publish('DDEATH', { timestamp: Date.now(), metrics: [] }, device);
  }

  private onEvent<E extends EventChannel>(event: E, payload: ApiEvents[E]): void {
    if (event === 'node.updated') {
      const info = payload as NodeInfo;
      const before = this.nodes.get(info.path);
      this.nodes.set(info.path, info);
      if (info.status === 'online') {
        if (this.live) this.birth(info);
        if (before && before.stats.bytes !== info.stats.bytes) this.data(info.path, linkMetrics(info, Date.now()));
      } else if (info.status === 'offline' || info.status === 'error') this.death(info.path);
      else if (before?.status !== info.status) this.data(info.path, linkMetrics(info, Date.now()));
    } else if (event === 'node.removed') {
      const { path } = payload as ApiEvents['node.removed'];
      this.death(path);
      this.nodes.delete(path);
    } else if (event === 'node.features') {
      const batch = payload as ApiEvents['node.features'];
      const t = Date.now();
      const info = this.nodes.get(batch.path);
      const device = info && deviceId(info);
      if (device) this.history.add(device, t, batch.frames);
      this.data(batch.path, batch.frames.flatMap((f) => featureMetrics(f, t)), t);
    } else if (event === 'node.event') {
      const e = payload as ApiEvents['node.event'];
      this.data(e.path, eventMetrics(e, Date.now()));
    }
  }

  // ---- bdSeq, kept next to the buffer so a restarted gateway goes on counting ----

  private loadBdSeq(): number {
    if (!this.opts.bufferDir) return 255;
    const f = join(this.opts.bufferDir, 'vigil-gateway-bdseq');
    if (!existsSync(f)) return 255;
    const n = Number(readFileSync(f, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 && n < 256 ? n : 255;
  }

  private saveBdSeq(): void {
    if (this.opts.bufferDir) writeFileSync(join(this.opts.bufferDir, 'vigil-gateway-bdseq'), `${this.bdSeq}\n`);
  }
}
