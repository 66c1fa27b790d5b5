/**
 * ingest: the browser-mode app under a fleet's load, in headless Chromium.
 *  - 16 virtual nodes (firmware/build/host/vigil-node) replay the CWRU demo recordings (48 kHz,
 *    2 axes, window 1024, hop 512: FEATURES at 93.75 windows/s), and 2 more replay a 3-column
 *    recording at 26,667 Hz (the IIS3DWB's 26.667 kHz, in the whole hertz --rate takes) with
 *    STREAM features + raw at decimation 1 (RAW_BLOCK, int16, 3 axes) besides their FEATURES at
 *    52.08 windows/s. The bench starts the nodes itself (so it can read their own counters) and
 *    connects them through the API (nodes.connect), as a technician connects a port.
 *  - The host is main/cli/host.ts as `npm start` runs it (test/helpers/browser.ts); two pages in
 *    one browser context: #/fleet and one node's analysis (#/live/<uid> of the first raw node); with
 *    --view all, #/live instead: every online node's card (RMS trend, and the raw waveform of the
 *    raw nodes, which are connected first so that their cards are on top).
 *  - bench/ingestProbe.ts is injected into both pages: window indices and raw frame numbers as
 *    each page receives them, node LOG lines, chart draws, requestAnimationFrame.
 * Figures over the measured interval (--seconds N, default 60), after a warm-up:
 *  frames_offered   the nodes' own counters (exit summary: FEATURES sent + RAW_BLOCK sent +
 *                   frames refused by the link) over the run, start to stop;
 *  frames_before_open  of those, the ones a node sent before the app opened its port, which the
 *                   port's open discarded unread (the node's own count: it sees the flush);
 *  frames_dropped   of the rest, the ones the Live page never got (counted after it caught up with
 *                   its backlog); where they were lost: dropped_at_node (the node's own count),
 *                   lost_after_node, and for the measured interval the host's gap counters
 *                   (LinkStats.missedWindows / missedRawFrames from nodes.list) and the nodes'
 *                   LOG 7 "frames dropped" lines;
 *  fps              requestAnimationFrame rate, the lower of the two pages;
 *  latency_p95_ms   a window's end on the node's sample clock, mapped to wall time by the host's
 *                   TIME sync (NodeInfo.time), to the end of the RMS chart's draw that first
 *                   shows it (probe, above); per FEATURES window;
 *  cpu_*_pct        /proc/PID/stat utime+stime over the interval, % of one core.
 * --profile DIR (a developer's option, no figure changes): a V8 CPU profile of each page over the
 * measured interval (DIR/live.cpuprofile, DIR/fleet.cpuprofile; open them in Chromium's DevTools),
 * and the 25 functions with the most self time printed in the notes; with VIGIL_NO_MINIFY=1 the renderer is
 * built unminified (scripts/build.mjs), so the names are the source's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import WebSocket from 'ws';
import type { NodeInfo, TimeSync } from '../models/api/contract';
import { exitSummary, startVirtualNode, type Recording, type VirtualNode } from '../main/node/virtualNode';
import { openPage, startBrowserHost, type BrowserHost } from '../test/helpers/browser';
import { ROOT } from '../test/helpers/firmware';
import { INGEST_PROBE } from './ingestProbe';
import type { BenchResult } from './run';

const RAW_RATE_HZ = 26_667;
const WARMUP_MS = 5_000;

/** --NAME N (or --NAME=N), at least `min`; `fallback` when absent. bench/run.ts skips the values of --seconds, --feature-nodes and --raw-nodes when it reads benchmark names. */
export function numberArg(argv: string[], name: string, fallback: number, min: number): number {
  let v: string | undefined;
  argv.forEach((a, i) => {
    if (a === name) v = argv[i + 1];
    else if (a.startsWith(`${name}=`)) v = a.slice(name.length + 1);
  });
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} needs a number, at least ${min} (got ${v})`);
  return n;
}

// ---- the API, as the page speaks it (main/host/server.ts) ----

class Api {
  private nextId = 1;
  private readonly waiting = new Map<number, { ok: (r: unknown) => void; fail: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      // Events (the whole fleet's stream) are skipped unread: only responses matter here.
      const head = '{"type":"response",';
      if (data.subarray(0, head.length).toString() !== head) return;
      const m = JSON.parse(data.toString()) as { id: number; ok: boolean; result?: unknown; error?: { message: string } };
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.ok(m.result);
      else w?.fail(new Error(m.error?.message ?? 'refused'));
    });
  }
  static open(hostUrl: string): Promise<Api> {
    const u = new URL(hostUrl);
    const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`, { origin: `http://${u.host}` });
    return new Promise((ok, fail) => {
      ws.once('open', () => ok(new Api(ws)));
      ws.once('error', fail);
    });
  }
  call<T>(channel: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type: 'request', id, channel, args }));
    return new Promise<T>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${channel}: no answer in 30 s`)), 30_000);
      this.waiting.set(id, { ok: (r) => (clearTimeout(timer), ok(r as T)), fail: (e) => (clearTimeout(timer), fail(e)) });
    });
  }
  close(): void {
    this.ws.close();
  }
}

async function withApi<T>(hostUrl: string, f: (api: Api) => Promise<T>): Promise<T> {
  const api = await Api.open(hostUrl);
  try {
    return await f(api);
  } finally {
    api.close();
  }
}

// ---- CPU from /proc ----

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

interface Proc {
  pid: number;
  ppid: number;
  ticks: number;
  cmd: string;
}

function readProcs(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.set(Number(name), { pid: Number(name), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), cmd });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

type ProcKind = 'host' | 'renderer' | 'chromium' | 'nodes';

/** This process's descendants by kind: the host, Chromium's renderers, the rest of Chromium, the virtual nodes. */
function classify(procs: Map<number, Proc>, hostPid: number): Map<number, ProcKind> {
  const kinds = new Map<number, ProcKind>();
  const mine = (p: Proc): boolean => {
    for (let q: Proc | undefined = p, hops = 0; q && hops < 20; q = procs.get(q.ppid), hops++) if (q.ppid === process.pid) return true;
    return false;
  };
  for (const p of procs.values()) {
    if (!mine(p)) continue;
    if (p.pid === hostPid) kinds.set(p.pid, 'host');
    else if (p.cmd.includes('vigil-node')) kinds.set(p.pid, 'nodes');
    else if (/chrom/i.test(p.cmd)) kinds.set(p.pid, p.cmd.includes('--type=renderer') ? 'renderer' : 'chromium');
  }
  return kinds;
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// ---- the nodes ----

interface BenchNode {
  vn: VirtualNode;
  name: string;
  raw: boolean;
  /** The node's stderr, for its exit summary. */
  stderr: () => string;
}

/** A 3-column recording for the raw nodes: the two channels of the healthy CWRU demo and the inner-race one's drive end. */
function rawRecording(dir: string): Recording {
  const a = readFileSync(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'), 'utf8').trim().split('\n').slice(1);
  const b = readFileSync(join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv'), 'utf8').trim().split('\n').slice(1);
  const n = Math.min(a.length, b.length);
  const rows = ['X,Y,Z'];
  for (let i = 0; i < n; i++) rows.push(`${a[i].trim()},${b[i].split(',')[0].trim()}`);
  const file = join(dir, 'raw3.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return { file, rateHz: RAW_RATE_HZ, columns: ['X', 'Y', 'Z'], label: '3-axis, CWRU samples replayed at 26,667 Hz', shaftHz: 0 };
}

/** Feature nodes alternate between the healthy and the inner-race demo recordings. */
async function startNode(name: string, raw: boolean, inner: boolean, csv?: Recording): Promise<BenchNode> {
  const vn = await startVirtualNode({ root: ROOT, recording: inner ? 'cwru-inner-race' : 'cwru-normal', name, ...(csv ? { csv } : {}) });
  let err = '';
  vn.process.stderr!.on('data', (d: string) => (err += d));
  return { vn, name, raw, stderr: () => err };
}


/**
 * The sample clock to wall time, by TIME (nodes.time). The virtual node replays at the real rate
 * from its start: the last sample of window k is due at t0 + t_us. A node that the machine starves
 * falls behind, and a TIME answer then puts t0 later than it is (offset = t0 + lag, plus up to one
 * hop while it sleeps between hops). So of all the syncs (the session's own at connect, five
 * before the interval, five after) the smallest offset is the nearest to t0; rtt here is well under
 * a millisecond. Returns the syncs that failed.
 */
async function syncClocks(api: Api, nodes: BenchNode[], best: Map<string, TimeSync>): Promise<number> {
  let failed = 0;
  for (let round = 0; round < 5; round++) {
    for (const n of nodes) {
      const t = await api.call<TimeSync>('nodes.time', { path: n.vn.path }).catch(() => null);
      if (!t) {
        failed++;
        continue;
      }
      const b = best.get(n.vn.path);
      if (!b || t.offsetUs < b.offsetUs) best.set(n.vn.path, t);
    }
  }
  return failed;
}

// ---- a page's CPU profile (--profile) ----

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples?: number[];
  timeDeltas?: number[];
}

async function startProfile(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return cdp;
}

/** Stops a page's profile, writes it, and names the functions with the most self time. */
async function stopProfile(cdp: CDPSession, file: string): Promise<string> {
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const n = byNode.get(samples[i]);
    if (!n) continue;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
    const dt = (deltas[i] ?? 0) / 1000;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return `${file}; ${total.toFixed(0)} ms sampled; self time: ${top.map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`).join(', ')}`;
}

