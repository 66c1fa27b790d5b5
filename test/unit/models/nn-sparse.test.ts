// Block-sparse layer storage (docs/model-format.md 2.4.1): the golden pruned model shared with the
// firmware (test/vectors/nn_vectors.json modelSparse, casesSparse, casesSparseSingle), the writer's
// choice, the reader's refusals, and the property that the block-skipping int8 layer equals the
// dense one on random layers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBlockSparse, encodeBlockSparse, popcount32, storedBlocksOf } from '../../../models/nn/blockSparse';
import { denseS8, int8SumsqBatch, runInt8 } from '../../../models/nn/int8';
import { blobLayout, layerStorageOf, readModelBlob, writeModelBlob } from '../../../models/nn/modelFile';
import { quantizeAutoencoder, withRounding } from '../../../models/nn/quantize';
import type { DenseQ8, Rounding } from '../../../models/nn/types';
import { Prng } from '../../../models/train/prng';
import { JSON_PATH, resign, sparseVectorModel, TEST_KEY, vectorModel } from '../../../scripts/gen-nn-vectors';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8'));
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

describe('golden pruned model, stored block-sparse', () => {
  it('every layer reads as block-sparse with the stated stored blocks, smaller than dense', () => {
    const m = readModelBlob(hex(V.modelSparse.blob), { key: TEST_KEY });
    expect(m.layers.map((l) => l.sparse !== undefined)).toEqual([true, true, true, true]);
    expect(m.layers.map((l) => storedBlocksOf(l.sparse!.mask))).toEqual(V.modelSparse.storedBlocks);
    expect(V.modelSparse.storedBlocks).toEqual(V.modelSparse.totalBlocks.map((n: number) => n / 2)); // half pruned
    expect(V.modelSparse.length).toBeLessThan(V.modelSparse.denseLength);
    // the layer byte +5 is 1 and the header flags are untouched
    const b = hex(V.modelSparse.blob);
    const lay = blobLayout(32, 64, m.layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, storedBlocks: storedBlocksOf(l.sparse!.mask) })));
    expect(lay.totalLen).toBe(b.length);
    expect(lay.layerOffsets.map((o) => b[o + 5])).toEqual([1, 1, 1, 1]);
    expect(new DataView(b.buffer).getUint16(22, true)).toBe(0);
  });
  it('the TS int8 inference computes from the blocks and reproduces every case, layer by layer, in both rounding modes', () => {
    for (const [blob, cases, rounding] of [
      [V.modelSparse.blob, V.casesSparse, 'double'],
      [V.modelSparse.blobSingle, V.casesSparseSingle, 'single'],
    ] as const) {
      const m = readModelBlob(hex(blob), { key: TEST_KEY });
      expect(m.rounding).toBe(rounding);
      expect(m.layers.every((l) => l.sparse)).toBe(true);
      cases.forEach((c: { name: string; qIn: number[]; layers: number[][]; sumsq: number }, i: number) => {
        const t = runInt8(m, Float32Array.from(V.cases[i].x));
        expect(Array.from(t.qIn), c.name).toEqual(c.qIn);
        expect(t.layers.map((l) => Array.from(l)), c.name).toEqual(c.layers);
        expect(t.sumsq, c.name).toBe(c.sumsq);
      });
      expect(Array.from(int8SumsqBatch(m, V.cases.map((c: { x: number[] }) => Float32Array.from(c.x))))).toEqual(cases.map((c: { sumsq: number }) => c.sumsq));
      const st = runInt8(m, m.selfTest.input);
      expect(st.sumsq).toBe(m.selfTest.sumsq);
    }
  });
  it('the pruned model differs from the unpruned one (the vectors test something)', () => {
    expect(V.casesSparse.map((c: { sumsq: number }) => c.sumsq)).not.toEqual(V.cases.map((c: { sumsq: number }) => c.sumsq));
  });
  it('each malformed variant is refused with the stated words', () => {
    for (const mu of V.modelSparse.mutations) {
      let b = hex(V.modelSparse.blob);
      if (mu.truncate) b = b.subarray(0, mu.truncate);
      else if (mu.set >= 0) b[mu.offset] = mu.set;
      else b[mu.offset] ^= mu.xor;
      if (mu.resign) resign(b, TEST_KEY);
      expect(() => readModelBlob(b, { key: TEST_KEY }), mu.name).toThrow(mu.words);
    }
  });
  it('refuses block-sparse storage of a layer whose widths are not whole blocks', () => {
    const { float, normal } = vectorModel();
    const r = new Prng(3);
    for (const [hidden, words] of [
      [30, 'layer 1 is stored block-sparse but its 30 inputs are not a multiple of 4'],
      [31, 'layer 0 is stored block-sparse but its 31 outputs are not a multiple of 2'],
    ] as const) {
      const widths = [64, hidden, 64];
      const layers = [0, 1].map((l) => ({
        inDim: widths[l],
        outDim: widths[l + 1],
        activation: (l === 0 ? 'relu' : 'linear') as 'relu' | 'linear',
        weights: Float32Array.from({ length: widths[l] * widths[l + 1] }, () => r.next() - 0.5),
        bias: new Float32Array(widths[l + 1]),
      }));
      const q = quantizeAutoencoder({ ...float, layers }, normal, { modelVersion: 1 });
      expect(layerStorageOf(q.layers[0])).toBeNull();
      expect(layerStorageOf(q.layers[1])).toBeNull();
      const b = writeModelBlob(q, TEST_KEY);
      const lay = blobLayout(32, 64, q.layers);
      b[lay.layerOffsets[hidden === 30 ? 1 : 0] + 5] = 1;
      expect(() => readModelBlob(resign(b, TEST_KEY), { key: TEST_KEY })).toThrow(words);
    }
    expect(() => encodeBlockSparse(6, 4, new Int8Array(24))).toThrow(/cannot be stored in 2x4 blocks/);
  });
});

