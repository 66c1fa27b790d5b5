// The demo node tells the shaft speed of the recording it replays (CWRU: 1797 rpm), in its
// configuration and in every FEATURES frame, through the real virtual node, pty and NodeManager.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, FeatureFrame, NodeInfo } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { waitFor } from '../helpers/wait';

describe('demo node shaft speed', () => {
  let manager: NodeManager;
  const frames: FeatureFrame[] = [];
  let info: NodeInfo;

  beforeAll(async () => {
    makeFirmware('host');
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000 });
    manager.subscribe((event, payload) => {
      if (event === 'node.features') frames.push(...(payload as ApiEvents['node.features']).frames);
    });
    info = await manager.startDemo('cwru-inner-race');
  });
  afterAll(async () => {
    await manager?.shutdown();
  });

  it('is configured at 1797 rpm (29.95 Hz) when it starts', async () => {
    expect(info.config?.shaftHz).toBeCloseTo(1797 / 60, 4);
    const read = await manager.getConfig(info.path);
    expect(read.shaftHz).toBeCloseTo(1797 / 60, 4);
  });

  it('carries that speed in its FEATURES frames', async () => {
    const n0 = frames.length;
    await waitFor('20 feature frames', 10_000, () => (frames.length >= n0 + 20 ? true : undefined));
    for (const f of frames.slice(-10)) expect(f.shaftHz * 60).toBeCloseTo(1797, 2);
  });
});
