// A 3-axis node runs a speed-aware model over the axes its model names (docs/detection.md §2.1,
// §7), end to end on the real firmware (the host virtual node). `vigil train --speeds 1700,1900` on
// a 3-column recording writes the node axes of its channels into the model; the virtual node
// replays an x,y,z recording on three axes (x healthy drive end, y the inner-race fault, z healthy
// fan end) with that model, at 1797 rpm (CONFIG shaft_hz). Every FEATURES score the node sends
// equals, bit for bit, the TypeScript twin's (models/detect/speedNode.ts) on the same frame's bands
// of the model's axes — and not on a wrong set of axes.
//  - `--channel x,z`: node axes 0, 2 (64 features); the fault on y is not read (axes 0 and 1 would see it).
//  - `--channel x,y,z`: node axes 0, 1, 2 (96 features, the step within the STM32F405's budget since
//    2026-12-06); the fault on y is read and scored over the threshold.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureBatch, FeatureFrame } from '../../models/api/contract';
import { NodeSpeedScorer, type NodeSpeedDetector } from '../../models/detect/speedNode';
import { readVgmFile } from '../../models/nn/modelFile';
import { main } from '../../main/cli/vigil';
import { NodeManager } from '../../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { waitFor } from '../helpers/wait';

const N = 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv';
const F = 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv';
const SHAFT_HZ = 1797 / 60;
const SCORED = 80;