describe('the writer', () => {
  it('stores a layer block-sparse only when that takes fewer bytes; unpruned models stay byte-identical to dense', () => {
    const dense = vectorModel().q;
    const blob = writeModelBlob(dense, TEST_KEY);
    expect(Array.from(blob)).toEqual(Array.from(writeModelBlob(dense, TEST_KEY, { storage: 'dense' })));
    expect(readModelBlob(blob).layers.some((l) => l.sparse)).toBe(false);
    // an all-zero layer 2 (32 x 8) pays: 16 bytes of mask and no block instead of 256 weights
    const zero = { ...dense, layers: dense.layers.map((l, k) => (k === 1 ? { ...l, weights: new Int8Array(l.weights.length) } : l)) };
    const m = readModelBlob(writeModelBlob(zero));
    expect(m.layers.map((l) => l.sparse !== undefined)).toEqual([false, true, false, false]);
    expect(m.layers[1].sparse!.blocks.length).toBe(0);
    expect(writeModelBlob(zero).length).toBe(blob.length - 256 + 16);
  });
  it("storage 'dense' writes the pruned model dense, for readers that predate block-sparse storage; both give the same outputs", () => {
    const { q, normal } = sparseVectorModel();
    const dense = readModelBlob(writeModelBlob(q, TEST_KEY, { storage: 'dense' }));
    const sparse = readModelBlob(writeModelBlob(q, TEST_KEY));
    expect(dense.layers.some((l) => l.sparse)).toBe(false);
    expect(sparse.layers.every((l) => l.sparse)).toBe(true);
    for (let l = 0; l < 4; l++) expect(Array.from(sparse.layers[l].weights)).toEqual(Array.from(dense.layers[l].weights));
    expect(Array.from(int8SumsqBatch(sparse, normal))).toEqual(Array.from(int8SumsqBatch(dense, normal)));
    // re-writing a read blob gives the same bytes
    expect(Array.from(writeModelBlob(sparse, TEST_KEY))).toEqual(Array.from(writeModelBlob(q, TEST_KEY)));
    const golden = readModelBlob(hex(V.modelSparse.blob));
    expect(Array.from(writeModelBlob(withRounding(golden, 'single'), TEST_KEY))).toEqual(Array.from(hex(V.modelSparse.blobSingle)));
  });
});

describe('property: a block-sparse layer equals the dense layer', () => {
  it('on 300 random layers (1 to 3 mask words, nothing to everything stored, both floors, both rounding modes)', () => {
    const r = new Prng(42);
    const int = (n: number) => Math.floor(r.next() * n);
    let skipped = 0;
    for (let round = 0; round < 300; round++) {
      const inDim = 4 * (1 + int(66));
      const outDim = 2 * (1 + int(32));
      const keep = r.next();
      const weights = new Int8Array(inDim * outDim);
      for (let p = 0; p < outDim / 2; p++) {
        for (let c = 0; c < inDim / 4; c++) {
          if (r.next() >= keep) {
            skipped++;
            continue;
          }
          for (let t = 0; t < 8; t++) weights[(2 * p + (t >> 2)) * inDim + 4 * c + (t & 3)] = int(255) - 127;
        }
      }
      const zy = int(256) - 128;
      const layer: DenseQ8 = {
        inDim,
        outDim,
        activation: round & 1 ? 'relu' : 'linear',
        outScale: 1,
        outZeroPoint: zy,
        bias: Int32Array.from({ length: outDim }, () => int(200001) - 100000),
        multiplier: Int32Array.from({ length: outDim }, () => 0x40000000 + int(0x40000000)),
        shift: Int32Array.from({ length: outDim }, () => -int(32)),
        weightScale: new Float32Array(outDim).fill(1),
        weights,
      };
      const sp = encodeBlockSparse(inDim, outDim, weights);
      expect(Array.from(decodeBlockSparse(sp, inDim, outDim))).toEqual(Array.from(weights));
      const x = Int8Array.from({ length: inDim }, () => int(256) - 128);
      const zx = int(256) - 128;
      const rounding: Rounding = round & 2 ? 'single' : 'double';
      const dense = denseS8(layer, x, zx, new Int8Array(outDim), rounding);
      const sparse = denseS8({ ...layer, sparse: sp }, x, zx, new Int8Array(outDim), rounding);
      expect(Array.from(sparse), `round ${round}`).toEqual(Array.from(dense));
    }
    expect(skipped).toBeGreaterThan(1000);
  });
  it('popcount32 counts bits', () => {
    expect([0, 1, 0x80000000, 0xffffffff, 0xf0f0f0f0, 0x12345678].map(popcount32)).toEqual([0, 1, 1, 32, 16, 13]);
  });
});
