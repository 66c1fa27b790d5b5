// Training the autoencoder with TensorFlow.js on the wasm backend (tiny models only): seeded
// reproducibility, early stopping with the best weights restored, cancel, standardisation fitted
// on training windows only, time splits that never train on anomalies or on held-out windows.
import { beforeAll, describe, expect, it } from 'vitest';
import { extractFeatures } from '../../../models/features/windower';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { floatScores } from '../../../models/nn/float';
import * as tf from '@tensorflow/tfjs';
import { lossAndGradient, paramLayout, trainAutoencoder } from '../../../models/train/autoencoder';
import { prepareData, splitInTime, windowsOf } from '../../../models/train/dataset';
import { trainDetector } from '../../../models/train/pipeline';
import { evaluate } from '../../../models/eval/report';
import { useNodeBackend } from '../../../main/cli/tfBackend';
import { readCsvColumns } from '../../helpers/recording';
import { ROOT } from '../../helpers/firmware';

const spec = defaultFeatureSpec(48000);
const demo = (f: string) => readCsvColumns(`${ROOT}/data/demo/${f}`).columns;
const normal = demo('cwru_normal_0hp_1797rpm_48k_1s.csv');
const fault = demo('cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const rows = extractFeatures([normal[0]], spec).map((w) => w.logBands);
const tiny = { hidden: [8, 2, 8], epochs: 40, batchSize: 16, patience: 0 };

beforeAll(async () => {
  expect(await useNodeBackend('wasm')).toBe('wasm');
});

describe('autoencoder training (wasm backend)', () => {
  it('the explicit backpropagation equals TensorFlow.js automatic gradients', () => {
    const layout = paramLayout([6, 4, 2, 4, 6]);
    const theta = tf.tensor1d(Float32Array.from({ length: layout.total }, (_, i) => Math.sin(i * 1.7) * 0.5));
    const x = tf.tensor2d(Float32Array.from({ length: 5 * 6 }, (_, i) => Math.cos(i * 0.9)), [5, 6]);
    const mask = tf.tensor1d(layout.weightMask);
    const mine = lossAndGradient(theta, layout, mask, x, 0.01);
    const lossOf = (t: tf.Tensor) => {
      let h = x as tf.Tensor2D;
      layout.offsets.forEach((o, l) => {
        const W = tf.reshape(tf.slice(t, [o.w], [o.inDim * o.outDim]), [o.inDim, o.outDim]) as tf.Tensor2D;
        const y = tf.add(tf.matMul(h, W), tf.slice(t, [o.b], [o.outDim])) as tf.Tensor2D;
        h = l < 3 ? tf.relu(y) : y;
      });
      return tf.add(tf.mean(tf.square(tf.sub(h, x))), tf.mul(0.01, tf.sum(tf.square(tf.mul(t, mask))))) as tf.Scalar;
    };
    const auto = tf.grad(lossOf)(theta);
    expect(mine.loss.dataSync()[0]).toBeCloseTo(lossOf(theta).dataSync()[0], 6);
    const a = auto.dataSync();
    const b = mine.grad.dataSync();
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
  });

  it('the same seed gives the same weights; another seed does not', async () => {
    const a = await trainAutoencoder(rows.slice(0, 60), rows.slice(60, 75), spec, [0], { ...tiny, seed: 7 });
    const b = await trainAutoencoder(rows.slice(0, 60), rows.slice(60, 75), spec, [0], { ...tiny, seed: 7 });
    const c = await trainAutoencoder(rows.slice(0, 60), rows.slice(60, 75), spec, [0], { ...tiny, seed: 8 });
    expect(a.backend).toBe('wasm');
    for (let l = 0; l < 4; l++) {
      expect(Array.from(a.model.layers[l].weights)).toEqual(Array.from(b.model.layers[l].weights));
      expect(Array.from(a.model.layers[l].bias)).toEqual(Array.from(b.model.layers[l].bias));
    }
    expect(Array.from(a.model.layers[0].weights)).not.toEqual(Array.from(c.model.layers[0].weights));
    expect(a.history.loss).toEqual(b.history.loss);
    expect(a.history.loss.at(-1)!).toBeLessThan(a.history.loss[0]);
  });

  it('stops early and returns the best epoch weights (their validation loss is the best one)', async () => {
    const r = await trainAutoencoder(rows.slice(0, 60), rows.slice(60, 75), spec, [0], { hidden: [16, 4, 16], epochs: 400, patience: 5, learningRate: 0.01, seed: 1 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochsRun).toBe(r.bestEpoch + 5);
    const best = Math.min(...r.history.valLoss);
    expect(r.history.valLoss[r.bestEpoch - 1]).toBe(best);
    const val = floatScores(r.model, rows.slice(60, 75));
    const mean = val.reduce((s, x) => s + x, 0) / val.length;
    expect(mean).toBeCloseTo(best, 4);
  });

  it('leaves no tensor behind (a worker trains many models in one session)', async () => {
    await trainAutoencoder(rows.slice(0, 20), rows.slice(20, 30), spec, [0], { ...tiny, epochs: 2 });
    const before = tf.memory().numTensors;
    await trainAutoencoder(rows.slice(0, 60), rows.slice(60, 75), spec, [0], { ...tiny, epochs: 5, patience: 3 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fits the standardisation on the training windows only', async () => {
    const train = rows.slice(0, 30);
    const r = await trainAutoencoder(train, rows.slice(30, 40), spec, [0], { ...tiny, epochs: 1 });
    for (const i of [0, 15, 31]) expect(r.model.mean[i]).toBeCloseTo(train.reduce((s, x) => s + x[i], 0) / train.length, 5);
  });

  it('cancels between epochs when the progress callback says so', async () => {
    const seen: number[] = [];
    const r = await trainAutoencoder(rows.slice(0, 60), rows.slice(60, 75), spec, [0], {
      ...tiny,
      onEpoch: async (p) => {
        seen.push(p.epoch);
        return p.epoch < 3;
      },
    });
    expect(r.cancelled).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    expect(r.epochsRun).toBe(3);
  });

  it('refuses too little data and mismatched widths in plain words', async () => {
    await expect(trainAutoencoder(rows.slice(0, 1), [], spec, [0])).rejects.toThrow(/at least 2 normal windows/);
    await expect(trainAutoencoder(rows.slice(0, 10), [], spec, [0, 1])).rejects.toThrow(/windows have 32 features/);
  });
});

describe('data split and the whole pipeline', () => {
  it('splits a normal recording in time and drops windows that straddle a cut', () => {
    const set = windowsOf({ name: 'n', label: 'normal', channels: [normal[0]] }, spec);
    expect(set.rows.length).toBe(92);
    const s = splitInTime(set, 48000, 1024, { testFraction: 0.4, valFraction: 0.25 });
    expect(s.cuts).toEqual({ testCut: 28800, valCut: 21600, sampleCount: 48000 });
    for (const st of s.train.start) expect(st + 1024).toBeLessThanOrEqual(21600);
    for (const st of s.val.start) expect(st >= 21600 && st + 1024 <= 28800).toBe(true);
    for (const st of s.test.start) expect(st).toBeGreaterThanOrEqual(28800);
    expect(s.train.rows.length + s.val.rows.length + s.test.rows.length).toBeLessThan(92); // straddlers dropped
  });

  it('never trains on anomalies; thresholds the int8 model on validation windows; detects the demo fault', async () => {
    const prepared = prepareData(
      [
        { name: 'normal.csv', label: 'normal', channels: [normal[0], normal[1]] },
        { name: 'fault.csv', label: 'inner_race', channels: [fault[0], fault[1]] },
      ],
      spec,
    );
    expect(prepared.train.sources).toEqual(['normal.csv']);
    expect([...prepared.anomalies.keys()]).toEqual(['inner_race']);
    const phases: string[] = [];
    const t = await trainDetector(prepared, spec, [0, 1], { hidden: [16, 4, 16], epochs: 60, seed: 3, onPhase: (p) => phases.push(p) });
    expect(phases).toEqual(['training', 'quantizing', 'done']);
    expect(t.int8.layers.map((l) => l.outDim)).toEqual([16, 4, 16, 64]);
    expect(t.int8.detector.thresholdSumsq).toBe(Math.floor(t.int8Threshold.threshold));
    expect(t.int8Threshold.windows).toBe(prepared.val.rows.length);
    const r = evaluate({ spec, ...prepared }, { float: t.float, int8: t.int8 });
    const q = r.detectors.find((d) => d.id === 'int8')!;
    expect(q.auc.inner_race).toBeGreaterThan(0.95);
    expect(q.detectionRate.inner_race).toBeGreaterThan(0.9);
  });
});