const rowsOf = (file: string) => readFileSync(join(ROOT, file), 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').map(Number));

interface NodeRun {
  /** The trained model file. */
  model: string;
  /** What `vigil train` printed. */
  trainOut: string[];
  /** Every FEATURES frame the node has sent so far. */
  frames: FeatureFrame[];
}

/**
 * Registers, in the calling describe, the hooks that train a speed-aware model on `channels` of an
 * x,y,z recording (two healthy "speeds", the second a little louder) and start the host virtual node
 * with it, replaying x healthy drive end, y the inner-race fault, z healthy fan end at 1797 rpm.
 */
function trainAndRunOnNode(channels: string): NodeRun {
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-axes-' : join(tmpdir(), 'vigil-axes-'));
  const run: NodeRun = { model: join(dir, `${channels.replace(/,/g, '')}.vgm`), trainOut: [], frames: [] };
  let manager: NodeManager;
  let vn: VirtualNode;

  beforeAll(async () => {
    makeFirmware('host');
    const normal = rowsOf(N);
    const fault = rowsOf(F);
    const n = Math.min(normal.length, fault.length);
    // Training: three columns as a 3-axis node records them.
    const xyz = (scale: number) => `x,y,z\n${Array.from({ length: n }, (_, i) => `${normal[i][0] * scale},${normal[i][0] * scale * 0.5},${normal[i][1] * scale}`).join('\n')}\n`;
    writeFileSync(join(dir, 'n1700.csv'), xyz(1));
    writeFileSync(join(dir, 'n1900.csv'), xyz(1.2));
    writeFileSync(join(dir, 'manifest.csv'), 'file,label,sample_rate_hz,rpm\nn1700.csv,normal,48000,1700\nn1900.csv,normal,48000,1900\n');
    const err: string[] = [];
    const code = await main(['train', '--data', join(dir, 'manifest.csv'), '--out', run.model, '--channel', channels, '--speeds', '1700,1900', '--seed', '3', '--epochs', '5'], {
      stdout: (s) => run.trainOut.push(s),
      stderr: (s) => err.push(s),
    });
    if (code !== 0) throw new Error(`vigil train failed: ${err.join('\n')}`);
    // What the node replays: y carries the fault; each axis a different signal.
    writeFileSync(join(dir, 'replay.csv'), `x,y,z\n${Array.from({ length: n }, (_, i) => `${normal[i][0]},${fault[i][0]},${normal[i][1]}`).join('\n')}\n`);

    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000, dataDir: join(dir, 'app-data') });
    manager.subscribe((event, payload) => {
      if (event === 'node.features') run.frames.push(...(payload as FeatureBatch).frames);
    });
    vn = await startVirtualNode({
      root: ROOT,
      recording: 'cwru-normal',
      csv: { file: join(dir, 'replay.csv'), rateHz: 48000, columns: ['x', 'y', 'z'], label: 'x,y,z', shaftHz: 0 },
      name: 'axes-test',
      link: join(dir, 'wired'),
      store: join(dir, 'node-store.bin'),
      model: run.model,
    });
    await manager.connect(vn.path);
    await manager.setConfig(vn.path, { shaftHz: SHAFT_HZ });
  }, 120_000);
  afterAll(async () => {
    await manager?.shutdown();
    await vn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return run;
}

/** The model's speed section, as written. */
const speedOf = (model: string): NodeSpeedDetector => readVgmFile(new Uint8Array(readFileSync(model))).model.speed!;

/** The first SCORED frames from the node's first window at the configured speed (it restarts its smoothing there; the twin starts there too). */
const scoredFrames = (run: NodeRun) =>
  waitFor(`${SCORED} windows scored at 1797 rpm`, 60_000, () => {
    const from = run.frames.findIndex((f) => f.shaftHz > 0);
    return from >= 0 && run.frames.length - from >= SCORED ? run.frames.slice(from, from + SCORED) : undefined;
  });

/** The TS twin's scores (binary32) over the frames' bands of node axes `axes`, in that order. */
function twinScores(speed: NodeSpeedDetector, frames: FeatureFrame[], axes: number[]) {
  const twin = new NodeSpeedScorer(speed);
  return frames.map((f) => {
    const s = twin.step(axes.flatMap((a) => f.logBands![a]), Math.fround(f.shaftHz * 60)); // rpm as the node computes it: shaft_hz * 60.0f
    return { state: s.state, score: Math.fround(s.score) };
  });
}

/** Each frame came from the 3-axis node with its bands, and the speed-aware model detects: its stated threshold is the speed section's. */
function expectSpeedAwareFrames(frames: FeatureFrame[], speed: NodeSpeedDetector) {
  for (const f of frames) {
    expect(f.gapReason).toBeUndefined();
    expect(f.logBands!.length).toBe(3);
    expect(f.detector!.kind).toBe('model');
    expect(f.detector!.threshold).toBe(Math.fround(speed.threshold));
  }
}

describe('a 3-axis node runs a 2-axis speed-aware model over its axes 0 and 2 (virtual node)', () => {
  const run = trainAndRunOnNode('x,z');

  it('vigil train writes node axes 0 and 2 and a speed section over 64 features', () => {
    expect(run.trainOut.join('\n')).toMatch(/reading node axes 0, 2 \(x, z\)/);
    const m = readVgmFile(new Uint8Array(readFileSync(run.model))).model;
    expect(m.axes).toEqual([0, 2]);
    expect(m.speed?.dim).toBe(64);
  });

  it("every score the node sends is the TS twin's on the frame's axes 0 and 2, bit for bit", async () => {
    const speed = speedOf(run.model);
    const scored = await scoredFrames(run);
    expectSpeedAwareFrames(scored, speed);
    const on02 = twinScores(speed, scored, [0, 2]);
    const on01 = twinScores(speed, scored, [0, 1]);
    expect(on02.every((s) => s.state !== 'unseen-condition')).toBe(true);
    expect(scored.filter((f, i) => on02[i].score === f.anomalyScore).length).toBe(SCORED);
    expect(scored.filter((f, i) => on01[i].score !== f.anomalyScore).length).toBe(SCORED);
    expect(Math.max(...on01.map((s) => s.score))).toBeGreaterThan(speed.threshold); // the fault is on the axis the model does not read
  }, 90_000);
});

describe('a 3-axis node runs a speed-aware model over all 3 of its axes (virtual node)', () => {
  const run = trainAndRunOnNode('x,y,z');

  it('vigil train writes node axes 0, 1 and 2 and a speed section over 96 features', () => {
    expect(run.trainOut.join('\n')).toMatch(/reading node axes 0, 1, 2 \(x, y, z\)/);
    const m = readVgmFile(new Uint8Array(readFileSync(run.model))).model;
    expect(m.axes).toEqual([0, 1, 2]);
    expect(m.speed?.dim).toBe(96);
  });

  it("every score the node sends is the TS twin's on the frame's axes 0, 1 and 2, bit for bit, and none a wrong axis set's", async () => {
    const speed = speedOf(run.model);
    const scored = await scoredFrames(run);
    expectSpeedAwareFrames(scored, speed);
    const on012 = twinScores(speed, scored, [0, 1, 2]);
    expect(on012.every((s) => s.state !== 'unseen-condition')).toBe(true);
    expect(scored.filter((f, i) => on012[i].score === f.anomalyScore).length).toBe(SCORED);
    // The three axes carry different signals, so each wrong set's input differs in every frame:
    // z read as y (the fault read twice), y and z swapped, the fault not read.
    for (const wrong of [[0, 1, 1], [0, 2, 1], [0, 2, 2]]) {
      const on = twinScores(speed, scored, wrong);
      expect(scored.filter((f, i) => on[i].score !== f.anomalyScore).length, `axes ${wrong.join(', ')}`).toBe(SCORED);
    }
    expect(Math.max(...on012.map((s) => s.score))).toBeGreaterThan(speed.threshold); // the model reads y, which carries the fault
  }, 90_000);
});
