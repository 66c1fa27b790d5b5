/**
 * Owns every node session and every demo node, and turns their activity into API events.
 * FEATURES are batched (one event per node about every 50 ms) so a 94-windows-per-second node
 * does not cost one IPC or WebSocket message per window; 50 ms keeps a window's way from the node
 * to the chart under 100 ms at the 95th percentile (npm run bench -- ingest; 100 ms batches gave 117).
 */
import { existsSync } from 'node:fs';
import {
  ApiError,
  blePath,
  type ApiEvents,
  type DemoRecording,
  type EventChannel,
  type FeatureFrame,
  type NodeConfig,
  type ModelProgress,
  type NodeConfigChanges,
  type NodeInfo,
  type PortInfo,
  type RawBlock,
  type StreamSettings,
  type TimeSync,
} from '../../models/api/contract';
import { listSerialPorts, openSerialLink } from '../transport/serial';
import { SerialReaderThread, type ReaderEntry } from '../transport/serialThread';
import { checkSerialPath } from '../transport/serialPath';
import type { ByteLink } from '../transport/byteLink';
import type { Frame } from '../../models/protocol/index';
import { RelayLink } from '../transport/relay';
import { GatewayLinks } from '../gateway/workstation';
import type { RemoteOptions } from '../gateway/remote';
import { KeyStore } from './keys';
import { NodeSession, type SessionOptions } from './session';
import { DEMO_RECORDING_FILES, startVirtualNode, type VirtualNode } from './virtualNode';

export type EventListener = <E extends EventChannel>(event: E, payload: ApiEvents[E]) => void;

export interface ManagerOptions {
  /** Project root (for the firmware host build and data/demo). */
  root: string;
  /**
   * The app's data folder: the pairing keys live there (node-keys.json, mode 0600). The browser-mode
   * host and the CLI pass defaultDataDir() ($VIGIL_DATA_DIR or ~/.config/vigil), Electron its
   * userData folder. Absent: keys are kept in memory only.
   */
  dataDir?: string;
  /** A key store to use instead of the one in dataDir (tests). */
  keys?: KeyStore;
  batchMs?: number;
  helloTimeoutMs?: number;
  /** Request timeout per attempt (default 500 ms serial, 2000 ms BLE). */
  requestTimeoutMs?: number;
  /** The model transfer's window and largest chunk (tests and the bench; defaults in main/ota/nodeUpdate.ts). */
  modelTransfer?: SessionOptions['modelTransfer'];
  /** Opens a link; defaults to the serial transport. Tests may pass another real transport. */
  openLink?: (path: string) => Promise<ByteLink>;
  /** Whether a port path exists (reconnect polling); defaults to the file existing, for /dev paths. */
  portPresent?: (path: string) => boolean;
  /** Commands to gateway nodes: the reply timeout and attempts (main/gateway/remote.ts; tests). */
  gatewayCommands?: RemoteOptions;
  /**
   * Read serial ports in a thread of their own (main/transport/serialThread.ts): the desktop app,
   * the browser-mode host and the gateway pass where its code is. Absent: the ports are read on the
   * main thread (serial.ts).
   */
  serialReader?: ReaderEntry;
}

export class NodeManager {
  readonly keys: KeyStore;
  /** The plant gateways' brokers this workstation subscribes to; their nodes are listed and announced like local ones. */
  readonly gateways: GatewayLinks;
  private readonly sessions = new Map<string, NodeSession>();
  private readonly demos = new Map<string, VirtualNode>();
  private readonly relays = new Map<string, RelayLink>();
  private readonly pending = new Map<string, FeatureFrame[]>();
  private readonly pendingRaw = new Map<string, RawBlock[]>();
  private readonly listeners = new Set<EventListener>();
  private readonly flushTimer: NodeJS.Timeout;
  /** How often FEATURES and RAW_BLOCK batches go out (ms). */
  private readonly batchMs: number;
  private flushCount = 0;
  private readonly lastStatsBytes = new Map<string, number>();
  private readonly reader: SerialReaderThread | undefined;

