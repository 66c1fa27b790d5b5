/**
 * gateway: one plant gateway (main/gateway/gateway.ts, its own process: bench/gatewayChild.ts) with N
 * nodes publishing features at a real node's window rate (93.75 windows/s, 2 axes) through Mosquitto
 * (the shipped configuration, TLS with a test CA, test/helpers/mosquitto.ts) to two subscribing
 * workstations for DURATION seconds, with one broker restart (3 s down) in the middle.
 * The nodes are simulated in the gateway process, fed through the NodeManager's own events: 200
 * firmware processes (each computing FFTs at 48 kHz) do not fit this 2-core machine beside the
 * gateway. N = VIGIL_BENCH_GATEWAY_NODES (default 200), DURATION = VIGIL_BENCH_GATEWAY_S (default 60).
 * The two workstations are the app's own client (main/gateway/workstation.ts GatewayLinks, as the
 * app runs it: persistent session, duplicates dropped, gaps filled from the gateway's history);
 * what they hand on as node.features is what is counted.
 *
 *  - messages_published: MQTT publications by the gateway (births, DDATA, NDATA, replays)
 *  - windows_made: feature windows the simulated nodes produced
 *  - messages_lost: windows made that one of the workstations never handed on (the worse of the two)
 *  - latency_p95_ms: window made -> handed on by a workstation, p95, for windows made outside the
 *    outage (from 0.5 s before the broker stops until the gateway has replayed its buffer)
 *  - windows_handed_twice: windows a workstation handed on more than once (the worse; target 0)
 *  - gap_filled_windows, gap_lost_windows: windows the workstations found missing and got back from
 *    the gateway's history, or did not (both workstations together)
 *  - replayed_messages: DDATA the gateway replayed from its disk buffer after the restart
 *  - gateway_cpu_pct: the gateway process' CPU time / wall time, % of one core
 *  - gateway_rss_mb: its largest resident set
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ApiEvents, EventChannel } from '../models/api/contract';
import { GatewayLinks } from '../main/gateway/workstation';
import { ROOT } from '../test/helpers/firmware';
import { findMosquitto, freePort, makePasswords, makeTestCa, Mosquitto, writeShippedConfig } from '../test/helpers/mosquitto';
import type { BenchResult } from './run';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One workstation: the app's GatewayLinks, and what it handed on per device (a count per window index). */
class Workstation {
  readonly seen = new Map<string, Uint8Array>();
  /** [made ms, handed-on ms] of every window. */
  readonly times: Float64Array[] = [];
  private chunk = new Float64Array(1 << 16);
  private n = 0;
  twice = 0;
  readonly links: GatewayLinks;
  constructor(
    readonly user: string,
    dataDir: string,
  ) {
    this.links = new GatewayLinks(
      <E extends EventChannel>(event: E, payload: ApiEvents[E]) => {
        if (event !== 'node.features') return;
        const b = payload as ApiEvents['node.features'];
        const now = Date.now();
        const device = b.path.slice(b.path.lastIndexOf('/') + 1);
        let bits = this.seen.get(device);
        if (!bits) this.seen.set(device, (bits = new Uint8Array(1 << 17)));
        for (const f of b.frames) {
          if (bits[f.windowIndex]++ > 0) this.twice++;
          if (this.n + 2 > this.chunk.length) {
            this.times.push(this.chunk);
            this.chunk = new Float64Array(1 << 16);
            this.n = 0;
          }
          this.chunk[this.n++] = f.tUs / 1000;
          this.chunk[this.n++] = now;
        }
      },
      dataDir,
      () => {},
    );
  }
  connect(url: string, caPath: string, password: string): void {
    this.links.add({ url, caPath, username: this.user, password, group: 'bench' });
  }
  /** Latencies (ms) of the windows made outside [from, to]. */
  latencies(from: number, to: number): number[] {
    const out: number[] = [];
    for (const c of [...this.times, this.chunk.subarray(0, this.n)]) {
      for (let i = 0; i + 1 < c.length; i += 2) if (c[i] < from || c[i] > to) out.push(c[i + 1] - c[i]);
    }
    return out;
  }
  received(device: string, made: number): number {
    const bits = this.seen.get(device);
    if (!bits) return 0;
    let n = 0;
    for (let i = 0; i < made; i++) n += bits[i] > 0 ? 1 : 0;
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
  const subs = [new Workstation('ws-office', join(dir, 'ws-office')), new Workstation('ws-line2', join(dir, 'ws-line2'))];
  subs[0].connect(url, join(dir, 'ca.crt'), 'office-secret');
  subs[1].connect(url, join(dir, 'ca.crt'), 'line2-secret');
  for (let t0 = Date.now(); subs.some((s) => s.links.list()[0].state !== 'connected'); await sleep(50)) {
    if (Date.now() - t0 > 30_000) throw new Error('the workstations did not connect to the broker');
  }

  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'gatewayChild.ts')], {
    cwd: ROOT,
    env: { ...process.env, VIGIL_BENCH_GATEWAY: JSON.stringify({ broker: url, ca: join(dir, 'ca.crt'), user: 'gwbench', password: 'gw-secret', group: 'bench', edge: 'gwbench', nodes, bufferDir: join(dir, 'buffer') }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // The gateway's log goes on to ours; its "replayed" line ends the outage for the latency figure.
  let replayedAt = Infinity;
  createInterface({ input: child.stderr! }).on('line', (l) => {
    process.stderr.write(`${l}\n`);
    if (/replayed \d+ buffered/.test(l) && replayedAt === Infinity) replayedAt = Date.now();
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
    const stoppedAt = Date.now();
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
        latency_p95_ms: Math.round(p95([...subs[0].latencies(stoppedAt - 500, replayedAt), ...subs[1].latencies(stoppedAt - 500, replayedAt)]) * 10) / 10,
        windows_handed_twice: Math.max(...subs.map((s) => s.twice)),
        gap_filled_windows: subs.reduce((n, s) => n + s.links.list()[0].gapFill.filledWindows, 0),
        gap_lost_windows: subs.reduce((n, s) => n + s.links.list()[0].gapFill.lostWindows, 0),
        replayed_messages: result.counters.replayed,
        dropped_messages: result.counters.dropped,
        gateway_cpu_pct: Math.round(result.cpuPct * 10) / 10,
        gateway_rss_mb: Math.round(result.rssMb * 10) / 10,
      },
      targets: { messages_lost: '0', latency_p95_ms: '<= 250', windows_handed_twice: '0' },
      notes: [
        `${nodes} simulated nodes in the gateway process (not firmware processes), 93.75 windows/s each, one DDATA per node every 100 ms`,
        'one broker restart (SIGTERM, 3 s down, same persistence) in the middle; lost counts windows (window_index) either workstation never handed on',
        "the workstations are the app's client (main/gateway/workstation.ts): a window counts when it leaves as node.features, in order, once",
        'latency leaves out the windows made from 0.5 s before the broker stopped until the gateway had replayed its buffer: they wait out the outage by design',
        'both workstations run in the bench process, which shares the 2 cores with the gateway and Mosquitto',
      ],
    };
  } finally {
    child.kill('SIGKILL');
    for (const s of subs) await s.links.shutdown();
    await broker.stop();
  }
}
