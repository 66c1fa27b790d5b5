// The speed-aware detector in node form (models/detect/speedNode.ts, docs/model-format.md §2.9):
// the twin against the laptop detector it is derived from, the model file's speed section, and the
// golden vectors the C scorer replays (firmware/test/test_speed.c).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitSpeedDetector, scoreGroup } from '../../../models/detect/speedDetector';
import { fitNodeSpeedDetector, NODE_MODEL_SLOT_BYTES, nodeBracket, nodeLog10, nodeScoreGroup, NodeSpeedScorer, quantiseResidual, speedSectionSize, symmetricEigen } from '../../../models/detect/speedNode';
import { readModelBlob, writeModelBlob, FLAG_SPEED_SECTION } from '../../../models/nn/modelFile';
import { crc32 } from '../../../models/protocol/crc32';
import { gaussianNoise } from '../../../scripts/gen-baseline-vectors';
import { HEADER_PATH, renderSpeedHeader, speedVectors } from '../../../scripts/gen-speed-vectors';
import { vectorModel } from '../../../scripts/gen-nn-vectors';

const D = 8;
/** A machine whose band means move with log rpm (bent, so linear interpolation misses, by about the random-walk prior) and whose bands are correlated. */
function machine(seed: number) {
  const g = gaussianNoise(seed);
  return (rpm: number, fault = 0) => {
    const l = Math.log(rpm / 1000);
    const common = g();
    return Float32Array.from({ length: D }, (_, b) => -3 + (0.4 + 0.1 * b) * l + 4 * (0.4 + 0.1 * b) * l * l + 0.1 * g() + 0.05 * common + (b === 2 ? fault : 0));
  };
}
const group = (gen: (rpm: number, f?: number) => Float32Array, rpm: number, n: number, fault = 0) => ({ rpm, rows: Array.from({ length: n }, () => gen(rpm, fault)) });

