// Issue 16 point 3 through the app's own client: `vigil gateway` (its own process, two virtual
// nodes, its buffer and window history on disk) -> Mosquitto on loopback with the shipped
// configuration (TLS with a test CA made here, password file, ACLs) -> TWO workstations, each the
// app's GatewayLinks (main/gateway/workstation.ts) as the app runs it. The broker restarts, one
// workstation's network is pulled (its connection cut and its port refused through a relay) for
// longer than the broker queues for it, and the gateway restarts. Every window the gateway got from
// its nodes (read back from its history files) reaches each workstation exactly once and in order;
// what the broker dropped from the pulled workstation's queue came back from the gateway's history
// (gap fill). The broker's state reaches the workstation as gateway.updated events: reconnecting
// while it is down, refused with the reason for a wrong password.
//
// One change to the shipped configuration: max_queued_messages 200000 becomes 100, so that a 12 s
// absence overflows the queue the way a 2-minute absence does at 200 nodes (docs/gateway.md).
// Needs mosquitto: under CI (CI set) its absence fails the test; elsewhere it is skipped, saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, EventChannel, GatewayInfo } from '../../models/api/contract';
import { WindowHistory } from '../../main/gateway/history';
import { GatewayLinks } from '../../main/gateway/workstation';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { findMosquitto, freePort, makePasswords, makeTestCa, Mosquitto, writeShippedConfig } from '../helpers/mosquitto';
import { NetProxy } from '../helpers/netProxy';
import { waitFor } from '../helpers/wait';

