// Protocol 1.1 end to end on the virtual node (the firmware's host build) over real
// pseudo-terminals and the real serialport stack, through the app's NodeManager: pairing (key file
// 0600), CONFIG get/set with a NACK surfaced in plain words, STREAM features + raw with decimation
// (raw samples checked against the recording by the RAW_BLOCK mean rule), TIME, PING, an unplugged
// port (SIGUSR1) and the reconnect with its gap, Bluetooth LE through the relay (SECURE commands
// under the pairing key), and ten nodes streaming at once through one manager.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blePath, type ApiEvents, type FeatureFrame, type NodeInfo, type NodeLogEntry, type RawBlock } from '../../models/api/contract';
import { ApiService } from '../../main/api/service';
import { keyIdHex } from '../../main/node/keys';
import { NodeManager } from '../../main/node/manager';
import { DEMO_RECORDING_FILES, startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { openSerialLink } from '../../main/transport/serial';
import type { ByteLink } from '../../main/transport/byteLink';
import { encodeFrame, MSG_HELLO_REQ } from '../../models/protocol/index';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { readCsvColumns } from '../helpers/recording';
import { measureReconnect } from '../helpers/reconnect';
import { waitFor } from '../helpers/wait';

const REC = readCsvColumns(join(ROOT, DEMO_RECORDING_FILES['cwru-normal'].file));

/** The RAW_BLOCK sample of docs/protocol.md 3.9: float32 mean of D input values, then quantised. */
function expectedRaw(axis: Float32Array, first: number, d: number, scaleG: number): number {
  let sum = 0;
  for (let i = 0; i < d; i++) sum = Math.fround(sum + axis[(first + i) % axis.length]);
  const m = Math.fround(sum / d);
  const q = Math.floor(Math.fround(m / scaleG) + 0.5);
  return Math.max(-32768, Math.min(32767, q));
}

describe('virtual node, protocol 1.1 over a pty', () => {
  // Under /dev: the API's path validation accepts device paths only, and the wired symlink is one.
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-link-' : join(tmpdir(), 'vigil-link-'));
  const dataDir = join(dir, 'app-data');
  let manager: NodeManager;
  let service: ApiService;
  let vn: VirtualNode;
  let path: string;
  let info: NodeInfo;
  let ptyBackAt = 0;
  const frames: FeatureFrame[] = [];
  const raws: RawBlock[] = [];
  const updates: { at: number; info: NodeInfo }[] = [];
  const logs: NodeLogEntry[] = [];

  beforeAll(async () => {
    makeFirmware('host');
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000, dataDir });
    service = new ApiService(manager);
    manager.subscribe((event, payload) => {
      if (event === 'node.features') frames.push(...(payload as ApiEvents['node.features']).frames);
      if (event === 'node.raw') raws.push(...(payload as ApiEvents['node.raw']).blocks);
      if (event === 'node.updated') updates.push({ at: performance.now(), info: payload as NodeInfo });
      if (event === 'node.log') logs.push(payload as NodeLogEntry);
    });
    vn = await startVirtualNode({
      root: ROOT,
      recording: 'cwru-normal',
      name: 'link-test',
      link: join(dir, 'wired'),
      bleLink: join(dir, 'ble'),
      store: join(dir, 'node-store.bin'),
      unplugMs: 500,
      onPtyBack: () => (ptyBackAt = performance.now()),
    });
    path = vn.path;
    info = await manager.connect(path);
  });
  afterAll(async () => {
    await manager?.shutdown();
    await vn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the HELLO INFO block, the configuration and the clock at connect', () => {
    expect(info.status).toBe('online');
    expect(info.link).toBe('serial');
    expect(info.hello?.info).toMatchObject({ protocolMinor: 4, link: 'wired', paired: false, keyId: '', keyKnown: false });
    expect(info.hello!.info!.capabilities).toEqual(expect.arrayContaining(['pair', 'config', 'stream', 'raw', 'time', 'ping', 'secure']));
    expect(info.config).toMatchObject({ name: 'link-test', hop: 512, windowLen: 1024, sampleRateHz: 48000, axisCount: 2 });
    expect(info.time!.rttUs).toBeGreaterThan(0);
    expect(info.time!.rttUs).toBeLessThan(200_000);
  });

  it('pairs over the cable: key stored 0600 before PAIR, the fresh HELLO shows it', async () => {
    const paired = (await service.handle('nodes.pair', { path, name: 'pump-7' })) as NodeInfo;
    const file = join(dataDir, 'node-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    const keys = stored.nodes[paired.hello!.uid].keys;
    expect(keys).toHaveLength(1);
    expect(keyIdHex(Buffer.from(keys[0].key, 'hex'))).toBe(paired.hello!.info!.keyId);
    expect(paired.hello).toMatchObject({ name: 'pump-7', info: { paired: true, keyKnown: true } });
    expect(paired.hello!.info!.keyId).toMatch(/^[0-9a-f]{8}$/);
  });

  it('changes the configuration, and a value out of range comes back as a plain-words error', async () => {
    const cfg = (await service.handle('nodes.config.set', { path, changes: { shaftHz: 29.95 } })) as { shaftHz: number };
    expect(cfg.shaftHz).toBe(Math.fround(29.95));
    const n0 = frames.length;
    await waitFor('a window with the new shaft speed', 3000, () => (frames.slice(n0).some((f) => f.shaftHz === Math.fround(29.95)) ? true : undefined));
    const err = (await service.handle('nodes.config.set', { path, changes: { hop: 4096 } }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(err.code).toBe('refused');
    expect(err.message).toMatch(/refused changing the configuration: The value of the setting "hop" \(key 3\) is outside its allowed range/);
    expect(((await service.handle('nodes.config.get', { path })) as { hop: number }).hop).toBe(512);
    expect(manager.listNodes()[0].stats.nacks).toBe(1);
  });

  it('streams features and raw blocks with decimation; raw samples follow the recording by the mean rule', async () => {
    const D = 4;
    const r = (await service.handle('nodes.stream', { path, features: true, raw: true, rawDecimation: D })) as NodeInfo;
    expect(r.stream).toEqual({ features: true, raw: true, rawDecimation: D });
    const r0 = raws.length;
    const f0 = frames.length;
    await waitFor('8 raw blocks', 5000, () => (raws.length >= r0 + 8 ? true : undefined));
    const blocks = raws.slice(r0, r0 + 8);
    let worst = 0;
    let n = 0;
    for (const b of blocks) {
      expect(b).toMatchObject({ axisCount: 2, decimation: D, frameCount: 252 });
      expect(b.scaleG).toBe(Math.fround(16 / 32768));
      for (let k = 0; k < b.frameCount; k++) {
        for (let a = 0; a < 2; a++) {
          const want = expectedRaw(REC.columns[a], b.firstFrame + k * D, D, b.scaleG);
          worst = Math.max(worst, Math.abs(b.samples[k * 2 + a] / b.scaleG - want)); // samples are in g
          n++;
        }
      }
    }
    for (let i = 1; i < blocks.length; i++) expect(blocks[i].firstFrame).toBe(blocks[i - 1].firstFrame + 252 * D);
    console.log(`raw: ${n} samples in ${blocks.length} blocks (D=${D}), worst difference from the recording ${worst} LSB`);
    expect(worst).toBeLessThanOrEqual(1);
    expect(frames.length).toBeGreaterThan(f0); // features still on
    const stats = manager.listNodes()[0].stats;
    expect(stats.missedRawFrames).toBe(0);
    expect(stats.rawBlocks).toBeGreaterThanOrEqual(8);
  });

  it('syncs time (the window clock maps to wall time) and answers PING', async () => {
    const t = (await service.handle('nodes.time', { path })) as { offsetUs: number; rttUs: number };
    expect(t.rttUs).toBeLessThan(100_000);
    const last = frames[frames.length - 1];
    // A window's wall time is recent: it was computed within the last second (real-time replay).
    const wallMs = (last.tUs + t.offsetUs) / 1000;
    expect(Math.abs(Date.now() - wallMs)).toBeLessThan(1500);
    const p = (await service.handle('nodes.ping', { path })) as { rttMs: number };
    expect(p.rttMs).toBeGreaterThan(0);
    expect(p.rttMs).toBeLessThan(200);
  });

  it('unplugged (SIGUSR1): reconnecting, then online again with the gap recorded as link-lost', async () => {
    const before = manager.listNodes()[0].stats;
    const n0 = updates.length;
    const f0 = frames.length;
    ptyBackAt = 0;
    vn.process.kill('SIGUSR1');
    const lost = await waitFor('status reconnecting', 5000, () => updates.slice(n0).find((u) => u.info.status === 'reconnecting'));
    expect(lost.info.reconnect).toBeDefined();
    expect(lost.info.path).toBe(path);
    const back = await waitFor('online again', 15_000, () => updates.slice(n0).find((u) => u.at > lost.at && u.info.status === 'online'));
    expect(ptyBackAt).toBeGreaterThan(0);
    const reconnectS = (back.at - ptyBackAt) / 1000;
    console.log(`reconnect: port back -> online in ${reconnectS.toFixed(3)} s; outage ${((back.at - lost.at) / 1000).toFixed(3)} s`);
    expect(reconnectS).toBeLessThan(2);
    await waitFor('frames after the reconnect', 5000, () => (frames.slice(f0).some((f) => f.gapReason === 'link-lost') ? true : undefined));
    const after = manager.listNodes()[0];
    expect(after.stats.reconnects).toBe(before.reconnects + 1);
    expect(after.stats.missedWindows).toBeGreaterThan(before.missedWindows);
    // The stream settings were applied again: raw blocks keep coming, the first one marked.
    const r0 = raws.length;
    await waitFor('raw blocks after the reconnect', 5000, () => (raws.length > r0 + 2 ? true : undefined));
    expect(after.stream).toEqual({ features: true, raw: true, rawDecimation: 4 });
    expect(raws.some((b) => b.gapReason === 'link-lost')).toBe(true);
  });

  it('over Bluetooth LE (relayed): HELLO_REQ in the clear, STREAM and CONFIG_SET inside SECURE under the pairing key, also after a stranger\'s HELLO_REQ', async () => {
    // The renderer's part, played here: the BLE link's pty is the NUS bridge.
    const ble: ByteLink = await openSerialLink(vn.blePath!);
    const deviceId = 'vnode-ble-1';
    const bpath = blePath(deviceId);
    const unsubscribe = manager.subscribe((event, payload) => {
      if (event === 'ble.tx') {
        const p = payload as ApiEvents['ble.tx'];
        if (p.path === bpath) void ble.write(new Uint8Array(Buffer.from(p.data, 'base64')));
      }
    });
    let muted = false; // while set, what the node sends over BLE reaches someone else, not the app
    ble.onData((chunk) => {
      if (!muted) void service.handle('ble.rx', { path: bpath, data: Buffer.from(chunk).toString('base64') }).catch(() => {});
    });
    try {
      const b = (await service.handle('ble.open', { deviceId })) as NodeInfo;
      expect(b).toMatchObject({ path: bpath, status: 'online', link: 'ble' });
      expect(b.hello!.info).toMatchObject({ link: 'ble', paired: true, keyKnown: true });
      const s = (await service.handle('nodes.stream', { path: bpath, features: true, raw: true, rawDecimation: 16 })) as NodeInfo;
      expect(s.stream).toEqual({ features: true, raw: true, rawDecimation: 16 });
      // Someone else in range asks for a HELLO: the node draws a new nonce the app never sees.
      muted = true;
      await ble.write(encodeFrame(MSG_HELLO_REQ, 0x7777));
      await new Promise((r) => setTimeout(r, 300));
      muted = false;
      const cfg = (await service.handle('nodes.config.set', { path: bpath, changes: { shaftHz: 30 } })) as { shaftHz: number };
      expect(cfg.shaftHz).toBe(30);
      const r0 = raws.length;
      await waitFor('raw blocks over BLE', 5000, () => (raws.slice(r0).some((x) => x.decimation === 16) ? true : undefined));
      // GATT drops: the session waits, and the same device opened again resumes it.
      await service.handle('ble.closed', { path: bpath, reason: 'out of range' });
      expect(manager.listNodes().find((n) => n.path === bpath)!.status).toBe('reconnecting');
      const again = (await service.handle('ble.open', { deviceId })) as NodeInfo;
      expect(again.status).toBe('online');
      expect(again.stats.reconnects).toBe(1);
    } finally {
      unsubscribe();
      await manager.disconnect(bpath).catch(() => {});
      await ble.close();
    }
  });

  it('measures the reconnect for the bench (measureReconnect)', async () => {
    const r = await measureReconnect(ROOT);
    console.log('measureReconnect:', r);
    expect(r.reconnect_s).toBeLessThan(2);
    expect(r.gap_marked).toBe(true);
    expect(r.missed_windows).toBeGreaterThan(0);
  }, 30_000);
});

describe('ten virtual nodes through one manager', () => {
  it('stream for a few seconds with zero bad frames and no missed window', async () => {
    const manager = new NodeManager({ root: ROOT, batchMs: 50, helloTimeoutMs: 10_000 });
    const nodes: VirtualNode[] = [];
    const byPath = new Map<string, FeatureFrame[]>();
    manager.subscribe((event, payload) => {
      if (event !== 'node.features') return;
      const p = payload as ApiEvents['node.features'];
      byPath.get(p.path)?.push(...p.frames);
    });
    try {
      for (let i = 0; i < 10; i++) nodes.push(await startVirtualNode({ root: ROOT, recording: i % 2 ? 'cwru-inner-race' : 'cwru-normal', name: `node-${i}` }));
      for (const vn of nodes) byPath.set(vn.path, []);
      const infos = await Promise.all(nodes.map((vn) => manager.connect(vn.path)));
      expect(infos.every((i) => i.status === 'online')).toBe(true);
      expect(new Set(infos.map((i) => i.hello!.uid)).size).toBe(10);
      await new Promise((r) => setTimeout(r, 3000));
      const stats = manager.listNodes().map((n) => n.stats);
      const bad = stats.reduce((s, x) => s + x.badCobs + x.badCrc + x.badLength + x.badVersion + x.oversize + x.badPayload + x.unknownType, 0);
      const counts = [...byPath.values()].map((f) => f.length);
      console.log(`ten nodes, 3 s: ${counts.join(' ')} windows; ${stats.reduce((s, x) => s + x.bytes, 0)} bytes; bad frames ${bad}`);
      expect(bad).toBe(0);
      expect(stats.every((x) => x.missedWindows === 0 && x.failedRequests === 0)).toBe(true);
      // 93.75 windows/s each: at least two seconds' worth from every node.
      expect(Math.min(...counts)).toBeGreaterThan(180);
    } finally {
      await manager.shutdown();
      await Promise.all(nodes.map((vn) => vn.stop()));
    }
  }, 60_000);
});
