/**
 * gateway: one plant gateway (main/gateway/gateway.ts, its own process: bench/gatewayChild.ts) with N
 * nodes publishing features at a real node's window rate (93.75 windows/s, 2 axes) through Mosquitto
 * (the shipped configuration, TLS with a test CA, test/helpers/mosquitto.ts) to two subscribing
 * workstations for DURATION seconds, with one broker restart (3 s down) in the middle.
 * The nodes are simulated in the gateway process, fed through the NodeManager's own events: 200
 * firmware processes (each computing FFTs at 48 kHz) do not fit this 2-core machine beside the
 * gateway. N = VIGIL_BENCH_GATEWAY_NODES (default 200), DURATION = VIGIL_BENCH_GATEWAY_S (default 60).
 *
 *  - messages_published: MQTT publications by the gateway (births, DDATA, NDATA, replays)
 *  - windows_made: feature windows the simulated nodes produced
 *  - messages_lost: windows made that one of the workstations never received (the worse of the two)
 *  - latency_p95_ms: window made -> decoded at a workstation, live (not replayed) windows, p95
 *  - replayed_messages: DDATA the gateway replayed from its disk buffer after the restart
 *  - gateway_cpu_pct: the gateway process' CPU time / wall time, % of one core
 *  - gateway_rss_mb: its largest resident set
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type MqttClient } from 'mqtt';
import { get as sparkplugCodec } from 'sparkplug-payload';
import { ROOT } from '../test/helpers/firmware';
import { findMosquitto, freePort, makePasswords, makeTestCa, Mosquitto, writeShippedConfig } from '../test/helpers/mosquitto';
import type { BenchResult } from './run';

const codec = sparkplugCodec('spBv1.0')!;
const toNum = (v: unknown): number => (v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Subscriber {
  readonly seen = new Map<string, Uint8Array>();
  readonly latencies: number[] = [];
  client!: MqttClient;
  constructor(readonly user: string) {}
  async connect(url: string, ca: Buffer, password: string): Promise<void> {
    this.client = connect(url, { ca, username: this.user, password, clientId: this.user, clean: false, reconnectPeriod: 300, protocolVersion: 4 });
    this.client.on('message', (topic, payload) => {
      if (!topic.includes('/DDATA/')) return;
      const device = topic.split('/')[4];
      const now = Date.now();
      const p = codec.decodePayload(new Uint8Array(payload));
      let bits = this.seen.get(device);
      if (!bits) this.seen.set(device, (bits = new Uint8Array(1 << 17)));
      let historical = false;
      for (const m of p.metrics ?? []) {
        if (m.isHistorical) historical = true;
        if (m.name === 'features/window_index') bits[toNum(m.value)] = 1;
        else if (m.name === 'features/t_us' && !historical) this.latencies.push(now - toNum(m.value) / 1000);
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.client.once('connect', () => this.client.subscribe('spBv1.0/bench/#', { qos: 1 }, (e) => (e ? reject(e) : resolve())));
      this.client.once('error', reject);
    });
  }
  received(device: string, made: number): number {
    const bits = this.seen.get(device);
    if (!bits) return 0;
    let n = 0;
    for (let i = 0; i < made; i++) n += bits[i];
    return n;
  }
}

function p95(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
}

export async function gatewayBench(): Promise<BenchResult> {
  const nodes = Number(process.env.VIGIL_BENCH_GATEWAY_NODES ?? 200);
  const seconds = Number(process.env.VIGIL_BENCH_GATEWAY_S ?? 60);
  const mq = findMosquitto();
  if (!mq.available) throw new Error(`the gateway bench needs Mosquitto: ${mq.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-gateway-'));
  makeTestCa(dir);
  makePasswords(dir, { gwbench: 'gw-secret', 'ws-office': 'office-secret', 'ws-line2': 'line2-secret' });
  // The shipped ACL names the group 'plant'; the bench's workstations read group 'bench'.
  const port = await freePort();
  const conf = writeShippedConfig(dir, port);
  writeFileSync(join(dir, 'vigil.acl'), readFileSync(join(dir, 'vigil.acl'), 'utf8').replaceAll('spBv1.0/plant/', 'spBv1.0/bench/'));
  const broker = new Mosquitto(conf, port);
  await broker.start();
  const url = `mqtts://localhost:${port}`;
  const ca = readFileSync(join(dir, 'ca.crt'));
  const subs = [new Subscriber('ws-office'), new Subscriber('ws-line2')];
  await subs[0].connect(url, ca, 'office-secret');
  await subs[1].connect(url, ca, 'line2-secret');

  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'gatewayChild.ts')], {
    cwd: ROOT,
    env: { ...process.env, VIGIL_BENCH_GATEWAY: JSON.stringify({ broker: url, ca: join(dir, 'ca.crt'), user: 'gwbench', password: 'gw-secret', group: 'bench', edge: 'gwbench', nodes, bufferDir: join(dir, 'buffer') }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  let resultLine: string | undefined;
  let ready = false;
  lines.on('line', (l) => {
    if (l === 'READY') ready = true;
    if (l.startsWith('RESULT ')) resultLine = l.slice(7);
  });
  try {
    const t0 = Date.now();
    while (!ready) {
      if (Date.now() - t0 > 30_000 || child.exitCode !== null) throw new Error('the gateway process did not start');
      await sleep(50);
    }
    await sleep((seconds / 2) * 1000);
    await broker.stop();
    await sleep(3000);
    await broker.start();
    await sleep((seconds / 2 - 3) * 1000);
    child.stdin!.write('stop\n');
    const t1 = Date.now();
    while (resultLine === undefined) {
      if (Date.now() - t1 > 90_000 || child.exitCode !== null) throw new Error('the gateway process gave no result');
      await sleep(100);
    }
    const result = JSON.parse(resultLine) as { windowsMade: number; madePerDevice: Record<string, number>; published: number; counters: { replayed: number; dropped: number }; cpuPct: number; rssMb: number };
    // Let the workstations catch up (at most 30 s).
    const lostNow = () =>
      Math.max(...subs.map((s) => Object.entries(result.madePerDevice).reduce((sum, [d, made]) => sum + made - s.received(d, made), 0)));
    let lost = lostNow();
    for (let waited = 0; lost > 0 && waited < 30_000; waited += 500) {
      await sleep(500);
      lost = lostNow();
    }
    return {
      name: 'gateway',
      figures: {
        nodes,
        duration_s: seconds,
        messages_published: result.published,
        windows_made: result.windowsMade,
        messages_lost: lost,
        latency_p95_ms: Math.round(p95([...subs[0].latencies, ...subs[1].latencies]) * 10) / 10,
        replayed_messages: result.counters.replayed,
        dropped_messages: result.counters.dropped,
        gateway_cpu_pct: Math.round(result.cpuPct * 10) / 10,
        gateway_rss_mb: Math.round(result.rssMb * 10) / 10,
      },
      targets: { messages_lost: '0', latency_p95_ms: '<= 250' },
      notes: [
        `${nodes} simulated nodes in the gateway process (not firmware processes), 93.75 windows/s each, one DDATA per node every 100 ms`,
        'one broker restart (SIGTERM, 3 s down, same persistence) in the middle; lost counts windows (window_index) either workstation never decoded',
        'latency is for live windows only; replayed windows wait out the outage by design',
        'both workstations decode in the bench process, which shares the 2 cores with the gateway and Mosquitto',
      ],
    };
  } finally {
    child.kill('SIGKILL');
    for (const s of subs) s.client.end(true);
    await broker.stop();
  }
}
