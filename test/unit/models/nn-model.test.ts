// The int8 model: golden vectors (shared with the firmware), the quantizer, the model file
// (round trip, corruption, tags) and the feature-spec hash.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { floatScores } from '../../../models/nn/float';
import { int8SumsqBatch, runInt8, sumsqToScore } from '../../../models/nn/int8';
import {
  ModelFormatError,
  readModelBlob,
  readVgmFile,
  signModelBlob,
  UNPAIRED_KEY,
  verifyModelTag,
  writeModelBlob,
  writeVgmFile,
} from '../../../models/nn/modelFile';
import { dequantize } from '../../../models/nn/quantize';
import { featureSpecBytes, featureSpecHash, parseFeatureSpecBytes } from '../../../models/nn/specHash';
import { toHex } from '../../../models/crypto/sha256';
import { crc32 } from '../../../models/protocol/crc32';
import { rocAuc } from '../../../models/eval/roc';
import { buildVectors, HEADER_PATH, JSON_PATH, renderHeader, renderJson, TEST_KEY, vectorModel } from '../../../scripts/gen-nn-vectors';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8'));
const blobOf = () => Uint8Array.from(Buffer.from(V.model.blob, 'hex'));

describe('golden vectors', () => {
  it('the committed JSON and C header are what the generator writes', () => {
    const v = buildVectors();
    expect(readFileSync(JSON_PATH, 'utf8')).toBe(renderJson(v));
    expect(readFileSync(HEADER_PATH, 'utf8')).toBe(renderHeader(v));
  });
  it('the TS int8 inference reproduces every case, layer by layer', () => {
    const m = readModelBlob(blobOf(), { key: TEST_KEY });
    for (const c of V.cases) {
      const t = runInt8(m, Float32Array.from(c.x));
      expect(Array.from(t.qIn), c.name).toEqual(c.qIn);
      expect(t.layers.map((l) => Array.from(l)), c.name).toEqual(c.layers);
      expect(t.sumsq, c.name).toBe(c.sumsq);
      expect(t.sumsq > m.detector.thresholdSumsq).toBe(c.over);
    }
    expect(Array.from(int8SumsqBatch(m, V.cases.map((c: { x: number[] }) => Float32Array.from(c.x))))).toEqual(V.cases.map((c: { sumsq: number }) => c.sumsq));
  });
  it('the blob carries the stated CRC and tags', () => {
    const b = blobOf();
    expect(crc32(b, 0, b.length - 36)).toBe(V.model.crc32);
    expect(verifyModelTag(b, TEST_KEY)).toBe(true);
    expect(verifyModelTag(b, UNPAIRED_KEY)).toBe(false);
    expect(toHex(signModelBlob(b, UNPAIRED_KEY).subarray(b.length - 32))).toBe(V.model.tagUnpaired);
  });
  it('each stated mutation is refused with the stated reason, in plain words', () => {
    const words: Record<string, RegExp> = {
      truncated: /truncated/,
      magic: /not a Vigil model file/,
      version: /format version 2 is not supported/,
      crc: /corrupt \(CRC mismatch\)/,
      tag: /not signed for this node/,
    };
    for (const mu of V.model.mutations) {
      let b = blobOf();
      if (mu.truncate) b = b.subarray(0, mu.truncate);
      else b[mu.offset] ^= mu.xor;
      expect(() => readModelBlob(b, { key: TEST_KEY }), mu.name).toThrow(words[mu.expect]);
    }
  });
});