describe('speed-aware detector, node form', () => {
  const gen = machine(7);
  const train = [group(gen, 800, 400), group(gen, 1200, 400)];
  const val = [group(gen, 800, 200), group(gen, 1200, 200)];
  const fit = fitNodeSpeedDetector(train, val);

  it('the simultaneous diagonalisation reproduces the laptop score at every speed in the span (int16 W within 0.5 %, int8 W within 3 %)', () => {
    const f16 = fitNodeSpeedDetector(train, val, { weights: 'i16' });
    const worst = { i16: 0, i8: 0 };
    for (const rpm of [800, 900, 1000, 1111, 1200]) {
      const g = group(gen, rpm, 120);
      const a = scoreGroup(fit.laptop, g);
      const b16 = nodeScoreGroup(f16.node, g);
      const b8 = nodeScoreGroup(fit.node, g);
      for (let i = fit.laptop.warmup; i < a.length; i++) {
        worst.i16 = Math.max(worst.i16, Math.abs(b16[i] - a[i]) / a[i]);
        worst.i8 = Math.max(worst.i8, Math.abs(b8[i] - a[i]) / a[i]);
      }
    }
    console.log(`node form against the laptop score, worst relative difference: int16 ${worst.i16.toExponential(2)}, int8 ${worst.i8.toExponential(2)}`);
    expect(worst.i16).toBeLessThan(5e-3);
    expect(worst.i8).toBeLessThan(3e-2);
  });

  it('without the nuisance (scale 0) the same form is the pooled Mahalanobis score, and a good share of mid-span healthy windows are flagged', () => {
    const f0 = fitNodeSpeedDetector(train, val, { interpolationPrior: 0 });
    const mid = group(gen, 980, 200);
    const flagged = (s: Float64Array, thr: number) => s.slice(8).filter((x) => x > thr).length / (s.length - 8);
    expect(flagged(nodeScoreGroup(f0.node, mid), f0.node.threshold)).toBeGreaterThan(0.1);
    expect(flagged(nodeScoreGroup(fit.node, mid), fit.node.threshold)).toBeLessThan(0.01);
  });

  it('its threshold is set on its own validation scores, and a fault mid-span is over it', () => {
    expect(fit.node.threshold).toBeCloseTo(fit.threshold.threshold, 4);
    const s = nodeScoreGroup(fit.node, group(gen, 1000, 100, 2));
    expect(s.slice(8).every((x) => x > fit.node.threshold)).toBe(true);
  });

  it('speeds outside the widened span, unknown or not a number are an unseen condition', () => {
    expect(nodeBracket(fit.node, 0)).toBeNull();
    expect(nodeBracket(fit.node, Number.NaN)).toBeNull();
    expect(nodeBracket(fit.node, 700)).toBeNull();
    expect(nodeBracket(fit.node, 1300)).toBeNull();
    expect(nodeBracket(fit.node, 1220)).toEqual({ j: 0, t: 1 });
    const sc = new NodeSpeedScorer(fit.node);
    expect(sc.step(gen(1000), 1400).state).toBe('unseen-condition');
  });

  it('a change of speed restarts the smoothing and the warm-up never counts as over', () => {
    const sc = new NodeSpeedScorer(fit.node);
    for (let i = 0; i < 20; i++) sc.step(gen(800), 800);
    const r = sc.step(gen(1200, 3), 1200);
    expect(r.age).toBe(0);
    expect(r.score).toBeGreaterThan(fit.node.threshold);
    expect(r.state).toBe('healthy');
  });

  it('the node log10 matches Math.log10 to binary32 precision; the residual rounds half away and clamps', () => {
    for (const x of [0.5, 0.8, 1, 1.25, 1.75, 1000 / 800, 7.5]) expect(Math.abs(nodeLog10(Math.fround(x)) - Math.log10(Math.fround(x)))).toBeLessThan(6e-7);
    expect([2.5, -2.5, 0.49, -0.49, 1e9, -1e9, Number.NaN].map(quantiseResidual)).toEqual([3, -3, 0, 0, 32767, -32767, 0]);
  });

  it('the Jacobi eigen-decomposition gives A = V diag(values) Vᵀ', () => {
    const n = 5;
    const g = gaussianNoise(3);
    const B = Float64Array.from({ length: n * n }, () => g());
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) A[i * n + j] += B[i * n + k] * B[j * n + k];
    const { values, vectors } = symmetricEigen(A, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[i * n + k] * values[k] * vectors[j * n + k];
        expect(s).toBeCloseTo(A[i * n + j], 9);
      }
  });

  it('three trained speeds: leave-one-knot-out scale, the right interval for every speed', () => {
    const f3 = fitNodeSpeedDetector([...train, group(gen, 1000, 400)], [...val, group(gen, 1000, 200)]);
    expect(f3.laptop.interpolation.source).toBe('leave-one-knot-out');
    expect(f3.node.blocks).toHaveLength(2);
    expect(nodeBracket(f3.node, 900)!.j).toBe(0);
    expect(nodeBracket(f3.node, 1100)!.j).toBe(1);
    expect(nodeBracket(f3.node, 1000)!.t).toBe(1);
  });

  it('int8 weights (the default) and int16 weights give the same detector: scores within a few per cent, same decisions on healthy and faulty windows', () => {
    expect(fit.node.weights).toBe('i8');
    expect(fit.node.blocks[0].w).toBeInstanceOf(Int8Array);
    expect(Math.max(...fit.node.blocks[0].w.map(Math.abs))).toBe(127);
    const f16 = fitNodeSpeedDetector(train, val, { weights: 'i16' });
    expect(f16.node.weights).toBe('i16');
    expect(f16.node.blocks[0].w).toBeInstanceOf(Int16Array);
    let worst = 0;
    for (const [rpm, fault] of [[850, 0], [1000, 0], [1150, 0], [1000, 2]]) {
      const g = group(gen, rpm, 100, fault);
      const a = nodeScoreGroup(f16.node, g);
      const b = nodeScoreGroup(fit.node, g);
      for (let i = fit.node.warmup; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(b[i] - a[i]) / a[i]);
        if (fault) expect(b[i] > fit.node.threshold).toBe(true);
      }
      if (!fault) expect(b.slice(fit.node.warmup).filter((x) => x > fit.node.threshold).length).toBeLessThanOrEqual(1);
    }
    expect(worst).toBeGreaterThan(0); // the two forms do differ (int8 rounding)
    expect(worst).toBeLessThan(0.05);
    // the int8 threshold is its own, set on its own validation scores
    expect(fit.node.threshold).not.toBe(f16.node.threshold);
  });

  it('refuses validation at a speed outside the trained span in plain words', () => {
    expect(() => fitNodeSpeedDetector(train, [group(gen, 1500, 50)])).toThrow(/outside the trained span/);
    expect(fitSpeedDetector).toBeTypeOf('function');
  });
});