// ---- what the page saw ----

interface FeatSeen {
  first: number;
  last: number;
  frames: number;
  gaps: number;
  dups: number;
}
interface RawSeen {
  first: number;
  end: number;
  frames: number;
  blocks: number;
  gapFrames: number;
  blockFrames: number;
}
interface ProbeSnapshot {
  wall: number;
  visibility: string;
  feat: Record<string, FeatSeen>;
  raw: Record<string, RawSeen>;
  rafFrames: number;
  rafMs: number;
  rafLong: number;
  rafWorst: number;
  rafIntervals: number[];
  messages: number;
  bytes: number;
  logs: { path: string; code: number; level: string; text: string; atMs: number; t: number }[];
}
interface ProbeSamples {
  kind: number[];
  path: string[];
  node: number[];
  recv: number[];
  draw: number[];
}

const round = (x: number, d = 0) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** The numbers in the nodes' LOG 7 lines ("frames dropped: N") that the host received between two wall times. */
function loggedDrops(s: ProbeSnapshot, fromMs: number, toMs: number): number {
  return s.logs.filter((l) => l.code === 7 && l.atMs >= fromMs && l.atMs <= toMs).reduce((n, l) => n + (Number(/(\d+)\s*$/.exec(l.text)?.[1]) || 0), 0);
}

