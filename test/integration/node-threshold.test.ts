// The node states its alarm threshold (protocol 1.4, docs/protocol.md §3.1) on the real firmware:
// the virtual node replays the healthy CWRU recording. Running its built-in model, its HELLO already
// carries that model's threshold — the same score the app computes from its copy of the model file.
// Told to learn its own baseline (CONFIG key 10), it says "none" while learning and, the window
// learning ends, the threshold it learned: main keeps it in NodeInfo.condition before any EVENT, and
// the live analysis takes it from there ("from the baseline this node learned").
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, NodeInfo } from '../../models/api/contract';
import { NodeManager } from '../../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { knownThreshold, modelThreshold } from '../../renderer/src/live/threshold';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { waitFor } from '../helpers/wait';

/** Learning period: a fifth learns, a fifth calibrates (docs/detection.md §4.1); about 4 s at 93.75 windows/s. */
const LEARN_WINDOWS = 400;

describe('the threshold a node states (virtual node, healthy CWRU)', () => {
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-thr-' : join(tmpdir(), 'vigil-thr-'));
  const builtIn = new Uint8Array(readFileSync(join(ROOT, 'renderer/public/models/default.vgm')));
  let manager: NodeManager;
  let vn: VirtualNode;
  /** Updates and EVENTs in the order main gave them. */
  const log: ({ kind: 'update'; info: NodeInfo } | { kind: 'event'; event: ApiEvents['node.event'] })[] = [];
  const node = () => manager.listNodes()[0];
  // Lookups that fail loudly: the node's statement must not need them.
  const noFiles = { builtIn: async () => null, byVersion: async () => null };

  beforeAll(async () => {
    makeFirmware('host');
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000, dataDir: join(dir, 'app-data') });
    manager.subscribe((event, payload) => {
      if (event === 'node.updated') log.push({ kind: 'update', info: payload as NodeInfo });
      if (event === 'node.event') log.push({ kind: 'event', event: payload as ApiEvents['node.event'] });
    });
    vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'thr-test', link: join(dir, 'wired'), store: join(dir, 'node-store.bin') });
    await manager.connect(vn.path);
  });
  afterAll(async () => {
    await manager?.shutdown();
    await vn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("states the built-in model's threshold in its HELLO: the score the app's copy of the model gives", async () => {
    const d = node().condition!.detector;
    expect(node().hello!.info!.protocolMinor).toBe(4);
    expect(d).toMatchObject({ kind: 'model', modelVersion: 1, modelSource: 'built-in' });
    const fromFile = modelThreshold(builtIn);
    expect(d.threshold).toBeGreaterThan(0);
    // The node computes it in float32 (nn_score_f32), the app in float64.
    expect(Math.abs(d.threshold! - fromFile.score) / fromFile.score).toBeLessThan(1e-6);
    expect(await knownThreshold(node(), noFiles)).toEqual({ value: d.threshold, source: 'node-model', modelVersion: 1 });
  });

  it('learns its own baseline and shows the threshold it learned before any alarm', async () => {
    const n0 = log.length;
    await manager.setConfig(vn.path, { learnWindows: LEARN_WINDOWS });
    const learning = await waitFor('learning', 5000, () => (node().condition!.detector.kind === 'learning' ? node().condition!.detector : undefined));
    // Nothing to compare with while it learns: the node says none (null), not the old model's.
    expect(learning.threshold).toBeNull();
    expect(await knownThreshold(node(), noFiles)).toBeNull();
    const learned = await waitFor('the learned baseline with its threshold', 20_000, () => {
      const i = log.slice(n0).findIndex((e) => e.kind === 'update' && e.info.condition?.detector.kind === 'baseline' && typeof e.info.condition.detector.threshold === 'number');
      return i < 0 ? undefined : n0 + i;
    });
    const t = (log[learned] as { info: NodeInfo }).info.condition!.detector.threshold!;
    expect(t).toBeGreaterThan(0);
    // No alarm came before the threshold was known (from the baseline: model_version 0).
    expect(log.slice(n0, learned).filter((e) => e.kind === 'event' && e.event.state === 'started' && e.event.modelVersion === 0)).toEqual([]);
    const k = await knownThreshold(node(), noFiles);
    expect(k).toMatchObject({ source: 'node-baseline', modelVersion: 0 });
    // The same baseline at the same speed: the value stays what the node first said, window after window.
    const w = node().condition!.latest!.windowIndex;
    await waitFor('more windows', 5000, () => (node().condition!.latest!.windowIndex > w + 20 ? true : undefined));
    expect(node().condition!.detector).toMatchObject({ kind: 'baseline', learnPercent: 100, threshold: t });
    expect(k!.value).toBe(t);
  });
});