  constructor(private readonly opts: ManagerOptions) {
    this.reader = opts.serialReader ? new SerialReaderThread(opts.serialReader) : undefined;
    this.keys = opts.keys ?? new KeyStore(opts.dataDir);
    this.gateways = new GatewayLinks((event, payload) => this.emit(event, payload), opts.dataDir, undefined, this.keys, opts.gatewayCommands);
    this.batchMs = opts.batchMs ?? 50;
    this.flushTimer = setInterval(() => this.flush(), this.batchMs);
    this.flushTimer.unref();
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async listPorts(): Promise<PortInfo[]> {
    const ports: PortInfo[] = (await listSerialPorts()).map((p) => ({ ...p, demo: this.demos.has(p.path) }));
    // Pseudo-terminals are not enumerated by udev; list the demo nodes' ports explicitly.
    for (const path of this.demos.keys()) {
      if (!ports.some((p) => p.path === path)) ports.push({ path, manufacturer: 'Vigil virtual node', demo: true });
    }
    return ports;
  }

  listNodes(): NodeInfo[] {
    return [...this.sessions.values()].map((s) => s.info()).concat(this.gateways.nodes());
  }

  /** Connects a serial port. A session that is online, connecting or reconnecting is returned as it is. */
  async connect(path: string, demo = false): Promise<NodeInfo> {
    const existing = this.sessions.get(path);
    if (existing) {
      const info = existing.info();
      if (info.status !== 'offline' && info.status !== 'error') return info;
      this.sessions.delete(path);
    }
    const reader = this.reader;
    const open = this.opts.openLink ?? (reader ? (p: string) => reader.open(p) : openSerialLink);
    // Only serial ports and node pseudo-terminals (main/transport/serialPath.ts); the path as typed
    // stays the session's, so a socat link that comes back at it is reopened.
    if (!this.opts.openLink && !this.demos.has(path)) await checkSerialPath(path);
    const link = await open(path);
    const present = this.opts.portPresent ?? ((p: string) => (p.startsWith('/') ? existsSync(p) : true));
    const session = this.track(
      new NodeSession(link, {
        kind: 'serial',
        demo,
        keys: this.keys,
        ...this.sessionTimeouts(),
        reopen: () => open(path),
        present: () => present(path),
      }),
    );
    return this.startSession(session);
  }

  async disconnect(path: string): Promise<void> {
    if (this.gateways.has(path)) throw new ApiError('unsupported', `${path} is reached through a plant gateway: remove the gateway on the Nodes page instead`);
    const s = this.sessions.get(path);
    if (!s) throw new ApiError('not-found', `No node is connected on ${path}`);
    this.sessions.delete(path);
    this.relays.delete(path);
    this.flush();
    this.pending.delete(path);
    this.pendingRaw.delete(path);
    await s.close();
    this.emit('node.removed', { path });
  }

  // ---- Node requests (serial and BLE sessions alike) ----

  pair(path: string, name?: string): Promise<NodeInfo> {
    return this.session(path).pair(name);
  }
  // A gateway node's configuration and stream go through its gateway, signed here (main/gateway/remote.ts).
  getConfig(path: string): Promise<NodeConfig> {
    return this.gateways.has(path) ? this.gateways.getConfig(path) : this.session(path).getConfig();
  }
  setConfig(path: string, changes: NodeConfigChanges): Promise<NodeConfig> {
    return this.gateways.has(path) ? this.gateways.setConfig(path, changes) : this.session(path).setConfig(changes);
  }
  setStream(path: string, settings: StreamSettings): Promise<NodeInfo> {
    return this.gateways.has(path) ? this.gateways.setStream(path, settings) : this.session(path).setStream(settings);
  }
  syncTime(path: string): Promise<TimeSync> {
    return this.session(path).syncTime();
  }
  ping(path: string): Promise<{ rttMs: number }> {
    return this.session(path).ping();
  }
  // A gateway node's model goes through its gateway, each request signed here (main/gateway/remoteModel.ts).
  deployModel(path: string, modelBase64: string): ModelProgress {
    const file = new Uint8Array(Buffer.from(modelBase64, 'base64'));
    return this.gateways.has(path) ? this.gateways.linkOf(path).remote.models.deploy(path, file) : this.session(path).deployModel(file);
  }
  rollbackModel(path: string, version: number): ModelProgress {
    return this.gateways.has(path) ? this.gateways.linkOf(path).remote.models.rollback(path, version) : this.session(path).rollbackModel(version);
  }
  modelStatus(path: string): ModelProgress | null {
    return (this.gateways.has(path) ? this.gateways.linkOf(path).remote.models.status(path) : this.session(path).modelProgress()) ?? null;
  }

  // ---- A plant gateway's side of a workstation's command (main/gateway/commands.ts) ----

  /** Writes a workstation's frame to a local node as it came and resolves with the node's answer (undefined: none in time). */
  relay(path: string, type: number, seq: number, payload: Uint8Array): Promise<Frame | undefined> {
    return this.session(path).relay(type, seq, payload);
  }
  /** HELLO_REQ to a local node for a workstation: the HELLO payload as it came (undefined: none in time). */
  askHello(path: string): Promise<Uint8Array | undefined> {
    return this.session(path).relayHello();
  }
  /** The nonce of a local node link's latest HELLO, 16 hex digits ('' none). */
  linkNonce(path: string): string {
    return this.sessions.get(path)?.linkNonce() ?? '';
  }

  // ---- Bluetooth LE, relayed by the renderer ----

  /** The renderer connected a device's NUS characteristics: a new session, or the lost one resumed. */
  async bleOpen(deviceId: string): Promise<NodeInfo> {
    const path = blePath(deviceId);
    const relay = new RelayLink(path, (p, data) => this.emit('ble.tx', { path: p, data }));
    const existing = this.sessions.get(path);
    if (existing && existing.currentStatus !== 'offline' && existing.currentStatus !== 'error') {
      this.relays.set(path, relay);
      await existing.attach(relay).catch((e: Error) => {
        throw new ApiError('timeout', e.message);
      });
      return existing.info();
    }
    if (existing) this.sessions.delete(path);
    this.relays.set(path, relay);
    const session = this.track(new NodeSession(relay, { kind: 'ble', keys: this.keys, ...this.sessionTimeouts() }));
    return this.startSession(session);
  }

  bleRx(path: string, base64: string): void {
    const relay = this.relays.get(path);
    if (!relay || relay.closed) throw new ApiError('not-found', `No Bluetooth LE node is open on ${path}`);
    relay.receive(new Uint8Array(Buffer.from(base64, 'base64')));
  }

  bleClosed(path: string, reason?: string): void {
    const relay = this.relays.get(path);
    if (!relay) throw new ApiError('not-found', `No Bluetooth LE node is open on ${path}`);
    relay.lost(reason);
  }

  private session(path: string): NodeSession {
    if (this.gateways.has(path)) throw new ApiError('unsupported', `${path} is reached through a plant gateway: only its configuration, stream settings and model can be changed from here (pairing, time and ping need the node on this workstation's cable or Bluetooth)`);
    const s = this.sessions.get(path);
    if (!s) throw new ApiError('not-found', `No node is connected on ${path}`);
    return s;
  }

  private sessionTimeouts(): Pick<SessionOptions, 'helloTimeoutMs' | 'requestTimeoutMs' | 'modelTransfer'> {
    return {
      ...(this.opts.modelTransfer ? { modelTransfer: this.opts.modelTransfer } : {}),
      ...(this.opts.helloTimeoutMs !== undefined ? { helloTimeoutMs: this.opts.helloTimeoutMs } : {}),
      ...(this.opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}),
    };
  }

