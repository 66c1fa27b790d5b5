/**
 * Owns every node session and every demo node, and turns their activity into API events.
 * FEATURES are batched (one event per node about every 100 ms) so a 94-windows-per-second node
 * does not cost one IPC or WebSocket message per window.
 */
import {
  ApiError,
  type ApiEvents,
  type DemoRecording,
  type EventChannel,
  type FeatureFrame,
  type NodeInfo,
  type PortInfo,
} from '../api/contract';
import { listSerialPorts, openSerialLink } from '../transport/serial';
import type { Link } from '../transport/link';
import { NodeSession } from './session';
import { startVirtualNode, type VirtualNode } from './virtualNode';

export type EventListener = <E extends EventChannel>(event: E, payload: ApiEvents[E]) => void;

export interface ManagerOptions {
  /** Project root (for the firmware host build and data/demo). */
  root: string;
  batchMs?: number;
  helloTimeoutMs?: number;
  /** Opens a link; defaults to the serial transport. Tests may pass another real transport. */
  openLink?: (path: string) => Promise<Link>;
}

export class NodeManager {
  private readonly sessions = new Map<string, NodeSession>();
  private readonly demos = new Map<string, VirtualNode>();
  private readonly pending = new Map<string, FeatureFrame[]>();
  private readonly listeners = new Set<EventListener>();
  private readonly flushTimer: NodeJS.Timeout;
  private flushCount = 0;
  private readonly lastStatsBytes = new Map<string, number>();

  constructor(private readonly opts: ManagerOptions) {
    this.flushTimer = setInterval(() => this.flush(), opts.batchMs ?? 100);
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
    return [...this.sessions.values()].map((s) => s.info());
  }

  async connect(path: string, demo = false): Promise<NodeInfo> {
    const existing = this.sessions.get(path);
    if (existing) {
      const info = existing.info();
      if (info.status === 'online' || info.status === 'connecting') return info;
      this.sessions.delete(path);
    }
    const link = await (this.opts.openLink ?? openSerialLink)(path);
    const session = new NodeSession(link, { demo, helloTimeoutMs: this.opts.helloTimeoutMs });
    this.sessions.set(path, session);
    session.on('update', (info) => this.emit('node.updated', info));
    session.on('features', (f) => {
      let q = this.pending.get(path);
      if (!q) this.pending.set(path, (q = []));
      q.push(f);
    });
    this.emit('node.updated', session.info());
    try {
      await session.handshake();
    } catch (e) {
      this.sessions.delete(path);
      await session.close().catch(() => {});
      this.emit('node.removed', { path });
      throw new ApiError('timeout', (e as Error).message);
    }
    return session.info();
  }

  async disconnect(path: string): Promise<void> {
    const s = this.sessions.get(path);
    if (!s) throw new ApiError('not-found', `No node is connected on ${path}`);
    this.sessions.delete(path);
    this.flush();
    this.pending.delete(path);
    await s.close();
    this.emit('node.removed', { path });
  }

  async startDemo(recording: DemoRecording = 'cwru-normal'): Promise<NodeInfo> {
    const vn = await startVirtualNode({ root: this.opts.root, recording });
    this.demos.set(vn.path, vn);
    vn.process.once('exit', (code, signal) => {
      this.demos.delete(vn.path);
      // A pty whose master side vanished is not always reported by the serial stack at once;
      // we know the node is gone, so say so.
      const s = this.sessions.get(vn.path);
      if (s) void s.lost(`The demo node stopped (${signal ?? `exit code ${code}`})`);
    });
    try {
      return await this.connect(vn.path, true);
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
    for (const s of this.sessions.values()) await s.close().catch(() => {});
    this.sessions.clear();
    for (const vn of this.demos.values()) await vn.stop();
    this.demos.clear();
  }

  private flush(): void {
    for (const [path, frames] of this.pending) {
      if (frames.length === 0) continue;
      this.pending.set(path, []);
      this.emit('node.features', { path, frames });
    }
    // Link counters change with every frame; refresh them about once a second, not per frame.
    if (++this.flushCount % Math.max(1, Math.round(1000 / (this.opts.batchMs ?? 100))) === 0) {
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