/** FEATURES windows and RAW_BLOCKs a page received, all nodes. */
function received(s: ProbeSnapshot): number {
  return Object.values(s.feat).reduce((a, f) => a + f.frames, 0) + Object.values(s.raw).reduce((a, r) => a + r.blocks, 0);
}

/** After the nodes stopped: waits until neither page has received anything for 3 s (at most 180 s); returns how long that took, s. */
async function drain(pages: Page[]): Promise<number> {
  const t0 = Date.now();
  let last = -1;
  let still = 0;
  while (Date.now() - t0 < 180_000 && still < 3) {
    await new Promise((r) => setTimeout(r, 1000));
    const n = (await Promise.all(pages.map((p) => p.evaluate(() => window.__vigilProbe.snapshot())))).reduce((a, s) => a + received(s), 0);
    still = n === last ? still + 1 : 0;
    last = n;
  }
  return (Date.now() - t0) / 1000 - still;
}

export async function ingestBench(): Promise<BenchResult> {
  const argv = process.argv.slice(2);
  // --seconds: the measured interval (default 60); --feature-nodes / --raw-nodes: fewer nodes, to find a bottleneck.
  const seconds = numberArg(argv, '--seconds', 60, 5);
  const FEATURE_NODES = Math.round(numberArg(argv, '--feature-nodes', 16, 0));
  const RAW_NODES = Math.round(numberArg(argv, '--raw-nodes', 2, 0));
  // --view analysis (default): the Live page shows one node's analysis (#/live/<uid>: its RMS, velocity,
  // score, PSD and waterfall), as the issue's benchmark asks; --view all: every node's Live card.
  const viewArg = argv[argv.indexOf('--view') + 1];
  const VIEW: 'analysis' | 'all' = argv.includes('--view') && viewArg === 'all' ? 'all' : 'analysis';
  const PROFILE_DIR = argv.includes('--profile') ? argv[argv.indexOf('--profile') + 1] : undefined;
  if (argv.includes('--profile') && (!PROFILE_DIR || PROFILE_DIR.startsWith('--'))) throw new Error('--profile needs a directory');
  const notes: string[] = [];
  const figures: BenchResult['figures'] = {};
  // Build what runs: the renderer from these sources (a stale dist/ would measure old code), the virtual node.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), 'renderer', 'firmware'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}${build.stdout}`);

  const tmp = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
  process.env.VIGIL_DATA_DIR ??= join(tmp, 'data');
  const problems: string[] = [];
  let host: BrowserHost | undefined;
  const nodes: BenchNode[] = [];
  let close: (() => Promise<void>) | undefined;
  try {
    host = await startBrowserHost();
    const { context, page: live } = await openPage(problems, { tag: 'live', viewport: { width: 1440, height: 900 }, profile: join(tmp, 'profile') });
    close = () => context.close();
    await context.addInitScript({ content: INGEST_PROBE });
    // The Fleet page in a window of its own: a second tab of one window is a background tab,
    // whose animation frames Chromium holds to about 1 per second (measured: the Live page at
    // 1 fps with 2 nodes). noopener: its own renderer process, as a tab the technician opens.
    const [fleet] = await Promise.all([context.waitForEvent('page'), live.evaluate(() => void window.open('about:blank', '_blank', 'noopener,popup,width=1440,height=900'))]);
    fleet.on('pageerror', (e) => problems.push(`fleet page error: ${e.message}`));
    fleet.on('console', (m) => m.type() === 'error' && problems.push(`fleet console: ${m.text()}`));
    const base = host.url.replace(/#.*$/, '');
    await fleet.goto(`${base}#/fleet`);
    await fleet.getByTestId('fleet-page').waitFor({ timeout: 30_000 });
    await live.goto(`${base}#/live`);
    await live.getByTestId('live-page').waitFor({ timeout: 30_000 });

    // The nodes: raw ones first (their Live cards come first), then the feature nodes.
    // Each is connected as soon as it runs: a node nobody reads drops its frames (pty full).
    const raw3 = rawRecording(tmp);
    const sync = new Map<string, TimeSync>();
    let timeFailures = 0;
    await withApi(host.url, async (api) => {
      for (let i = 0; i < RAW_NODES + FEATURE_NODES; i++) {
        const raw = i < RAW_NODES;
        const n = raw ? await startNode(`bench-raw-${i + 1}`, true, false, raw3) : await startNode(`bench-f${String(i - RAW_NODES + 1).padStart(2, '0')}`, false, i % 2 === 1);
        nodes.push(n);
        await api.call<NodeInfo>('nodes.connect', { path: n.vn.path });
        if (raw) await api.call<NodeInfo>('nodes.stream', { path: n.vn.path, features: true, raw: true, rawDecimation: 1 });
      }
      timeFailures += await syncClocks(api, nodes, sync);
    });
    await live.locator('[data-testid="live-card"]').nth(nodes.length - 1).waitFor({ timeout: 30_000 });
    let analysed = '';
    if (VIEW === 'analysis') {
      // The first node (a raw one when there are any): its analysis page, as a technician opens it from its card.
      const listed = await withApi(host.url, (api) => api.call<NodeInfo[]>('nodes.list'));
      const first = listed.find((n) => n.path === nodes[0].vn.path);
      if (!first?.hello) throw new Error('the first node has no HELLO yet: cannot open its analysis');
      analysed = first.hello.name;
      // A hash change inside the page (no reload): the probe keeps every frame it counted since the start.
      await live.evaluate((h) => void (location.hash = h), `#/live/${first.hello.uid}`);
      await live.getByTestId('node-analysis').waitFor({ timeout: 30_000 });
    } else if (RAW_NODES > 0) await live.locator('[data-testid="raw-chart"]').first().scrollIntoViewIfNeeded();
    await new Promise((r) => setTimeout(r, WARMUP_MS));

    // ---- the measured interval ----
    const list0 = await withApi(host.url, (api) => api.call<NodeInfo[]>('nodes.list'));
    const kinds = classify(readProcs(), host.child.pid!);
    const procs0 = readProcs();
    const m0 = machineTicks();
    const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const t0 = Date.now();
    const profilers = PROFILE_DIR ? await Promise.all([live, fleet].map((p) => startProfile(context, p))) : [];
    const [live0] = await Promise.all([live.evaluate(() => window.__vigilProbe.start()), fleet.evaluate(() => window.__vigilProbe.start())]);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const [live1, fleet1] = await Promise.all([live.evaluate(() => window.__vigilProbe.stop()), fleet.evaluate(() => window.__vigilProbe.stop())]);
    if (PROFILE_DIR) {
      const names = ['live', 'fleet'];
      for (let i = 0; i < profilers.length; i++) notes.push(`profile of the ${names[i]} page: ${await stopProfile(profilers[i], join(PROFILE_DIR, `${names[i]}.cpuprofile`))}`);
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const procs1 = readProcs();
    const m1 = machineTicks();
    const samples = await live.evaluate(() => window.__vigilProbe.samples());
    const list1 = await withApi(host.url, async (api) => {
      timeFailures += await syncClocks(api, nodes, sync);
      return api.call<NodeInfo[]>('nodes.list');
    });

    // Where frames were lost during the interval: the host's gap counters, the nodes' LOG 7 lines.
    const byPath = (l: NodeInfo[]) => new Map(l.map((n) => [n.path, n]));
    const before = byPath(list0);
    let hostMissedWindows = 0;
    let hostMissedRawBlocks = 0;
    let hostBadFrames = 0;
    const blockFramesOf = (path: string) => live1.raw[path]?.blockFrames ?? 0;
    for (const n of list1) {
      const s0 = before.get(n.path)?.stats;
      if (!s0) continue;
      hostMissedWindows += n.stats.missedWindows - s0.missedWindows;
      if (blockFramesOf(n.path)) hostMissedRawBlocks += Math.round((n.stats.missedRawFrames - s0.missedRawFrames) / blockFramesOf(n.path));
      hostBadFrames += n.stats.badCobs + n.stats.badCrc + n.stats.badLength - (s0.badCobs + s0.badCrc + s0.badLength);
    }

    // The nodes stop streaming (so nothing is left in a pty when they exit), then stop: their exit
    // summaries are their own counters. Then the pages get what is still on its way.
    const stopFailures = await withApi(host.url, async (api) => {
      let failed = 0;
      for (const n of nodes) await api.call('nodes.stream', { path: n.vn.path, features: false, raw: false, rawDecimation: 1 }).catch(() => failed++);
      return failed;
    });
    await new Promise((r) => setTimeout(r, 2000));
    await Promise.all(nodes.map((n) => n.vn.stop()));
    const drainS = await drain([live, fleet]);
    const [liveEnd, fleetEnd] = await Promise.all([live.evaluate(() => window.__vigilProbe.snapshot()), fleet.evaluate(() => window.__vigilProbe.snapshot())]);
    let featuresSent = 0;
    let rawSent = 0;
    let txDropped = 0;
    let catchUpWaits = 0;
    let catchUpWaitMs = 0;
    const perNode: string[] = [];
    let beforeOpen = 0;
    let summaries = 0;
    const untold: string[] = [];
    // Each node's first window on the Live page against what it sent before the port was opened:
    // equal when nothing after the open was lost at the start.
    let firstMatches = 0;
    for (const n of nodes) {
      const x = exitSummary(n.stderr());
      if (!x) continue;
      summaries++;
      featuresSent += x.featuresSent;
      rawSent += x.rawSent;
      txDropped += x.dropped;
      catchUpWaits += x.catchUpWaits ?? 0;
      catchUpWaitMs += x.catchUpWaitMs ?? 0;
      if (x.dropped > 0 || (x.catchUpWaits ?? 0) > 0) perNode.push(`${n.name}: ${x.dropped} dropped, ${x.catchUpWaits ?? '?'} catch-up waits (${x.catchUpWaitMs ?? '?'} ms)`);
      if (x.beforeOpen === undefined) untold.push(`${n.name}: ${/frames offered before the port was opened: (.*)/.exec(n.stderr())?.[1] ?? 'no line'}`);
      else beforeOpen += x.beforeOpen;
      if (x.beforeOpen !== undefined && liveEnd.feat[n.vn.path]?.first === x.beforeOpen) firstMatches++;
    }
    if (summaries !== nodes.length) throw new Error(`only ${summaries} of ${nodes.length} virtual nodes printed their exit summary`);
    const offered = featuresSent + rawSent + txDropped;
    figures.frames_offered = offered;
    // Frames sent before the app opened the node's port were offered to no one: the port's open
    // (serialport's tcflush) discards what waited in the pty, as a port discards what came before
    // it was opened. They are in frames_offered, not in frames_dropped (see the notes).
    figures.frames_before_open = beforeOpen;
    figures.frames_dropped = offered - beforeOpen - received(liveEnd);
    figures.dropped_at_node = txDropped;
    figures.node_catch_up_waits = catchUpWaits;
    figures.node_catch_up_wait_ms = catchUpWaitMs;
    notes.push(
      `a virtual node is a process on this machine: starved of CPU it falls behind its sample clock and owes windows; it then catches up no faster than the host reads, for at most its own lateness (firmware/boards/host/main.c, wait_for_room): node_catch_up_waits ${catchUpWaits} times, ${catchUpWaitMs} ms in all over ${nodes.length} nodes. A frame that does not fit while the node is on schedule is dropped and counted in dropped_at_node, as a real node would. Per node: ${perNode.length ? perNode.join('; ') : 'none dropped or waited'}`,
    );
    figures.lost_after_node = featuresSent + rawSent - beforeOpen - received(liveEnd);
    figures.lost_after_node_fleet_page = featuresSent + rawSent - beforeOpen - received(fleetEnd);
    figures.node_features_sent = featuresSent;
    figures.node_raw_blocks_sent = rawSent;
    figures.interval_host_missed_windows = hostMissedWindows;
    figures.interval_host_missed_raw_blocks = hostMissedRawBlocks;
    figures.interval_node_logged_drops = loggedDrops(liveEnd, t0, t0 + elapsedS * 1000);
    figures.host_bad_frames = hostBadFrames;
    figures.page_drain_s = round(drainS, 1);

    // fps: the lower of the two pages.
    const fpsLive = (live1.rafFrames / live1.rafMs) * 1000;
    const fpsFleet = (fleet1.rafFrames / fleet1.rafMs) * 1000;
    figures.fps = round(Math.min(fpsLive, fpsFleet), 1);
    figures.fps_live_page = round(fpsLive, 1);
    figures.fps_fleet_page = round(fpsFleet, 1);
    figures.frame_interval_p95_ms = round(quantile(live1.rafIntervals, 0.95), 1);
    figures.frames_over_50ms_live = live1.rafLong;

    // Latency: node sample clock -> wall (TIME) -> the draw that first shows the window.
    const time = new Map<string, { sync: TimeSync; rate: number }>();
    for (const n of list1) {
      const best = sync.get(n.path) ?? n.time;
      if (best && n.hello) time.set(n.path, { sync: n.time && n.time.offsetUs < best.offsetUs ? n.time : best, rate: n.hello.sampleRateHz });
    }
    const feat: number[] = [];
    const featRecv: number[] = [];
    const recvDraw: number[] = [];
    const rawLat: number[] = [];
    let untimed = 0;
    let maxRtt = 0;
    for (let i = 0; i < samples.kind.length; i++) {
      const tm = time.get(samples.path[i]);
      if (!tm) {
        untimed++;
        continue;
      }
      maxRtt = Math.max(maxRtt, tm.sync.rttUs);
      const nodeUs = samples.kind[i] === 0 ? samples.node[i] : Math.floor((samples.node[i] * 1e6) / tm.rate);
      const nodeWallMs = (nodeUs + tm.sync.offsetUs) / 1000;
      if (samples.kind[i] === 0) {
        feat.push(samples.draw[i] - nodeWallMs);
        featRecv.push(samples.recv[i] - nodeWallMs);
        recvDraw.push(samples.draw[i] - samples.recv[i]);
      } else rawLat.push(samples.draw[i] - nodeWallMs);
    }
    figures.latency_p95_ms = round(quantile(feat, 0.95), 1);
    figures.latency_p50_ms = round(quantile(feat, 0.5), 1);
    figures.latency_max_ms = round(quantile(feat, 1), 1);
    figures.latency_node_to_page_p95_ms = round(quantile(featRecv, 0.95), 1);
    figures.latency_node_to_page_min_ms = round(quantile(featRecv, 0), 1);
    figures.latency_page_to_draw_p95_ms = round(quantile(recvDraw, 0.95), 1);
    figures.latency_raw_p95_ms = round(quantile(rawLat, 0.95), 1);
    figures.latency_samples = feat.length;
    const negative = featRecv.filter((x) => x < 0).length;

    // CPU over the interval, % of one core.
    const cpu: Record<ProcKind, number> = { host: 0, renderer: 0, chromium: 0, nodes: 0 };
    for (const [pid, kind] of kinds) {
      const p1 = procs1.get(pid);
      if (p1) cpu[kind] += p1.ticks - (procs0.get(pid)?.ticks ?? 0);
    }
    const pct = (ticks: number) => round((ticks / CLK_TCK / elapsedS) * 100, 1);
    figures.cpu_main_pct = pct(cpu.host);
    figures.cpu_renderer_pct = pct(cpu.renderer);
    figures.cpu_chromium_other_pct = pct(cpu.chromium);
    figures.cpu_nodes_pct = pct(cpu.nodes);
    figures.cpu_machine_busy_pct = round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 1);
    figures.seconds = round(elapsedS, 1);

    const list = list1;
    const lifeMissed = list.reduce((a, n) => a + n.stats.missedWindows, 0);
    const lifeMissedRaw = list.reduce((a, n) => a + n.stats.missedRawFrames, 0);
    const pageGaps = Object.values(live1.feat).reduce((a, f) => a + f.gaps, 0);
    const pageRawGaps = Object.values(live1.raw).reduce((a, r) => a + r.gapFrames, 0);
    const perRenderer = [...kinds]
      .filter(([, k]) => k === 'renderer')
      .map(([pid]) => pct((procs1.get(pid)?.ticks ?? 0) - (procs0.get(pid)?.ticks ?? 0)))
      .sort((a, b) => (b ?? 0) - (a ?? 0));

    const renderers = [...kinds.values()].filter((k) => k === 'renderer').length;
    const pages = `live page ${live1.visibility}, ${((live1.bytes - live0.bytes) / 1e6 / elapsedS).toFixed(2)} MB/s of API messages, JSON and binary (${live1.messages - live0.messages} messages); fleet page ${fleet1.visibility}`;
    notes.push(
      `${FEATURE_NODES} feature nodes (CWRU demo CSVs, 48 kHz, 2 axes, window 1024 / hop 512: 93.75 FEATURES/s each) + ${RAW_NODES} raw nodes (3 axes at ${RAW_RATE_HZ} Hz: the IIS3DWB's 26.667 kHz rounded to the whole hertz the virtual node's --rate takes; STREAM features + raw, decimation 1: RAW_BLOCKs of ${Object.values(live1.raw)[0]?.blockFrames ?? '-'} frames, and 52.08 FEATURES/s), started by the bench and connected with nodes.connect; ${WARMUP_MS / 1000} s warm-up, then ${round(elapsedS, 1)} s measured`,
      VIEW === 'analysis'
        ? `pages: #/live/<uid> (node ${analysed}'s analysis: velocity, RMS, score, spectrum and waterfall; latency from its RMS trend and, for raw, its PSD, recomputed four times a second) and #/fleet (a window of its own) in one headless Chromium context (${renderers} renderer process${renderers === 1 ? '' : 'es'}); ${pages}; --view all shows every node's Live card instead`
        : `pages: #/live and #/fleet (a window of its own) in one headless Chromium context (${renderers} renderer process${renderers === 1 ? '' : 'es'}); ${pages}; --view all: the Live page shows every online node's card (${nodes.length} RMS charts, ${RAW_NODES} raw charts)`,
      `frames_offered: the nodes' own counters from their exit summaries (FEATURES sent + RAW_BLOCK sent + frames their link refused), over the whole run: from each node's start (it is connected at once) through the warm-up and the interval to SIGTERM. frames_dropped: offered minus frames_before_open minus the FEATURES windows and RAW_BLOCKs the Live page received, counted by window index and raw frame number once it had caught up (page_drain_s after the nodes stopped). dropped_at_node: frames the node's write to the pty refused (its output buffer full: the host did not read in time); lost_after_node: sent after the port was opened but never on the page (pty, host, WebSocket, page). interval_*: during the measured interval only: LinkStats.missedWindows / missedRawFrames deltas (nodes.list before and after) and the nodes' LOG 7 "frames dropped" lines (the host's receive time within it)`,
      `frames_before_open: the frames each node had sent when the app opened its port (nodes.connect), which the port's open discarded unread (serialport flushes a port's input as it opens it: tcflush); the virtual node sees that flush (its pty master is in packet mode, TIOCPKT) and prints how many frames it had offered by then. They count in frames_offered, not in frames_dropped or lost_after_node: nobody was listening yet. ${untold.length ? `${untold.length} nodes could not tell exactly (${untold.join('; ')}): all their frames count as offered to the app. ` : ''}The Live page's first window was each node's first after the open for ${firstMatches} of ${nodes.length} nodes`,
      `over the sessions' life the host counted ${lifeMissed} missed windows and ${lifeMissedRaw} missed raw frames; the Live page ${pageGaps} missing windows and ${pageRawGaps} missing raw frames (to the same instant, before the nodes stopped); the streams were switched off (STREAM mode 0) 2 s before SIGTERM${stopFailures ? `, ${stopFailures} nodes did not confirm it` : ''}`,
      `renderer processes' CPU, each: ${perRenderer.join(', ')} %`,
      `latency: from the moment a window's last sample was due on the node (its sample clock t_us, mapped to wall time by TIME: the smallest offset of 11 syncs per node, ${timeFailures} of ${10 * nodes.length} extra syncs failed, rtt at most ${round(maxRtt / 1000, 2)} ms) to the end of the uPlot draw of the RMS chart that first includes it (a microtask after its clearRect). So it counts the virtual node's own lateness when the machine starves it, the pty, the host (with its 50 ms FEATURES batching, main/node/manager.ts), the WebSocket and the page; not the composite that puts the canvas on screen (within a frame, ~16.7 ms). A node late at every sync makes the mapping late too, and the figure low: ${negative} of ${featRecv.length} windows reached the page 'before' they were due by this mapping (latency_node_to_page_min_ms < 0 measures that error). ${untimed ? `${untimed} samples had no TIME sync and were left out.` : ''}`.trim(),
      `CPU: /proc/PID/stat utime+stime over the interval, % of one core (200 % = both cores); machine busy ${figures.cpu_machine_busy_pct} % of 2 cores including other work on this shared machine (load average ${load0} at the start)`,
    );
    if (problems.length > 0) notes.push(`page problems: ${problems.slice(0, 5).join(' | ')}`);
  } finally {
    await Promise.all(nodes.map((n) => n.vn.stop().catch(() => {})));
    await close?.().catch(() => {});
    host?.child.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    name: 'ingest',
    figures,
    targets: {
      frames_offered: 'reported',
      frames_before_open: 'reported',
      frames_dropped: '0',
      fps: '>= 30',
      latency_p95_ms: '<= 100 ms',
      cpu_main_pct: 'reported',
      cpu_renderer_pct: 'reported',
    },
    notes,
  };
}

declare global {
  interface Window {
    __vigilProbe: {
      start(): ProbeSnapshot;
      stop(): ProbeSnapshot;
      snapshot(): ProbeSnapshot;
      samples(): ProbeSamples;
    };
  }
}
