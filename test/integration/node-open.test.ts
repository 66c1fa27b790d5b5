// Issue 13, the ingest bench's start-up "loss": a node streams from boot, and the app's serial stack
// (serialport) flushes a port's input as it opens it (tcflush), so the windows a node sent before
// the app opened its port are thrown away unread. The bench counted them as dropped. The virtual
// node now sees that flush (its pty master in packet mode) and says how many frames it had sent
// before it; this test holds the app to "every window from the open on arrives" and the node's
// count to exactly the windows before the first one the app got.
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvents, FeatureFrame } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { exitSummary, startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { waitFor } from '../helpers/wait';

describe('a node that streamed before the app opened its port', () => {
  let manager: NodeManager | undefined;
  let vn: VirtualNode | undefined;
  afterEach(async () => {
    await manager?.shutdown();
    await vn?.stop();
  });

  it('the windows before the open are the node\'s own count of frames before the open; every window after it arrives', async () => {
    makeFirmware('host');
    vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'open-late' });
    let stderr = '';
    vn.process.stderr!.setEncoding('utf8');
    vn.process.stderr!.on('data', (d: string) => (stderr += d));
    // Nobody reads for 300 ms: about 26 windows (93.75/s) wait in the pty, well within what it holds.
    await new Promise((r) => setTimeout(r, 300));
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000 });
    const frames: FeatureFrame[] = [];
    manager.subscribe((event, payload) => {
      if (event === 'node.features') frames.push(...(payload as ApiEvents['node.features']).frames);
    });
    const info = await manager.connect(vn.path);
    await waitFor('100 windows', 15_000, () => (frames.length >= 100 ? true : undefined));
    // As the bench does: the stream off, what is on its way read, then the node stopped.
    await manager.setStream(info.path, { features: false, raw: false, rawDecimation: 1 });
    await new Promise((r) => setTimeout(r, 500));
    await vn.stop();
    const x = exitSummary(stderr);
    expect(x, stderr).not.toBeNull();

    // The node saw the app's open flush its pty, with nothing of its own waiting: an exact count.
    expect(x!.beforeOpen, stderr).toBeDefined();
    const before = x!.beforeOpen!;
    expect(before).toBeGreaterThan(10);
    // The app's first window is the first the node sent after the open, and none is missing after it.
    expect(frames[0].windowIndex).toBe(before);
    for (let i = 1; i < frames.length; i++) expect(frames[i].windowIndex).toBe(frames[i - 1].windowIndex + 1);
    expect(manager.listNodes().find((n) => n.path === info.path)!.stats.missedWindows).toBe(0);
    // So the bench's accounting: offered = before the open + received, nothing dropped. Counting
    // from the node's start (the old frames_dropped = offered - received) called `before` lost.
    expect(x!.dropped).toBe(0);
    expect(x!.featuresSent + x!.rawSent).toBe(before + frames.length);
  }, 40_000);
});
