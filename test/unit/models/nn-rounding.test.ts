// The two requantization modes of the model file (docs/model-format.md 1.2, header flag bit 0):
// TFLite's classic double rounding and current LiteRT's single rounding, in TypeScript, against
// the golden vectors the firmware's cmocka tests replay in C.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INT32_MAX, INT32_MIN, mbqmSingleBigInt, multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingle } from '../../../models/nn/fixedpoint';
import { int8SumsqBatch, runInt8 } from '../../../models/nn/int8';
import { FLAG_SINGLE_ROUNDING, ModelFormatError, readModelBlob, writeModelBlob } from '../../../models/nn/modelFile';
import { withRounding } from '../../../models/nn/quantize';
import { crc32 } from '../../../models/protocol/crc32';
import { Prng } from '../../../models/train/prng';
import { JSON_PATH, TEST_KEY, vectorModel } from '../../../scripts/gen-nn-vectors';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8'));

describe('single-rounding MultiplyByQuantizedMultiplier', () => {
  it('equals (x * m + 2^(30 - shift)) >> (31 - shift) in BigInt on edge and random operands', () => {
    const edge = [INT32_MIN, INT32_MIN + 1, -65537, -65536, -1, 0, 1, 65535, 65536, INT32_MAX];
    const mults = [0, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX];
    for (const x of edge) for (const m of mults) for (let s = 0; s >= -31; s--) expect(multiplyByQuantizedMultiplierSingle(x, m, s), `${x} ${m} ${s}`).toBe(mbqmSingleBigInt(x, m, s));
    const r = new Prng(3);
    for (let i = 0; i < 20000; i++) {
      const x = (r.nextU32() | 0) >> (r.nextU32() % 24);
      const m = (r.nextU32() >>> 1) | 0x40000000;
      const s = -(r.nextU32() % 32);
      expect(multiplyByQuantizedMultiplierSingle(x, m, s)).toBe(mbqmSingleBigInt(x, m, s));
    }
    expect(() => multiplyByQuantizedMultiplierSingle(1, 1 << 30, 1)).toThrow(RangeError);
  });
  it('parts from the double rounding where the C test says it does', () => {
    expect([multiplyByQuantizedMultiplier(1, 1 << 30, -1), multiplyByQuantizedMultiplierSingle(1, 1 << 30, -1)]).toEqual([1, 0]);
    expect([multiplyByQuantizedMultiplier(-2, 1 << 30, -1), multiplyByQuantizedMultiplierSingle(-2, 1 << 30, -1)]).toEqual([-1, 0]);
  });
  it('reproduces the golden single-rounding cases', () => {
    for (const [x, m, s, out] of V.mbqmSingle) expect(multiplyByQuantizedMultiplierSingle(x, m, s)).toBe(out);
    expect(V.mbqmSingle.some(([x, m, s, out]: number[]) => multiplyByQuantizedMultiplier(x, m, s) !== out)).toBe(true);
  });
});

describe('single-rounding model file', () => {
  const blob = () => Uint8Array.from(Buffer.from(V.modelSingle.blob, 'hex'));
  it('carries flag bit 0 and reads back as single rounding; the double-rounding blob has no flag', () => {
    const b = blob();
    expect(b[22] | (b[23] << 8)).toBe(FLAG_SINGLE_ROUNDING);
    expect(readModelBlob(b, { key: TEST_KEY }).rounding).toBe('single');
    const d = Uint8Array.from(Buffer.from(V.model.blob, 'hex'));
    expect(d[22] | (d[23] << 8)).toBe(0);
    expect(readModelBlob(d, { key: TEST_KEY }).rounding).toBe('double');
  });
  it('runs every golden case layer by layer, and the modes differ on some', () => {
    const m = readModelBlob(blob(), { key: TEST_KEY });
    V.casesSingle.forEach((c: { name: string; qIn: number[]; layers: number[][]; sumsq: number }, i: number) => {
      const t = runInt8(m, Float32Array.from(V.cases[i].x));
      expect(Array.from(t.qIn), c.name).toEqual(c.qIn);
      expect(t.layers.map((l) => Array.from(l)), c.name).toEqual(c.layers);
      expect(t.sumsq, c.name).toBe(c.sumsq);
    });
    expect(Array.from(int8SumsqBatch(m, V.cases.map((c: { x: number[] }) => Float32Array.from(c.x))))).toEqual(V.casesSingle.map((c: { sumsq: number }) => c.sumsq));
    expect(V.modelSingle.casesDiffering).toBeGreaterThan(0);
    expect(V.casesSingle.filter((c: { layers: number[][] }, i: number) => JSON.stringify(c.layers) !== JSON.stringify(V.cases[i].layers)).length).toBe(V.modelSingle.casesDiffering);
  });
  it('withRounding flips the mode and re-derives the self-test; a round trip keeps it', () => {
    const { q } = vectorModel();
    const s = withRounding(q, 'single');
    expect(s.rounding).toBe('single');
    const back = readModelBlob(writeModelBlob(s));
    expect(back.rounding).toBe('single');
    expect(runInt8(back, back.selfTest.input).sumsq).toBe(back.selfTest.sumsq);
    expect(Array.from(writeModelBlob(back))).toEqual(Array.from(writeModelBlob(s)));
  });
  it('refuses an unknown flag bit in plain words', () => {
    const b = blob();
    b[22] |= 0x04;
    const crcOffset = b.length - 36;
    new DataView(b.buffer).setUint32(crcOffset, crc32(b, 0, crcOffset), true);
    expect(() => readModelBlob(b)).toThrow(ModelFormatError);
    expect(() => readModelBlob(b)).toThrow(/unknown flags are set \(0x0005; this app knows 0x0101\)/);
  });
});
