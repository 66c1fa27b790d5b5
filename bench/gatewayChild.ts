/**
 * The gateway process of `npm run bench -- gateway` (bench/gateway.ts): main/gateway/gateway.ts fed
 * by N simulated nodes through the NodeManager's own events (node.updated, then node.features
 * batches every 100 ms at a real node's window rate, 48 kHz / hop 512 = 93.75 windows/s, 2 axes).
 * A window's features/t_us is the epoch time (µs) at which it was made, so the subscribers measure
 * "node send -> workstation receive" including the manager's batching.
 * Config: JSON in VIGIL_BENCH_GATEWAY. Prints `READY`, then on a line `stop` on stdin stops making
 * windows, waits for the buffer to drain, prints `RESULT {json}` and exits.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ApiEvents, EventChannel, NodeInfo } from '../models/api/contract';
import type { EventListener } from '../main/node/manager';
import { Gateway, type NodeSource } from '../main/gateway/gateway';

interface Config {
  broker: string;
  ca: string;
  user: string;
  password: string;
  group: string;
  edge: string;
  nodes: number;
  bufferDir: string;
}

const WINDOWS_PER_S = 48000 / 512;

class SimulatedNodes implements NodeSource {
  private readonly listeners = new Set<EventListener>();
  readonly infos: NodeInfo[];
  readonly made: number[];
  private due: number[];
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  constructor(n: number) {
    this.infos = Array.from({ length: n }, (_, i) => ({
      path: `/sim/node${i}`,
      status: 'online',
      demo: true,
      link: 'serial',
      hello: { uid: (0x5100000000 + i).toString(16).padStart(24, '0'), name: `sim-${i}`, board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'] },
      stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
    }));
    this.made = new Array<number>(n).fill(0);
    this.due = new Array<number>(n).fill(0);
  }
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  listNodes(): NodeInfo[] {
    return this.infos;
  }
  private emit<E extends EventChannel>(e: E, p: ApiEvents[E]): void {
    for (const l of this.listeners) l(e, p);
  }
  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const dt = (now - this.last) / 1000;
      this.last = now;
      const tUs = Date.now() * 1000;
      this.infos.forEach((info, i) => {
        this.due[i] += dt * WINDOWS_PER_S;
        const k = Math.floor(this.due[i]);
        this.due[i] -= k;
        if (k === 0) return;
        const frames = Array.from({ length: k }, () => {
          const w = this.made[i]++;
          return { windowIndex: w, tUs, shaftHz: 29.95, rmsG: [0.07 + (w % 7) * 1e-3, 0.05], velocityMmS: [1.2, 0.9], anomalyScore: 0.1, detector: { kind: 'model' as const, learnPercent: 0 } };
        });
        this.emit('node.features', { path: info.path, frames });
      });
    }, 100);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.VIGIL_BENCH_GATEWAY ?? '{}') as Config;
  const nodes = new SimulatedNodes(cfg.nodes);
  const gw = new Gateway(nodes, {
    broker: cfg.broker,
    ca: readFileSync(cfg.ca),
    username: cfg.user,
    password: cfg.password,
    group: cfg.group,
    edge: cfg.edge,
    bufferDir: cfg.bufferDir,
    bufferMaxBytes: 512 * 1024 * 1024,
    log: (l) => process.stderr.write(`gateway: ${l}\n`),
  });
  gw.start();
  while (!gw.connected) await new Promise((r) => setTimeout(r, 50));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 500);
  nodes.start();
  process.stdout.write('READY\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() !== 'stop') continue;
    nodes.stop();
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const t1 = Date.now();
    while ((gw.buffer.length > 0 || !gw.connected) && Date.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(rssTimer);
    const result = {
      windowsMade: nodes.made.reduce((a, b) => a + b, 0),
      madePerDevice: Object.fromEntries(nodes.infos.map((n, i) => [n.hello!.uid, nodes.made[i]])),
      published: gw.published,
      counters: gw.counters(),
      cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      rssMb: rssMax / 1024 / 1024,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    await gw.stop();
    process.exit(0);
  }
}

void main();
