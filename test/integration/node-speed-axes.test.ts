// A 3-axis node runs a speed-aware model over two of its axes (docs/detection.md §2.1: a 3-axis
// section is over the STM32F405's per-window budget, so `vigil train --speeds` refuses it and the
// node runs one over two axes). End to end on the real firmware (the host virtual node):
// `vigil train --speeds 1700,1900 --channel x,z` on a 3-column recording writes node axes 0, 2 into
// the model; the virtual node replays the x,y,z recording on three axes (x healthy drive end, y the
// inner-race fault, z healthy fan end) with that model, at 1797 rpm (CONFIG shaft_hz). Every
// FEATURES score the node sends equals, bit for bit, the TypeScript twin's (models/detect/speedNode.ts)
// on the same frame's bands of axes 0 and 2 — and not on axes 0 and 1, which carry the fault.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureBatch, FeatureFrame } from '../../models/api/contract';
import { NodeSpeedScorer } from '../../models/detect/speedNode';
import { readVgmFile } from '../../models/nn/modelFile';
import { main } from '../../main/cli/vigil';
import { NodeManager } from '../../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { waitFor } from '../helpers/wait';

const N = 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv';
const F = 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv';
const SHAFT_HZ = 1797 / 60;

const rowsOf = (file: string) => readFileSync(join(ROOT, file), 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').map(Number));

describe('a 3-axis node runs a 2-axis speed-aware model over its axes 0 and 2 (virtual node)', () => {
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-axes-' : join(tmpdir(), 'vigil-axes-'));
  const model = join(dir, 'xz.vgm');
  const trainOut: string[] = [];
  let manager: NodeManager;
  let vn: VirtualNode;
  const frames: FeatureFrame[] = [];

  beforeAll(async () => {
    makeFirmware('host');
    const normal = rowsOf(N);
    const fault = rowsOf(F);
    const n = Math.min(normal.length, fault.length);
    // Training: two healthy "speeds" (the second a little louder), three columns as a 3-axis node records them.
    const xyz = (scale: number) => `x,y,z\n${Array.from({ length: n }, (_, i) => `${normal[i][0] * scale},${normal[i][0] * scale * 0.5},${normal[i][1] * scale}`).join('\n')}\n`;
    writeFileSync(join(dir, 'n1700.csv'), xyz(1));
    writeFileSync(join(dir, 'n1900.csv'), xyz(1.2));
    writeFileSync(join(dir, 'manifest.csv'), 'file,label,sample_rate_hz,rpm\nn1700.csv,normal,48000,1700\nn1900.csv,normal,48000,1900\n');
    const err: string[] = [];
    const code = await main(['train', '--data', join(dir, 'manifest.csv'), '--out', model, '--channel', 'x,z', '--speeds', '1700,1900', '--seed', '3', '--epochs', '5'], {
      stdout: (s) => trainOut.push(s),
      stderr: (s) => err.push(s),
    });
    if (code !== 0) throw new Error(`vigil train failed: ${err.join('\n')}`);
    // What the node replays: y carries the fault, the model reads x and z.
    writeFileSync(join(dir, 'replay.csv'), `x,y,z\n${Array.from({ length: n }, (_, i) => `${normal[i][0]},${fault[i][0]},${normal[i][1]}`).join('\n')}\n`);

    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000, dataDir: join(dir, 'app-data') });
    manager.subscribe((event, payload) => {
      if (event === 'node.features') frames.push(...(payload as FeatureBatch).frames);
    });
    vn = await startVirtualNode({
      root: ROOT,
      recording: 'cwru-normal',
      csv: { file: join(dir, 'replay.csv'), rateHz: 48000, columns: ['x', 'y', 'z'], label: 'x,y,z', shaftHz: 0 },
      name: 'axes-test',
      link: join(dir, 'wired'),
      store: join(dir, 'node-store.bin'),
      model,
    });
    await manager.connect(vn.path);
    await manager.setConfig(vn.path, { shaftHz: SHAFT_HZ });
  }, 120_000);
  afterAll(async () => {
    await manager?.shutdown();
    await vn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('vigil train writes node axes 0 and 2 and a speed section over 64 features', () => {
    expect(trainOut.join('\n')).toMatch(/reading node axes 0, 2 \(x, z\)/);
    const m = readVgmFile(new Uint8Array(readFileSync(model))).model;
    expect(m.axes).toEqual([0, 2]);
    expect(m.speed?.dim).toBe(64);
  });

  it("every score the node sends is the TS twin's on the frame's axes 0 and 2, bit for bit", async () => {
    const m = readVgmFile(new Uint8Array(readFileSync(model))).model;
    const speed = m.speed!;
    // The node's first window at the configured speed restarts its smoothing; the twin starts there.
    const scored = await waitFor('80 windows scored at 1797 rpm', 60_000, () => {
      const from = frames.findIndex((f) => f.shaftHz > 0);
      return from >= 0 && frames.length - from >= 80 ? frames.slice(from, from + 80) : undefined;
    });
    const on02 = new NodeSpeedScorer(speed);
    const on01 = new NodeSpeedScorer(speed);
    let equal = 0;
    let differ01 = 0;
    let max01 = 0;
    for (const f of scored) {
      expect(f.gapReason).toBeUndefined();
      expect(f.logBands!.length).toBe(3);
      expect(f.detector!.kind).toBe('model');
      const rpm = Math.fround(f.shaftHz * 60); // as the node computes it: shaft_hz * 60.0f
      const a = on02.step([...f.logBands![0], ...f.logBands![2]], rpm);
      const b = on01.step([...f.logBands![0], ...f.logBands![1]], rpm);
      expect(a.state).not.toBe('unseen-condition');
      if (Math.fround(a.score) === f.anomalyScore) equal++;
      if (Math.fround(b.score) !== f.anomalyScore) differ01++;
      max01 = Math.max(max01, b.score);
    }
    expect(equal).toBe(scored.length);
    expect(differ01).toBe(scored.length);
    expect(max01).toBeGreaterThan(speed.threshold); // the fault is on the axis the model does not read
  }, 90_000);
});