describe('model file speed section (flag bit 8)', () => {
  const { q } = vectorModel();
  const gen = machine(11);
  const D64 = (rpm: number) => {
    const x = gen(rpm);
    return Float32Array.from({ length: 64 }, (_, i) => x[i % D] + 0.01 * i);
  };
  const mk = (rpm: number, n: number) => ({ rpm, rows: Array.from({ length: n }, () => D64(rpm)) });
  const node = fitNodeSpeedDetector([mk(800, 300), mk(1400, 300)], [mk(800, 150), mk(1400, 150)]).node;

  it('writes and reads back the section exactly; the flag says it is there', () => {
    const blob = writeModelBlob({ ...q, speed: node });
    expect(new DataView(blob.buffer).getUint16(22, true) & FLAG_SPEED_SECTION).toBe(FLAG_SPEED_SECTION);
    const back = readModelBlob(blob);
    expect(back.speed).toEqual(node);
    expect(readModelBlob(writeModelBlob(q)).speed).toBeUndefined();
  });

  it('int8 W halves the weights: 64 features and two speeds are 5,416 bytes, and the blob fits the node slot (the int16 one does not)', () => {
    expect(speedSectionSize(64, 2, 'i8')).toBe(5416);
    expect(speedSectionSize(64, 2, 'i16')).toBe(9512);
    expect(speedSectionSize(96, 2, 'i8')).toBe(11176);
    const blob8 = writeModelBlob({ ...q, speed: node });
    const blob16 = writeModelBlob({ ...q, speed: fitNodeSpeedDetector([mk(800, 300), mk(1400, 300)], [mk(800, 150), mk(1400, 150)], { weights: 'i16' }).node });
    expect(blob8.length).toBeLessThanOrEqual(NODE_MODEL_SLOT_BYTES);
    expect(blob16.length).toBeGreaterThan(NODE_MODEL_SLOT_BYTES);
    expect(blob16.length - blob8.length).toBe(64 * 64);
    // the section's weight format byte: 1 for int8, 0 for int16 (the first form, still read)
    const sec8 = blob8.length - 36 - speedSectionSize(64, 2, 'i8');
    const sec16 = blob16.length - 36 - speedSectionSize(64, 2, 'i16');
    expect([blob8[sec8 + 7], blob16[sec16 + 7]]).toEqual([1, 0]);
    expect(readModelBlob(blob16).speed!.weights).toBe('i16');
    expect(readModelBlob(blob16).speed!.blocks[0].w).toBeInstanceOf(Int16Array);
  });

  it('refuses a damaged section with a reason (CRC made good again)', () => {
    const blob = writeModelBlob({ ...q, speed: node });
    const crcAt = blob.length - 36;
    const patch = (f: (b: Uint8Array, v: DataView) => void) => {
      const b = blob.slice();
      const v = new DataView(b.buffer);
      f(b, v);
      v.setUint32(crcAt, crc32(b, 0, crcAt), true);
      return () => readModelBlob(b);
    };
    const sec = crcAt - (blob.length - writeModelBlob(q).length);
    expect(patch((b) => (b[sec] = 0x58))).toThrow(/VSPD/);
    expect(patch((_, v) => v.setFloat32(sec + 24, 0, true))).toThrow(/threshold/);
    expect(patch((_, v) => v.setFloat32(sec + 8, 2, true))).toThrow(/smoothing/);
    expect(patch((_, v) => v.setUint16(22, 0, true))).toThrow(/does not match its contents/);
    expect(patch((_, v) => v.setUint16(22, 0x0200, true))).toThrow(/unknown flags/);
    expect(patch((b) => (b[sec + 7] = 2))).toThrow(/weight format 2 is unknown/);
    expect(patch((b) => (b[sec + 7] = 0))).toThrow(/bytes, .* expected .*i16 weights/);
    // the first int8 weight of the first block set to -128
    expect(patch((b) => (b[sec + 32 + 4 * 64 + 2 * (4 + 4 * 64) + 8 * 64] = 0x80))).toThrow(/weight -128 \(weights are -127\.\.127\)/);
  });
});

describe('speed section golden vectors', () => {
  it('the committed C header is what scripts/gen-speed-vectors.ts prints', () => {
    expect(readFileSync(HEADER_PATH, 'utf8')).toBe(renderSpeedHeader(speedVectors()));
  });

  it('the vectors read back through the model reader and replay to the same states and scores', () => {
    for (const c of speedVectors()) {
      const model = c.name.startsWith('blob') ? readModelBlob(c.bytes).speed! : c.model;
      expect(model).toEqual(c.model);
      const sc = new NodeSpeedScorer(model);
      let over = 0;
      c.steps.forEach((s) => {
        if (s.restart) sc.restart();
        const r = sc.step(s.x, s.rpm);
        expect(Object.is(r.score, s.score) || r.score === s.score).toBe(true);
        over += r.state === 'over' ? 1 : 0;
      });
      expect(over).toBeGreaterThan(0);
    }
    expect(speedVectors().map((c) => `${c.name}:${c.model.weights}`)).toEqual(['blob:i16', 'small:i16', 'blob8:i8', 'small8:i8']);
  });
});