const mq = findMosquitto();
const inCi = Boolean(process.env.CI);
if (!mq.available && !inCi) console.warn(`test/integration/gateway-gapfill.test.ts skipped: ${mq.reason}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One workstation: the app's GatewayLinks and what it handed to the pages. */
class Workstation {
  readonly windows = new Map<string, number[]>();
  readonly states: GatewayInfo[] = [];
  readonly log: string[] = [];
  readonly links: GatewayLinks;
  constructor(
    readonly name: string,
    dataDir: string,
  ) {
    const emit = <E extends EventChannel>(event: E, payload: ApiEvents[E]) => {
      if (event === 'node.features') {
        const b = payload as ApiEvents['node.features'];
        const device = b.path.split('/').at(-1)!;
        (this.windows.get(device) ?? this.windows.set(device, []).get(device)!).push(...b.frames.map((f) => f.windowIndex));
      } else if (event === 'gateway.updated') this.states.push(payload as GatewayInfo);
    };
    this.links = new GatewayLinks(emit, dataDir, (l) => this.log.push(l));
  }
  get info(): GatewayInfo {
    return this.links.list()[0];
  }
  count(): number {
    return [...this.windows.values()].reduce((s, w) => s + w.length, 0);
  }
}

describe.skipIf(!mq.available && !inCi)('gateway -> Mosquitto (TLS) -> two app workstations: broker restart, pulled network, gateway restart, no window lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-gw-gap-'));
  let broker: Mosquitto;
  let port: number;
  const relay = { proxy: null as NetProxy | null };
  let gateway: ChildProcess;
  let gatewayLog = '';
  const office = new Workstation('ws-office', join(dir, 'office'));
  const line2 = new Workstation('ws-line2', join(dir, 'line2'));
  const both = [office, line2];

  function startGateway(): ChildProcess {
    const p = spawn(
      process.execPath,
      [join(ROOT, 'main', 'cli', 'vigil-bin.mjs'), 'gateway', '--broker', `mqtts://localhost:${port}`, '--ca', join(dir, 'ca.crt'), '--user', 'gw1',
        '--password-file', join(dir, 'gw1.password'), '--group', 'plant', '--edge', 'gw1', '--virtual', 'cwru-normal', '--virtual', 'cwru-inner-race',
        '--buffer-dir', join(dir, 'buffer')],
      { cwd: ROOT, env: { ...process.env, VIGIL_DATA_DIR: join(dir, 'gw-data') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => (gatewayLog += d));
    return p;
  }
  async function stopGateway(): Promise<void> {
    const exited = new Promise<number | null>((r) => gateway.once('exit', (code) => r(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
  }

  beforeAll(async () => {
    if (!mq.available) throw new Error(`mosquitto is needed under CI: ${mq.reason}`);
    makeFirmware('host');
    makeTestCa(dir);
    makePasswords(dir, { gw1: 'gw1-secret', 'ws-office': 'office-secret', 'ws-line2': 'line2-secret' });
    writeFileSync(join(dir, 'gw1.password'), 'gw1-secret\n');
    port = await freePort();
    const conf = writeShippedConfig(dir, port);
    const text = readFileSync(conf, 'utf8');
    expect(text).toContain('max_queued_messages 200000');
    writeFileSync(conf, text.replace('max_queued_messages 200000', 'max_queued_messages 100'));
    broker = new Mosquitto(conf, port);
    await broker.start();
    relay.proxy = new NetProxy(port);
    const relayPort = await relay.proxy.start();
    // Both workstations are there before the gateway: they hear its births and every window.
    office.links.add({ url: `mqtts://localhost:${port}`, caPath: join(dir, 'ca.crt'), username: 'ws-office', password: 'office-secret', group: 'plant' });
    line2.links.add({ url: `mqtts://localhost:${relayPort}`, caPath: join(dir, 'ca.crt'), username: 'ws-line2', password: 'line2-secret', group: 'plant' });
    for (const w of both) await waitFor(`${w.name} connected`, 15_000, () => (w.info.state === 'connected' ? true : undefined));
    gateway = startGateway();
  }, 90_000);

  afterAll(async () => {
    gateway?.kill('SIGKILL');
    for (const w of both) await w.links.shutdown();
    await relay.proxy?.stop();
    await broker?.stop();
  });

  it('both workstations are told they are connected (gateway.updated) and receive the two nodes', async () => {
    for (const w of both) {
      expect(w.states.map((s) => s.state)).toContain('connected');
      await waitFor(`${w.name}: 300 windows of each node`, 40_000, () => (w.windows.size === 2 && [...w.windows.values()].every((x) => x.length >= 300) ? true : undefined));
    }
  }, 60_000);

  it('a wrong password or a broker certificate that does not chain is refused, and the workstation is told so with the reason', async () => {
    const intruder = new Workstation('ws-bad', join(dir, 'bad'));
    intruder.links.add({ url: `mqtts://localhost:${port}`, caPath: join(dir, 'ca.crt'), username: 'ws-office', password: 'wrong', group: 'plant' });
    const refused = await waitFor('a refused state', 15_000, () => intruder.states.find((s) => s.state === 'refused'));
    expect(refused.message).toMatch(/^is refused by the broker: .*(Not authorized|Bad user ?name or password)/i);
    expect(JSON.stringify(intruder.states)).not.toContain('wrong');
    await intruder.links.shutdown();
    // A CA the broker's certificate does not chain to: refused too, in other words.
    const otherCa = mkdtempSync(join(tmpdir(), 'vigil-other-ca-'));
    makeTestCa(otherCa);
    const wary = new Workstation('ws-wary', join(dir, 'wary'));
    wary.links.add({ url: `mqtts://localhost:${port}`, caPath: join(otherCa, 'ca.crt'), username: 'ws-office', password: 'office-secret', group: 'plant' });
    const distrust = await waitFor('a refused certificate', 15_000, () => wary.states.find((s) => s.state === 'refused'));
    expect(distrust.message).toMatch(/^does not trust the broker's certificate: /);
    await wary.links.shutdown();
  }, 30_000);

  it('restarting the broker: both workstations are told it is reconnecting, then connected; the gateway replays its buffer', async () => {
    const before = both.map((w) => w.states.length);
    gatewayLog = '';
    await broker.stop();
    for (const [i, w] of both.entries()) {
      const r = await waitFor(`${w.name}: reconnecting`, 15_000, () => w.states.slice(before[i]).find((s) => s.state === 'reconnecting'));
      expect(r.message).toMatch(/broker/);
    }
    await sleep(3000);
    await broker.start();
    for (const [i, w] of both.entries()) await waitFor(`${w.name}: connected again`, 20_000, () => (w.states.slice(before[i]).some((s) => s.state === 'connected') ? true : undefined));
    await waitFor('the gateway to replay its buffer', 30_000, () => (/replayed \d+ buffered/.test(gatewayLog) ? true : undefined));
    const seen = both.map((w) => w.count());
    await waitFor('live windows after the replay', 20_000, () => (both.every((w, i) => w.count() > seen[i] + 200) ? true : undefined));
  }, 90_000);

  it('a workstation whose network is pulled for longer than the broker queues for it gets the rest from the gateway history', async () => {
    const before = line2.states.length;
    relay.proxy!.pull();
    await waitFor('line2: reconnecting', 15_000, () => line2.states.slice(before).find((s) => s.state === 'reconnecting'));
    await sleep(12_000);
    relay.proxy!.plug();
    await waitFor('line2: connected again', 20_000, () => (line2.states.slice(before).some((s) => s.state === 'connected') ? true : undefined));
    const filled = await waitFor('line2: windows filled from the gateway', 30_000, () => (line2.info.gapFill.filledWindows > 0 ? line2.info.gapFill : undefined));
    expect(line2.log.join('\n')).toMatch(/asked gw1 for windows \d+\.\.\d+ of [0-9a-f]{24}/);
    const sent = [...gatewayLog.matchAll(/gap fill [0-9a-f]{8}-\d+: [0-9a-f]{24} windows \d+\.\.\d+: sent (\d+), \d+ no longer held/g)].map((m) => Number(m[1]));
    expect(Math.max(0, ...sent), gatewayLog).toBeGreaterThan(100);
    // More than the 100 messages the broker kept for it (about 10 windows a message) were missing.
    expect(filled.filledWindows).toBeGreaterThan(300);
    // The office workstation, connected all along, had nothing to fill (a window its node itself
    // missed, under load, is a gap nobody can fill: it is counted lost, at both workstations alike).
    expect(office.info.gapFill.filledWindows).toBe(0);
  }, 90_000);

  it('restarting the gateway; then every window it got reaches both workstations exactly once, in order', async () => {
    await stopGateway();
    gatewayLog = '';
    gateway = startGateway();
    await waitFor('the restarted gateway publishing', 30_000, () => (/2 node\(s\) publishing/.test(gatewayLog) ? true : undefined));
    const seen = both.map((w) => w.count());
    await waitFor('windows after the gateway restart', 60_000, () => (both.every((w, i) => w.count() > seen[i] + 300) ? true : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n${both.map((w) => `${w.name}: ${w.count()} (was ${seen[both.indexOf(w)]}), ${JSON.stringify(w.info)}\n${w.log.slice(-8).join('\n')}`).join('\n')}\ngateway:\n${gatewayLog.slice(-3000)}`);
    });
    await stopGateway();
    // Until the streams are quiet (nothing more replayed or filled for 2 s).
    for (let last = -1, t0 = Date.now(); Date.now() - t0 < 30_000; await sleep(2000)) {
      const n = office.count() + line2.count();
      if (n === last) break;
      last = n;
    }
    const truth = new Map<string, number[]>();
    for (const { device, window } of new WindowHistory(join(dir, 'buffer')).all()) (truth.get(device) ?? truth.set(device, []).get(device)!).push(window.frame.windowIndex);
    expect(truth.size).toBe(2);
    // Windows the nodes themselves missed (a jump within a run; the gateway restart starts a new
    // run from 0): in no history, so counted lost by each workstation, and nothing else is.
    let holes = 0;
    for (const [device, idx] of truth) {
      expect(idx.length, device).toBeGreaterThan(2000);
      for (let i = 1; i < idx.length; i++) if (idx[i] > idx[i - 1] + 1) holes += idx[i] - idx[i - 1] - 1;
    }
    for (const w of both) {
      expect([...w.windows.keys()].sort(), w.name).toEqual([...truth.keys()].sort());
      for (const [device, idx] of truth) {
        const got = w.windows.get(device)!;
        // Exactly the gateway's windows, each once, in its order (so none lost, none twice).
        if (got.length !== idx.length || got.some((x, i) => x !== idx[i])) {
          const first = got.findIndex((x, i) => x !== idx[i]);
          expect.fail(`${w.name} ${device}: ${got.length} windows handed on, the gateway got ${idx.length}; first difference at ${first}: ${got.slice(Math.max(0, first - 3), first + 3)} vs ${idx.slice(Math.max(0, first - 3), first + 3)}`);
        }
      }
      expect(w.info.gapFill.lostWindows, w.name).toBe(holes);
    }
  }, 150_000);
});
