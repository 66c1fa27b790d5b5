// The plant gateway through a real broker: `vigil gateway` (its own process) with two virtual nodes
// (the firmware's host build) -> Mosquitto on loopback, started with the shipped configuration
// (packaging/mosquitto/: TLS with a test CA made here, password file, ACLs) -> two workstations
// (MQTT clients with persistent sessions) decoding Sparkplug B. Births arrive, DDATA flows with
// consecutive seq, the broker restarts mid-stream and every window arrives anyway (replayed from the
// gateway's disk buffer), and a killed gateway's NDEATH arrives through the MQTT will.
// Needs mosquitto (scripts/setup-system.sh installs it): under CI (CI set) its absence fails the
// test; elsewhere it is skipped, saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { get as sparkplugCodec } from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { DiskBuffer } from '../../main/gateway/buffer';
import { findMosquitto, freePort, makePasswords, makeTestCa, Mosquitto, writeShippedConfig } from '../helpers/mosquitto';
import { waitFor } from '../helpers/wait';

const mq = findMosquitto();
const inCi = Boolean(process.env.CI);
if (!mq.available && !inCi) console.warn(`test/integration/gateway.test.ts skipped: ${mq.reason}`);

const codec = sparkplugCodec('spBv1.0')!;
const toNum = (v: unknown): number => (v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v));

interface Received {
  topic: string;
  type: string;
  device?: string;
  seq?: number;
  metrics: { name: string; value: unknown; isHistorical?: boolean }[];
  atMs: number;
}

class Workstation {
  readonly got: Received[] = [];
  client!: MqttClient;
  constructor(
    readonly user: string,
    private readonly password: string,
    private readonly url: string,
    private readonly ca: Buffer,
  ) {}
  async connect(): Promise<void> {
    this.client = connect(this.url, { ca: this.ca, username: this.user, password: this.password, clientId: this.user, clean: false, reconnectPeriod: 300, protocolVersion: 4 });
    this.client.on('message', (topic, payload) => {
      const parts = topic.split('/');
      const p = codec.decodePayload(new Uint8Array(payload));
      this.got.push({
        topic,
        type: parts[2],
        ...(parts[4] ? { device: parts[4] } : {}),
        ...(p.seq !== undefined && p.seq !== null ? { seq: toNum(p.seq) } : {}),
        metrics: (p.metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value, ...(m.isHistorical ? { isHistorical: true } : {}) })),
        atMs: Date.now(),
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.client.once('connect', () => this.client.subscribe('spBv1.0/plant/#', { qos: 1 }, (e) => (e ? reject(e) : resolve())));
      this.client.once('error', reject);
    });
  }
  of(type: string): Received[] {
    return this.got.filter((r) => r.type === type);
  }
  /** Window indices per device, from every DDATA (live and historical). */
  windows(): Map<string, number[]> {
    const w = new Map<string, number[]>();
    for (const r of this.of('DDATA')) {
      for (const m of r.metrics) if (m.name === 'features/window_index') (w.get(r.device!) ?? w.set(r.device!, []).get(r.device!)!).push(toNum(m.value));
    }
    return w;
  }
}

