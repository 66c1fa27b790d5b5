// The condition main keeps for a node (NodeInfo.condition, main/node/condition.ts) on the real
// firmware: the virtual node replays the CWRU inner-race fault and its factory model raises an alarm
// that stays on. Main holds it as active in nodes.list; after the cable is pulled (SIGUSR1) and the
// link comes back, the node repeats the alarm after the new HELLO (docs/protocol.md §3.3), so main
// keeps it on with its first start time (it does not take the reconnect for an end it missed).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, NodeInfo } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { waitFor } from '../helpers/wait';

describe("a node's alarm kept by main across a reconnect (virtual node, inner-race fault)", () => {
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-cond-' : join(tmpdir(), 'vigil-cond-'));
  let manager: NodeManager;
  let vn: VirtualNode;
  const updates: NodeInfo[] = [];
  const events: ApiEvents['node.event'][] = [];

  beforeAll(async () => {
    makeFirmware('host');
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000, dataDir: join(dir, 'app-data') });
    manager.subscribe((event, payload) => {
      if (event === 'node.updated') updates.push(payload as NodeInfo);
      if (event === 'node.event') events.push(payload as ApiEvents['node.event']);
    });
    vn = await startVirtualNode({ root: ROOT, recording: 'cwru-inner-race', name: 'cond-test', link: join(dir, 'wired'), store: join(dir, 'node-store.bin'), unplugMs: 500 });
    await manager.connect(vn.path);
  });
  afterAll(async () => {
    await manager?.shutdown();
    await vn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the alarm as active in nodes.list, with the model that raised it and the detector', async () => {
    const alarm = await waitFor('the alarm in nodes.list', 10_000, () => (manager.listNodes()[0].condition?.alarm?.active ? manager.listNodes()[0].condition!.alarm! : undefined));
    expect(alarm).toMatchObject({ active: true, modelVersion: 1 });
    expect(alarm.peakScore).toBeGreaterThan(alarm.threshold);
    const c = manager.listNodes()[0].condition!;
    expect(c.detector).toMatchObject({ kind: 'model', modelVersion: 1, modelSource: 'built-in' });
    expect(Date.now() - c.lastSeenMs!).toBeLessThan(1000);
    expect(c.latest!.velocityMmS!.length).toBe(2);
  });

  it('keeps it on, with its first start time, after the cable is pulled and the node repeats it', async () => {
    const before = manager.listNodes()[0].condition!.alarm!;
    const n0 = updates.length;
    const e0 = events.length;
    vn.process.kill('SIGUSR1');
    await waitFor('reconnecting', 5000, () => updates.slice(n0).find((u) => u.status === 'reconnecting'));
    await waitFor('online again', 15_000, () => updates.slice(n0).find((u) => u.status === 'online'));
    // The node said it again after the new HELLO: same event, and windows flow after it.
    await waitFor('the repeated EVENT', 5000, () => events.slice(e0).find((e) => e.state === 'started' && e.eventId === before.eventId));
    const w = manager.listNodes()[0].condition!.latest!.windowIndex;
    await waitFor('windows after the reconnect', 5000, () => (manager.listNodes()[0].condition!.latest!.windowIndex > w + 20 ? true : undefined));
    expect(manager.listNodes()[0].condition!.alarm).toMatchObject({ active: true, eventId: before.eventId, sinceMs: before.sinceMs, startWindow: before.startWindow });
  });
});