  private track(session: NodeSession): NodeSession {
    const path = session.path;
    this.sessions.set(path, session);
    session.on('update', (info) => {
      if (this.sessions.get(path) === session) this.emit('node.updated', info);
    });
    session.on('features', (f) => {
      let q = this.pending.get(path);
      if (!q) this.pending.set(path, (q = []));
      q.push(f);
    });
    session.on('raw', (b) => {
      let q = this.pendingRaw.get(path);
      if (!q) this.pendingRaw.set(path, (q = []));
      q.push(b);
    });
    session.on('event', (e) => this.emit('node.event', e));
    session.on('log', (l) => this.emit('node.log', l));
    session.on('model', (p) => this.emit('node.model', p));
    return session;
  }

  private async startSession(session: NodeSession): Promise<NodeInfo> {
    const path = session.path;
    this.emit('node.updated', session.info());
    try {
      await session.start();
    } catch (e) {
      if (this.sessions.get(path) === session) this.sessions.delete(path);
      this.relays.delete(path);
      await session.close().catch(() => {});
      this.emit('node.removed', { path });
      throw new ApiError('timeout', (e as Error).message);
    }
    return session.info();
  }
  /** Starts a virtual node replaying a demo recording; `name` is its node name (default demo-RECORDING). */
  async startDemo(recording: DemoRecording = 'cwru-normal', name?: string): Promise<NodeInfo> {
    const vn = await startVirtualNode({ root: this.opts.root, recording, ...(name ? { name } : {}) });
    this.demos.set(vn.path, vn);
    vn.process.once('exit', (code, signal) => {
      this.demos.delete(vn.path);
      // A demo the app started and whose process ended will not come back: its card says so
      // (offline, with the reason) instead of reconnecting forever, as a technician expects of a
      // node that was switched off rather than unplugged. A demo whose port merely vanishes
      // while its process runs is reconnected like any other node.
      // (A pty whose master side vanished is not always reported by the serial stack at once.)
      const s = this.sessions.get(vn.path);
      if (s) void s.lost(`The demo node stopped (${signal ?? `exit code ${code}`})`);
    });
    try {
      const info = await this.connect(vn.path, true);
      // The recording's machine turned at a known speed: tell the node, as a technician would on
      // the Nodes page, so its FEATURES carry it and the analysis views place their markers.
      const shaftHz = DEMO_RECORDING_FILES[recording].shaftHz;
      if (info.config && info.config.shaftHz === 0 && shaftHz > 0) {
        await this.setConfig(vn.path, { shaftHz });
        return this.session(vn.path).info();
      }
      return info;
    } catch (e) {
      this.demos.delete(vn.path);
      await vn.stop();
      throw e;
    }
  }

