// The virtual node (firmware host build) on a real pseudo-terminal, through the real serialport
// stack and the app's NodeManager: the whole data path except the UI.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, FeatureFrame, NodeInfo } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { DEMO_RECORDING_FILES } from '../../main/node/virtualNode';
import { rmsF32 } from '../../models/features/rms';
import { waitFor } from '../helpers/wait';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { loopedWindow, readCsvColumns, relErr } from '../helpers/recording';

describe('virtual node over a pseudo-terminal', () => {
  let manager: NodeManager;
  const frames: FeatureFrame[] = [];
  const updates: NodeInfo[] = [];
  let info: NodeInfo;

  beforeAll(async () => {
    makeFirmware('host');
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000 });
    manager.subscribe((event, payload) => {
      if (event === 'node.features') frames.push(...(payload as ApiEvents['node.features']).frames);
      if (event === 'node.updated') updates.push(payload as NodeInfo);
    });
    info = await manager.startDemo('cwru-normal');
  });
  afterAll(async () => {
    await manager?.shutdown();
  });

  it('answers the handshake with its HELLO', () => {
    expect(info.status).toBe('online');
    expect(info.demo).toBe(true);
    expect(info.path).toMatch(/^\/dev\/pts\/\d+$/);
    expect(info.hello).toMatchObject({
      board: 'host',
      axisCount: 2,
      windowLen: 1024,
      hop: 512,
      sampleRateHz: 48000,
      channels: ['DE_accel', 'FE_accel'],
      name: 'demo-cwru-normal',
      protocolVersion: 1,
      firmware: '0.1.0',
    });
    expect(info.hello!.uid).toMatch(/^[0-9a-f]{24}$/);
  });

  it('streams FEATURES at the recording rate whose RMS equals the TS features on the same samples', async () => {
    await waitFor('40 feature frames', 10_000, () => (frames.length >= 40 ? true : undefined));
    const rec = readCsvColumns(join(ROOT, DEMO_RECORDING_FILES['cwru-normal'].file));
    expect(rec.names).toEqual(['DE_accel', 'FE_accel']);
    let worst = 0;
    let exact = 0;
    for (const f of frames.slice(0, 40)) {
      expect(f.tUs).toBe(Math.floor(((f.windowIndex * 512 + 1024) * 1e6) / 48000));
      for (let a = 0; a < 2; a++) {
        const ref = rmsF32(loopedWindow(rec.columns[a], f.windowIndex * 512, 1024));
        worst = Math.max(worst, relErr(f.rmsG[a], ref));
        if (f.rmsG[a] === ref) exact++;
      }
    }
    // Same float32 operations in the same order; the only difference allowed is strtof (C) versus
    // Number()+fround (TS) parsing a decimal, which may differ by one ulp on rare inputs.
    expect(worst).toBeLessThan(1e-6);
    expect(exact).toBeGreaterThan(70);
    // Windows arrive in order with no gap; the healthy CWRU bearing's drive-end RMS is ~0.07 g.
    for (let i = 1; i < frames.length; i++) expect(frames[i].windowIndex).toBe(frames[i - 1].windowIndex + 1);
    expect(frames[0].rmsG[0]).toBeGreaterThan(0.04);
    expect(frames[0].rmsG[0]).toBeLessThan(0.12);
    // Real-time pacing: 48 kHz / hop 512 = 93.75 windows per second.
    const span = (frames[39].tUs - frames[0].tUs) / 1e6;
    expect(span).toBeCloseTo(39 / 93.75, 3);
    const stats = manager.listNodes()[0].stats;
    expect(stats.badCobs + stats.badCrc + stats.badLength + stats.badVersion + stats.oversize + stats.badPayload).toBe(0);
    expect(stats.missedWindows).toBe(0);
  });

  it('pushes fresh link counters about once a second', async () => {
    const online = () => updates.filter((u) => u.status === 'online' && u.path === info.path);
    const n0 = online().length;
    await waitFor('two stats refreshes', 4000, () => (online().length >= n0 + 2 ? true : undefined));
    const last = online().slice(-2);
    expect(last[1].stats.frames).toBeGreaterThan(last[0].stats.frames + 50);
  });

  it('reports the node as offline in plain words when its process dies mid-stream', async () => {
    const path = info.path;
    const before = updates.length;
    // Kill the node process behind the demo port (as if the cable were pulled).
    const vn = (manager as unknown as { demos: Map<string, { process: { kill: (s: string) => void } }> }).demos.get(path)!;
    expect(vn.process.kill('SIGKILL')).toBe(true);
    const offline = await waitFor('the offline status', 5000, () => updates.slice(before).find((u) => u.path === path && u.status === 'offline'));
    expect(offline.message).toMatch(/lost|stopped/i);
  });
});

describe('a port that is not a Vigil node', () => {
  it('gives up on the handshake with a plain-words error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-notanode-'));
    const link = join(dir, 'tty');
    // socat echoes everything back: a port that talks, but not our protocol.
    const socat = spawn('socat', [`pty,link=${link},rawer`, 'EXEC:cat'], { stdio: 'ignore' });
    try {
      await waitFor('the socat pty', 5000, () => (existsSync(link) ? true : undefined));
      const m = new NodeManager({ root: ROOT, helloTimeoutMs: 1500 });
      await expect(m.connect(link)).rejects.toThrow(/No answer from the node on .* within 2 s/);
      expect(m.listNodes()).toHaveLength(0);
      await m.shutdown();
    } finally {
      socat.kill();
    }
  });
});
