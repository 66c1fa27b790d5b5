// Reconnect time of the app's serial session, measured on the real parts: the virtual node (the
// firmware's host build) on a pty, the app's NodeManager through the serialport stack. SIGUSR1
// makes the node unplug its pty for --unplug-ms and create it again at the same --link path; the
// figure is from the moment the node says its port is back (`VIGIL-NODE PTY` again) to the
// session's status 'online' (handshake, time sync and stream settings done). Used by the
// integration test and by the link benchmark (bench/link.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiEvents, NodeInfo } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { ensureHostNodeBuilt, startVirtualNode } from '../../main/node/virtualNode';
import { waitFor } from './wait';

export interface ReconnectFigures {
  /** Port back -> session online, seconds. */
  reconnect_s: number;
  /** Link lost (status 'reconnecting') -> online, seconds. */
  outage_s: number;
  /** Windows the node computed while unplugged (recorded as a gap). */
  missed_windows: number;
  /** The first frame after the gap carried gapReason 'link-lost'. */
  gap_marked: boolean;
}

export async function measureReconnect(root: string, opts: { unplugMs?: number } = {}): Promise<ReconnectFigures> {
  ensureHostNodeBuilt(root);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-reconnect-'));
  const manager = new NodeManager({ root, batchMs: 20, helloTimeoutMs: 5000 });
  let backAt = 0;
  const vn = await startVirtualNode({ root, recording: 'cwru-normal', link: join(dir, 'tty'), unplugMs: opts.unplugMs ?? 500, onPtyBack: () => (backAt = performance.now()) });
  const updates: { at: number; info: NodeInfo }[] = [];
  let frames = 0;
  let gapMarked = false;
  manager.subscribe((event, payload) => {
    if (event === 'node.updated') updates.push({ at: performance.now(), info: payload as NodeInfo });
    if (event === 'node.features') {
      for (const f of (payload as ApiEvents['node.features']).frames) {
        frames++;
        if (f.gapReason === 'link-lost') gapMarked = true;
      }
    }
  });
  try {
    await manager.connect(vn.path);
    await waitFor('20 feature frames', 10_000, () => (frames >= 20 ? true : undefined));
    const before = manager.listNodes()[0].stats.missedWindows;
    const n0 = updates.length;
    vn.process.kill('SIGUSR1');
    const lost = await waitFor('status reconnecting', 5000, () => updates.slice(n0).find((u) => u.info.status === 'reconnecting'));
    const online = await waitFor('status online again', 15_000, () => updates.slice(n0).find((u) => u.at > lost.at && u.info.status === 'online'));
    if (!backAt) throw new Error('the node did not say its port was back');
    const f0 = frames;
    await waitFor('frames after the reconnect', 5000, () => (frames > f0 + 3 ? true : undefined));
    return {
      reconnect_s: (online.at - backAt) / 1000,
      outage_s: (online.at - lost.at) / 1000,
      missed_windows: manager.listNodes()[0].stats.missedWindows - before,
      gap_marked: gapMarked,
    };
  } finally {
    await manager.shutdown();
    await vn.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