  async stopDemo(path: string): Promise<void> {
    const vn = this.demos.get(path);
    if (!vn) throw new ApiError('not-found', `No demo node runs on ${path}`);
    if (this.sessions.has(path)) await this.disconnect(path);
    this.demos.delete(path);
    await vn.stop();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.gateways.shutdown();
    for (const s of this.sessions.values()) await s.close().catch(() => {});
    this.sessions.clear();
    for (const vn of this.demos.values()) await vn.stop();
    this.demos.clear();
    await this.reader?.stop();
  }

  private flush(): void {
    for (const [path, frames] of this.pending) {
      if (frames.length === 0) continue;
      this.pending.set(path, []);
      this.emit('node.features', { path, frames });
    }
    for (const [path, blocks] of this.pendingRaw) {
      if (blocks.length === 0) continue;
      this.pendingRaw.set(path, []);
      this.emit('node.raw', { path, blocks });
    }
    // Link counters change with every frame; refresh them about once a second, not per frame.
    if (++this.flushCount % Math.max(1, Math.round(1000 / this.batchMs)) === 0) {
      for (const s of this.sessions.values()) {
        const info = s.info();
        if (this.lastStatsBytes.get(s.path) === info.stats.bytes) continue;
        this.lastStatsBytes.set(s.path, info.stats.bytes);
        this.emit('node.updated', info);
      }
    }
  }

  private emit<E extends EventChannel>(event: E, payload: ApiEvents[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        // One broken listener (a closed socket) must not stop the others.
      }
    }
  }
}
