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
import { DiskBuffer, type BufferedMessage } from './buffer';

const codec = sparkplugCodec('spBv1.0')!;

export function encodeSparkplug(msg: SparkplugMessage): Uint8Array {
  return codec.encodePayload(msg as Parameters<typeof codec.encodePayload>[0]);
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
  /** Wait between connection attempts (default 1000 ms). */
  reconnectMs?: number;
  /** Gateway NDATA every this many ms while connected (default 10 s). */
  statsMs?: number;
  log?: (line: string) => void;
}

interface InFlight {
  msg: BufferedMessage;
}

const REPLAY_BATCH = 100;

export class Gateway {
  readonly buffer: DiskBuffer;
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

  constructor(
    private readonly manager: NodeManager,
    private readonly opts: GatewayOptions,
  ) {
    this.buffer = new DiskBuffer(opts.bufferDir, opts.bufferMaxBytes);
    this.log = opts.log ?? (() => {});
    this.bdSeq = this.loadBdSeq();
  }

  start(): void {
    this.unsubscribe = this.manager.subscribe((event, payload) => this.onEvent(event, payload));
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
    const client = this.client;
    if (!client) return;
    if (this.live) {
      for (const [, device] of this.born) this.publish('DDEATH', { timestamp: Date.now(), metrics: [] }, device);
      const death = { timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq, timestamp: Date.now() }] as Metric[] };
      await new Promise<void>((res) => client.publish(sparkplugTopic(this.opts.group, 'NDEATH', this.opts.edge), Buffer.from(encodeSparkplug(death)), { qos: 1 }, () => res()));
    }
    this.live = false;
    this.requeueInFlight();
    await new Promise<void>((res) => client.end(false, {}, () => res()));
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
    });
    const lost = (why: string) => {
      if (gen !== this.generation) return;
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

  /** Replays the buffer in order, REPLAY_BATCH messages at a time, each batch acknowledged before the next. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const gen = this.generation;
    const had = this.buffer.length;
    try {
      while (this.buffer.length > 0 && gen === this.generation) {
        const batch = this.buffer.peek(REPLAY_BATCH);
        const acks = batch.map((m) => this.publishData(m, true));
        const ok = (await Promise.all(acks)).every(Boolean);
        if (!ok || gen !== this.generation) return;
        this.buffer.shift(batch.length);
        this.replayed += batch.length;
      }
      if (had > 0) {
        this.log(`replayed ${had} buffered messages (${this.buffer.dropped} dropped while the buffer was full)`);
        this.publishStats();
      }
    } finally {
      if (gen === this.generation) this.draining = false;
    }
  }

  private requeueInFlight(): void {
    const back = [...this.inFlight].map((f) => f.msg);
    this.inFlight.clear();
    this.buffer.unshift(back);
  }

  // ---- publishing ----

  private publish(type: MessageType, msg: SparkplugMessage, device?: string, done?: (ok: boolean) => void): void {
    const client = this.client!;
    const payload = { ...msg, seq: this.seq.take() };
    this.published++;
    client.publish(sparkplugTopic(this.opts.group, type, this.opts.edge, device), Buffer.from(encodeSparkplug(payload)), { qos: 1 }, (err) => done?.(!err));
  }

  /** One DDATA; resolves true once the broker acknowledged it. Kept in flight so a lost connection buffers it again. */
  private publishData(msg: BufferedMessage, historical: boolean): Promise<boolean> {
    const gen = this.generation;
    const entry: InFlight = { msg };
    if (!historical) this.inFlight.add(entry);
    const metrics = historical ? msg.metrics.map((m) => ({ ...m, isHistorical: true })) : msg.metrics;
    return new Promise((resolve) => {
      this.publish('DDATA', { timestamp: msg.timestamp, metrics }, msg.device, (ok) => {
        if (gen !== this.generation) return resolve(false);
        if (ok) this.inFlight.delete(entry);
        resolve(ok);
      });
    });
  }

  private publishStats(): void {
    if (!this.live) return;
    const t = Date.now();
    this.publish('NDATA', { timestamp: t, metrics: gatewayMetrics(this.counters(), t, false) });
  }

  private data(path: string, metrics: Metric[]): void {
    const info = this.nodes.get(path);
    const device = info && deviceId(info);
    if (!device || metrics.length === 0) return;
    const msg: BufferedMessage = { device, timestamp: Date.now(), metrics };
    if (this.live && !this.draining && this.buffer.length === 0 && this.born.has(path)) void this.publishData(msg, false);
    else this.buffer.push(msg);
  }

  private birth(info: NodeInfo): void {
    const device = deviceId(info);
    if (!device || info.status !== 'online' || this.born.has(info.path)) return;
    this.born.set(info.path, device);
    const t = Date.now();
    this.publish('DBIRTH', { timestamp: t, metrics: deviceBirthMetrics(info, t) }, device);
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
      this.data(batch.path, batch.frames.flatMap((f) => featureMetrics(f, t)));
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