describe.skipIf(!mq.available && !inCi)('plant gateway -> Mosquitto (TLS, shipped config) -> two workstations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-gateway-'));
  let broker: Mosquitto;
  let port: number;
  let gateway: ChildProcess;
  let gatewayLog = '';
  const ws: Workstation[] = [];

  function startGateway(): ChildProcess {
    const p = spawn(
      process.execPath,
      [join(ROOT, 'main', 'cli', 'vigil-bin.mjs'), 'gateway', '--broker', `mqtts://localhost:${port}`, '--ca', join(dir, 'ca.crt'), '--user', 'gw1',
        '--password-file', join(dir, 'gw1.password'), '--group', 'plant', '--edge', 'gw1', '--virtual', 'cwru-normal',
        // The second node replays a CSV file given by path (its rate read from the name: 48k).
        '--virtual', join(ROOT, 'data', 'demo', 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv'),
        '--buffer-dir', join(dir, 'buffer')],
      { cwd: ROOT, env: { ...process.env, VIGIL_DATA_DIR: join(dir, 'data') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => {
      gatewayLog += d;
    });
    return p;
  }

  beforeAll(async () => {
    if (!mq.available) throw new Error(`mosquitto is needed under CI: ${mq.reason}`);
    makeFirmware('host');
    makeTestCa(dir);
    makePasswords(dir, { gw1: 'gw1-secret', 'ws-office': 'office-secret', 'ws-line2': 'line2-secret' });
    writeFileSync(join(dir, 'gw1.password'), 'gw1-secret\n');
    port = await freePort();
    broker = new Mosquitto(writeShippedConfig(dir, port), port);
    await broker.start();
    const ca = readFileSync(join(dir, 'ca.crt'));
    ws.push(new Workstation('ws-office', 'office-secret', `mqtts://localhost:${port}`, ca), new Workstation('ws-line2', 'line2-secret', `mqtts://localhost:${port}`, ca));
    for (const w of ws) await w.connect();
    gateway = startGateway();
  }, 60_000);

  afterAll(async () => {
    gateway?.kill('SIGKILL');
    for (const w of ws) await new Promise<void>((r) => w.client.end(true, {}, () => r()));
    await broker?.stop();
  });

  it('the gateway is born (NBIRTH seq 0 with bdSeq) and so is each node (DBIRTH with its metrics), at both workstations', async () => {
    for (const w of ws) await waitFor(`${w.user}: NBIRTH and 2 DBIRTH`, 30_000, () => (w.of('NBIRTH').length >= 1 && w.of('DBIRTH').length >= 2 ? true : undefined));
    for (const w of ws) {
      const nb = w.of('NBIRTH')[0];
      expect(nb.topic).toBe('spBv1.0/plant/NBIRTH/gw1');
      expect(nb.seq).toBe(0);
      expect(nb.metrics.find((m) => m.name === 'bdSeq')).toBeDefined();
      const devices = w.of('DBIRTH').map((d) => d.device);
      expect(new Set(devices).size).toBe(2);
      for (const d of w.of('DBIRTH')) {
        expect(d.device).toMatch(/^[0-9a-f]{24}$/);
        const names = d.metrics.map((m) => m.name);
        for (const n of ['node/name', 'features/rms_g/0', 'features/rms_g/1', 'features/velocity_mm_s/0', 'features/anomaly_score', 'detector/state', 'link/status'])
          expect(names).toContain(n);
      }
      expect(w.of('DBIRTH').map((d) => d.metrics.find((m) => m.name === 'node/name')!.value).sort()).toEqual(['gw1-v1', 'gw1-v2']);
    }
  }, 40_000);

  it('DDATA carries the features of every window, and seq runs on by one (mod 256) from the NBIRTH', async () => {
    await waitFor('200 windows per node', 20_000, () => ([...ws[0].windows().values()].every((w) => w.length >= 200) && ws[0].windows().size === 2 ? true : undefined));
    for (const w of ws) {
      const fromGw = w.got.filter((r) => r.type !== 'NDEATH' && r.seq !== undefined);
      for (let i = 1; i < fromGw.length; i++) expect(fromGw[i].seq, `message ${i} (${fromGw[i].topic})`).toBe((fromGw[i - 1].seq! + 1) % 256);
      expect(fromGw.length).toBeGreaterThan(256 / 10);
      const d = w.of('DDATA').find((r) => r.metrics.some((m) => m.name === 'features/rms_g/0'))!;
      const rms = toNum(d.metrics.find((m) => m.name === 'features/rms_g/0')!.value);
      expect(rms).toBeGreaterThan(0.01);
      expect(rms).toBeLessThan(10);
      for (const [, idx] of w.windows()) for (let i = 1; i < idx.length; i++) expect(idx[i]).toBe(idx[i - 1] + 1);
    }
  }, 30_000);

  it('the broker ACLs keep a workstation from publishing as the gateway', async () => {
    const intruder = ws[1].client;
    await new Promise<void>((r) => intruder.publish('spBv1.0/plant/DDATA/gw1/forged', Buffer.from(codec.encodePayload({ timestamp: Date.now(), metrics: [] })), { qos: 1 }, () => r()));
    await new Promise((r) => setTimeout(r, 500));
    for (const w of ws) expect(w.got.some((r) => r.device === 'forged')).toBe(false);
  });

  it('restarting the broker loses no window: the gateway buffers on disk and replays in order', async () => {
    gatewayLog = '';
    await broker.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    await broker.start();
    await waitFor('the gateway to replay its buffer', 30_000, () => (/replayed \d+ buffered/.test(gatewayLog) ? true : undefined));
    // Then two more seconds of live data.
    const seen = ws[0].got.length;
    await waitFor('live data after the replay', 20_000, () => (ws.every((w) => w.got.length > seen + 20) ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    const replayed = Number(/replayed (\d+) buffered/.exec(gatewayLog)![1]);
    expect(replayed, gatewayLog).toBeGreaterThan(10);
    for (const w of ws) {
      expect(w.of('NBIRTH').length, `${w.user}: a second NBIRTH`).toBeGreaterThanOrEqual(2);
      const [b1, b2] = w.of('NBIRTH').map((n) => toNum(n.metrics.find((m) => m.name === 'bdSeq')!.value));
      // bdSeq goes up by one with every CONNECT, the ones refused during the outage included.
      expect((b2 - b1 + 256) % 256).toBeGreaterThanOrEqual(1);
      expect(w.got.some((r) => r.metrics.some((m) => m.isHistorical)), `${w.user}: historical (replayed) DDATA`).toBe(true);
      for (const [device, idx] of w.windows()) {
        const unique = [...new Set(idx)].sort((a, b) => a - b);
        const missing = unique[unique.length - 1] - unique[0] + 1 - unique.length;
        expect(missing, `${w.user} ${device}: windows ${unique[0]}..${unique[unique.length - 1]}`).toBe(0);
        // The outage is inside the span: about 94 windows a second for 3 s.
        expect(unique.length).toBeGreaterThan(400);
      }
      const stats = w.of('NDATA').flatMap((r) => r.metrics).filter((m) => m.name === 'gateway/buffer/dropped');
      expect(stats.length).toBeGreaterThan(0);
      expect(toNum(stats[stats.length - 1].value)).toBe(0);
    }
    expect(Date.now() - stoppedAt).toBeLessThan(60_000);
  }, 90_000);

  it('a killed gateway leaves its NDEATH through the MQTT will, with the bdSeq of its last NBIRTH', async () => {
    const before = ws.map((w) => w.of('NDEATH').length);
    gateway.kill('SIGKILL');
    for (const [i, w] of ws.entries()) await waitFor(`${w.user}: NDEATH`, 15_000, () => (w.of('NDEATH').length > before[i] ? true : undefined));
    for (const w of ws) {
      const nd = w.of('NDEATH').at(-1)!;
      expect(nd.topic).toBe('spBv1.0/plant/NDEATH/gw1');
      const births = w.of('NBIRTH');
      expect(toNum(nd.metrics.find((m) => m.name === 'bdSeq')!.value)).toBe(toNum(births.at(-1)!.metrics.find((m) => m.name === 'bdSeq')!.value));
    }
  }, 30_000);

  it('a restarted gateway is born again with the next bdSeq', async () => {
    const before = ws.map((w) => w.of('NBIRTH').length);
    gatewayLog = '';
    gateway = startGateway();
    for (const [i, w] of ws.entries()) await waitFor(`${w.user}: NBIRTH after the restart`, 30_000, () => (w.of('NBIRTH').length > before[i] ? true : undefined));
    for (const w of ws) {
      const bd = w.of('NBIRTH').map((n) => toNum(n.metrics.find((m) => m.name === 'bdSeq')!.value));
      expect(bd.at(-1)).toBe((bd.at(-2)! + 1) % 256);
    }
  }, 40_000);

  it('an orderly stop (SIGTERM) sends a DDEATH per node and the NDEATH itself, and exits 0', async () => {
    await waitFor('the DBIRTHs of the restarted gateway', 20_000, () => (ws.every((w) => w.of('DBIRTH').length >= 4) ? true : undefined));
    const before = ws.map((w) => ({ dd: w.of('DDEATH').length, nd: w.of('NDEATH').length }));
    const exited = new Promise<number | null>((r) => gateway.once('exit', (code) => r(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const [i, w] of ws.entries()) await waitFor(`${w.user}: 2 DDEATH and an NDEATH`, 10_000, () => (w.of('DDEATH').length >= before[i].dd + 2 && w.of('NDEATH').length > before[i].nd ? true : undefined));
    for (const w of ws) {
      const nd = w.of('NDEATH').at(-1)!;
      expect(toNum(nd.metrics.find((m) => m.name === 'bdSeq')!.value)).toBe(toNum(w.of('NBIRTH').at(-1)!.metrics.find((m) => m.name === 'bdSeq')!.value));
      expect(new Set(w.of('DDEATH').slice(-2).map((d) => d.device)).size).toBe(2);
    }
    expect(gatewayLog).toContain('vigil gateway: stopped');
  }, 40_000);

  it('a gateway that stops while the broker is down keeps its buffer on disk and replays it after its restart', async () => {
    await broker.stop();
    gatewayLog = '';
    gateway = startGateway();
    await waitFor('virtual nodes streaming into the buffer', 30_000, () => (/2 node\(s\) publishing/.test(gatewayLog) ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    const exited = new Promise<number | null>((r) => gateway.once('exit', (code) => r(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    const held = new DiskBuffer(join(dir, 'buffer'), 1 << 30).peek(1 << 20);
    expect(held.length).toBeGreaterThan(5);
    const want = new Set(held.flatMap((m) => (codec.decodePayload(m.payload).metrics ?? []).filter((x) => x.name === 'features/window_index').map((x) => `${m.device}:${toNum(x.value)}`)));
    expect(want.size).toBeGreaterThan(50);
    const seenBefore = ws.map((w) => w.got.length);
    await broker.start();
    gatewayLog = '';
    gateway = startGateway();
    await waitFor('the restarted gateway to replay', 30_000, () => (/replayed \d+ buffered/.test(gatewayLog) ? true : undefined));
    for (const [i, w] of ws.entries()) {
      await waitFor(`${w.user}: every buffered window`, 20_000, () => {
        const got = new Set(w.got.slice(seenBefore[i]).filter((r) => r.type === 'DDATA').flatMap((r) => r.metrics.filter((m) => m.name === 'features/window_index' && m.isHistorical).map((m) => `${r.device}:${toNum(m.value)}`)));
        return [...want].every((k) => got.has(k)) ? true : undefined;
      });
    }
  }, 90_000);
});
