// The "done when", over serial with the emulated STM32F405 node: QEMU with its three
// serials (test/helpers/qemu.ts), the wired link through socat and the app's serialport stack, the
// recording fed on the sensor feed (USART3) all along. Pair, change the configuration, stream
// features and raw blocks, pull the cable (kill socat) mid-stream while the node keeps sampling,
// put it back: the session reconnects, the gap is recorded as link-lost, and the stream resumes.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, FeatureFrame, NodeInfo, RawBlock } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { QemuHarness } from '../helpers/qemu';
import { readCsvColumns } from '../helpers/recording';
import { waitFor } from '../helpers/wait';

const REC = readCsvColumns(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'));

function expectedRaw(axis: Float32Array, first: number, d: number, scaleG: number): number {
  let sum = 0;
  for (let i = 0; i < d; i++) sum = Math.fround(sum + axis[(first + i) % axis.length]);
  const m = Math.fround(sum / d);
  return Math.max(-32768, Math.min(32767, Math.floor(Math.fround(m / scaleG) + 0.5)));
}

describe('emulated node (QEMU) over serial: pair, configure, stream, pull the cable', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-qemu-keys-'));
  const qemu = new QemuHarness({ feed: REC.columns });
  let manager: NodeManager;
  let info: NodeInfo;
  const frames: FeatureFrame[] = [];
  const raws: RawBlock[] = [];
  const updates: { at: number; info: NodeInfo }[] = [];

  beforeAll(async () => {
    makeFirmware('arm');
    await qemu.start();
    manager = new NodeManager({ root: ROOT, batchMs: 20, dataDir });
    manager.subscribe((event, payload) => {
      if (event === 'node.features') frames.push(...(payload as ApiEvents['node.features']).frames);
      if (event === 'node.raw') raws.push(...(payload as ApiEvents['node.raw']).blocks);
      if (event === 'node.updated') updates.push({ at: performance.now(), info: payload as NodeInfo });
    });
    info = await manager.connect(qemu.tty);
    await qemu.connected();
  }, 60_000);
  afterAll(async () => {
    await manager?.shutdown();
    await qemu.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says HELLO with the INFO block of the QEMU board', () => {
    expect(info.status).toBe('online');
    expect(info.hello).toMatchObject({ board: 'qemu', axisCount: 2, windowLen: 1024, sampleRateHz: 48000 });
    expect(info.hello!.info!.capabilities).toEqual(expect.arrayContaining(['pair', 'config', 'stream', 'raw', 'time', 'samples-in']));
  });

  it('pairs over the cable', async () => {
    const p = await manager.pair(qemu.tty, 'qemu-pump');
    expect(p.hello).toMatchObject({ name: 'qemu-pump', info: { paired: true, keyKnown: true } });
    expect(statSync(join(dataDir, 'node-keys.json')).mode & 0o777).toBe(0o600);
  });

  it('changes its configuration', async () => {
    const c = await manager.setConfig(qemu.tty, { shaftHz: 29.95, sendBands: false });
    expect(c).toMatchObject({ shaftHz: Math.fround(29.95), sendBands: false, windowLen: 1024 });
    await expect(manager.setConfig(qemu.tty, { hop: 2048 })).rejects.toThrow(/"hop" \(key 3\) is outside its allowed range/);
  });

  it('streams features and raw blocks that follow the recording', async () => {
    const D = 2;
    await manager.setStream(qemu.tty, { features: true, raw: true, rawDecimation: D });
    const r0 = raws.length;
    const f0 = frames.length;
    await waitFor('3 raw blocks and 3 windows', 60_000, () => (raws.length >= r0 + 3 && frames.length >= f0 + 3 ? true : undefined));
    let worst = 0;
    for (const b of raws.slice(r0, r0 + 3)) {
      expect(b.decimation).toBe(D);
      for (let k = 0; k < b.frameCount; k++) {
        for (let a = 0; a < 2; a++) worst = Math.max(worst, Math.abs(b.samples[2 * k + a] / b.scaleG - expectedRaw(REC.columns[a], b.firstFrame + k * D, D, b.scaleG)));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(frames.at(-1)!.shaftHz).toBe(Math.fround(29.95));
  }, 90_000);

  it('records the gap when the cable is pulled mid-stream and resumes when it is back', async () => {
    const before = manager.listNodes()[0].stats;
    const n0 = updates.length;
    await qemu.unplug();
    await waitFor('status reconnecting', 5000, () => updates.slice(n0).find((u) => u.info.status === 'reconnecting'));
    const fedAtUnplug = qemu.fed;
    // The node keeps sampling from the feed while the cable is out.
    await waitFor('the feed to go on while unplugged', 20_000, () => (qemu.fed > fedAtUnplug + 4 * 512 ? true : undefined));
    const f0 = frames.length;
    const r0 = raws.length;
    const plugAt = performance.now();
    await qemu.plugIn();
    const back = await waitFor('online again', 20_000, () => updates.slice(n0).find((u) => u.info.status === 'online'));
    console.log(`QEMU reconnect: cable back -> online in ${((back.at - plugAt) / 1000).toFixed(3)} s`);
    await waitFor('windows and raw blocks after the reconnect', 60_000, () => (frames.length > f0 + 2 && raws.length > r0 + 1 ? true : undefined));
    const after = manager.listNodes()[0].stats;
    expect(after.reconnects).toBe(before.reconnects + 1);
    expect(after.missedWindows).toBeGreaterThan(before.missedWindows);
    expect(after.missedRawFrames).toBeGreaterThan(before.missedRawFrames);
    expect(frames.slice(f0).find((f) => f.gapReason)?.gapReason).toBe('link-lost');
    expect(raws.slice(r0).find((b) => b.gapReason)?.gapReason).toBe('link-lost');
    expect(after.badCrc + after.badCobs + after.badLength).toBeLessThanOrEqual(before.badCrc + before.badCobs + before.badLength + 2);
  }, 120_000);

  it('reports a node that was switched off (QEMU killed) and carries on when it is back: a new stream, not a gap', async () => {
    const before = manager.listNodes()[0].stats;
    const lastWindow = frames.at(-1)!.windowIndex;
    const n0 = updates.length;
    await qemu.kill();
    const lost = await waitFor('status reconnecting', 5000, () => updates.slice(n0).find((u) => u.info.status === 'reconnecting'));
    expect(lost.info.message ?? '').not.toBe('');
    await qemu.start(); // a fresh machine behind the same port path
    const back = await waitFor('online again', 30_000, () => updates.slice(n0).find((u) => u.at > lost.at && u.info.status === 'online'));
    await qemu.connected();
    const f0 = frames.length;
    await waitFor('windows from the restarted node', 60_000, () => (frames.length > f0 + 2 ? true : undefined));
    const after = manager.listNodes()[0];
    expect(after.stats.reconnects).toBe(before.reconnects + 1);
    // The node started its stream again: window indices from 0, and no windows counted as missed.
    expect(frames[f0].windowIndex).toBeLessThan(lastWindow);
    expect(after.stats.missedWindows).toBe(before.missedWindows);
    // QEMU keeps the identity record in RAM (no flash controller): the restarted node is unpaired,
    // and the app says so rather than keep using the old key.
    expect(back.info.hello!.info!.paired).toBe(false);
    expect(after.hello!.info!.keyKnown).toBe(false);
    // The stream settings the app chose were applied again to the new boot.
    expect(after.hello!.info!.stream).toMatchObject({ features: true, raw: true, rawDecimation: 2 });
  }, 120_000);
});