describe('model file', () => {
  const { q, normal } = vectorModel();

  it('round-trips every field, and re-writing a read blob gives the same bytes', () => {
    const blob = writeModelBlob(q);
    const back = readModelBlob(blob, { key: UNPAIRED_KEY });
    expect(back.modelVersion).toBe(7);
    expect(back.axes).toEqual([0, 1]);
    expect(back.inputScale).toBe(q.inputScale);
    expect(Array.from(back.mean)).toEqual(Array.from(q.mean));
    expect(back.layers.map((l) => [l.inDim, l.outDim, l.activation])).toEqual(q.layers.map((l) => [l.inDim, l.outDim, l.activation]));
    for (let l = 0; l < q.layers.length; l++) {
      expect(Array.from(back.layers[l].weights)).toEqual(Array.from(q.layers[l].weights));
      expect(Array.from(back.layers[l].multiplier)).toEqual(Array.from(q.layers[l].multiplier));
    }
    expect(featureSpecHash(back.spec)).toEqual(featureSpecHash(q.spec));
    expect(writeModelBlob(back)).toEqual(blob);
    expect(blob.length).toBe(7980); // docs/model-format.md section 4
  });

  it('refuses every truncation, and random corruption, with a ModelFormatError (never a crash)', () => {
    const blob = writeModelBlob(q);
    for (let n = 0; n < blob.length; n += 7) expect(() => readModelBlob(blob.subarray(0, n))).toThrow(ModelFormatError);
    let seed = 1;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let structural = 0;
    for (let k = 0; k < 600; k++) {
      const b = blob.slice();
      const at = Math.floor(rnd() * (b.length - 36));
      b[at] ^= 1 + Math.floor(rnd() * 255);
      expect(() => readModelBlob(b)).toThrow(ModelFormatError);
      // With the CRC fixed up, the structural checks must still refuse or accept cleanly.
      new DataView(b.buffer).setUint32(b.length - 36, crc32(b, 0, b.length - 36), true);
      try {
        readModelBlob(b);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelFormatError);
        structural++;
      }
    }
    expect(structural).toBeGreaterThan(50);
  });

  it('names the problem: wrong spec hash, weights of -128, a bad debounce', () => {
    const patch = (off: number, v: number) => {
      const b = writeModelBlob(q);
      b[off] = v;
      new DataView(b.buffer).setUint32(b.length - 36, crc32(b, 0, b.length - 36), true);
      return b;
    };
    expect(() => readModelBlob(patch(48, writeModelBlob(q)[48] ^ 1))).toThrow(/feature spec hash does not match/);
    const w0 = 48 + 124 + 524 + 16 + 16 * 32;
    expect(() => readModelBlob(patch(w0, 0x80))).toThrow(/weight -128/);
    const det = new DataView(writeModelBlob(q).buffer).getUint32(36, true);
    expect(() => readModelBlob(patch(det + 8, 9))).toThrow(/debounce 9 of 5/);
  });

  it('signing changes only the tag', () => {
    const blob = writeModelBlob(q);
    const signed = signModelBlob(blob, TEST_KEY);
    expect(signed.subarray(0, blob.length - 32)).toEqual(blob.subarray(0, blob.length - 32));
    expect(verifyModelTag(signed, TEST_KEY)).toBe(true);
    expect(() => readModelBlob(signed, { key: UNPAIRED_KEY })).toThrow(/not signed for this node/);
  });

  it('a .vgm file carries the app section after the blob; the blob alone is what the node gets', () => {
    const blob = writeModelBlob(q);
    const file = writeVgmFile(blob, { hello: 'lineage', n: [1, 2] });
    const r = readVgmFile<{ hello: string }>(file);
    expect(r.blob).toEqual(blob);
    expect(r.app?.hello).toBe('lineage');
    const bad = file.slice();
    bad[bad.length - 10] ^= 0xff;
    expect(() => readVgmFile(bad)).toThrow(/app section is corrupt/);
    expect(() => readVgmFile(file.subarray(0, file.length - 5))).toThrow(/app section is truncated/);
  });

  it('the self-test vector reproduces', () => {
    const t = runInt8(q, q.selfTest.input);
    expect(t.sumsq).toBe(q.selfTest.sumsq);
    expect(Array.from(t.layers[3])).toEqual(Array.from(q.selfTest.qOut));
    expect(normal.length).toBe(92);
  });
});

describe('quantizer (TFLite scheme)', () => {
  const { q, normal, fault } = vectorModel();
  it('weights are per-channel symmetric in [-127, 127], each row reaching its full range', () => {
    for (const l of q.layers) {
      for (let o = 0; o < l.outDim; o++) {
        let m = 0;
        for (let i = 0; i < l.inDim; i++) m = Math.max(m, Math.abs(l.weights[o * l.inDim + i]));
        expect(m).toBe(127);
        expect(l.multiplier[o]).toBeGreaterThanOrEqual(2 ** 30);
        expect(l.shift[o]).toBeLessThanOrEqual(0);
      }
    }
    expect(q.layers[3].outScale).toBe(q.inputScale);
    expect(q.layers[3].outZeroPoint).toBe(q.inputZeroPoint);
    expect(q.layers[0].outZeroPoint).toBe(-128); // ReLU output range starts at 0
  });
  it('int8 scores track the float scores and rank normal below fault the same way', () => {
    // The vector model has random weights; dequantize it so float and int8 are the same network.
    const f = dequantize(q);
    const fs = floatScores(f, [...normal, ...fault]);
    const qs = Array.from(int8SumsqBatch(q, [...normal, ...fault]), (s) => sumsqToScore(q, s));
    let num = 0;
    let da = 0;
    let db = 0;
    const ma = fs.reduce((a, b) => a + b) / fs.length;
    const mb = qs.reduce((a, b) => a + b) / qs.length;
    for (let i = 0; i < fs.length; i++) {
      num += (fs[i] - ma) * (qs[i] - mb);
      da += (fs[i] - ma) ** 2;
      db += (qs[i] - mb) ** 2;
    }
    expect(num / Math.sqrt(da * db)).toBeGreaterThan(0.99);
    expect(rocAuc(qs.slice(0, normal.length), qs.slice(normal.length))).toBeCloseTo(rocAuc(fs.slice(0, normal.length), fs.slice(normal.length)), 2);
  });
});

describe('feature spec hash', () => {
  it('is SHA-256 over 24 + 2(B+1) canonical bytes, and changes with any field', () => {
    const s = defaultFeatureSpec(48000);
    expect(featureSpecBytes(s).length).toBe(24 + 2 * 33);
    expect(parseFeatureSpecBytes(featureSpecBytes(s))).toEqual(s);
    const h = toHex(featureSpecHash(s));
    expect(h).toBe(V.featureSpec.sha256);
    const variants = [defaultFeatureSpec(25600), defaultFeatureSpec(48000, 2048), defaultFeatureSpec(48000, 1024, 256), defaultFeatureSpec(48000, 1024, 512, 16), { ...s, velocityBandHz: [2, 1000] as [number, number] }];
    for (const v of variants) expect(toHex(featureSpecHash(v))).not.toBe(h);
  });
});
