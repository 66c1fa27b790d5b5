/**
 * Golden vectors of the int8 model (docs/model-format.md), shared by the TypeScript and C tests:
 *   test/vectors/nn_vectors.json   read by Vitest (test/unit/models/nn-vectors.test.ts)
 *   test/vectors/nn_vectors.h      the same as C arrays, for the firmware's cmocka tests
 * Run: npx tsx scripts/gen-nn-vectors.ts. The unit test fails when the committed files differ
 * from what this generates, so the renderings cannot drift apart.
 *
 * The model here is built without TensorFlow.js (weights from a seeded PRNG; standardisation and
 * calibration from the real demo recording's features), so the vectors depend only on
 * models/nn and models/features. Integer results must match exactly; the float inputs are given
 * as float32 values printed with 9 significant digits (exact round trip).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatorStamp, OUT_ROOT, readDemo } from './generated';
import { extractFeatures } from '../models/features/windower';
import { defaultFeatureSpec } from '../models/features/spec';
import { fitStandardization } from '../models/train/autoencoder';
import { Prng } from '../models/train/prng';
import { multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingle, quantizeMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul, INT32_MAX, INT32_MIN } from '../models/nn/fixedpoint';
import { quantizeInput, runInt8 } from '../models/nn/int8';
import { writeModelBlob, UNPAIRED_KEY } from '../models/nn/modelFile';
import { quantizeAutoencoder, withRounding } from '../models/nn/quantize';
import { hmacSha256, sha256, toHex } from '../models/crypto/sha256';
import { featureSpecBytes } from '../models/nn/specHash';
import type { FloatAutoencoder, Int8Autoencoder } from '../models/nn/types';
import { crc32 } from '../models/protocol/crc32';
import { pruneBlocks } from '../models/size/prune';
import { blobLayout, layerStorageOf } from '../models/nn/modelFile';

export const GENERATOR = generatorStamp(import.meta.url);
export const JSON_PATH = join(OUT_ROOT, 'test', 'vectors', 'nn_vectors.json');
export const HEADER_PATH = join(OUT_ROOT, 'test', 'vectors', 'nn_vectors.h');
/** The pairing key the vector blob is signed with: bytes 0x00, 0x01, ..., 0x1f. */
export const TEST_KEY = Uint8Array.from({ length: 32 }, (_, i) => i);

/** A 64-32-8-32-64 autoencoder with PRNG weights and the demo recording's standardisation. */
export function vectorModel(): { q: Int8Autoencoder; normal: Float32Array[]; fault: Float32Array[]; float: FloatAutoencoder } {
  const spec = defaultFeatureSpec(48000);
  const normal = extractFeatures(readDemo('cwru_normal_0hp_1797rpm_48k_1s.csv'), spec).map((w) => w.logBands);
  const fault = extractFeatures(readDemo('cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv'), spec).map((w) => w.logBands);
  const { mean, std } = fitStandardization(normal, 0.01);
  const prng = new Prng(20240606);
  const widths = [64, 32, 8, 32, 64];
  const layers = widths.slice(1).map((outDim, l) => {
    const inDim = widths[l];
    const lim = Math.sqrt(6 / (inDim + outDim));
    return {
      inDim,
      outDim,
      activation: (l < 3 ? 'relu' : 'linear') as 'relu' | 'linear',
      weights: Float32Array.from({ length: inDim * outDim }, () => (prng.next() * 2 - 1) * lim),
      bias: Float32Array.from({ length: outDim }, () => (prng.next() * 2 - 1) * 0.1),
    };
  });
  const float: FloatAutoencoder = { spec, axes: [0, 1], mean, std, layers };
  const q = quantizeAutoencoder(float, normal, { modelVersion: 7 });
  return { q, normal, fault, float };
}

/**
 * The same float model with half of every layer's 2x4 weight blocks pruned (models/size/prune.ts,
 * smallest L1 norm first), quantized the same way: its blob stores every layer block-sparse
 * (docs/model-format.md 2.4.1). Model version 8.
 */
export function sparseVectorModel(): { q: Int8Autoencoder; normal: Float32Array[]; fault: Float32Array[] } {
  const { float, normal, fault } = vectorModel();
  const q = quantizeAutoencoder(pruneBlocks(float, 0.5).model, normal, { modelVersion: 8 });
  return { q, normal, fault };
}

/** Recomputes a mutated blob's CRC and tag, so that the reader's structural checks are what refuse it. */
export function resign(blob: Uint8Array, key: Uint8Array): Uint8Array {
  const crcOffset = blob.length - 36;
  new DataView(blob.buffer, blob.byteOffset, blob.byteLength).setUint32(crcOffset, crc32(blob, 0, crcOffset), true);
  blob.set(hmacSha256(key, blob.subarray(0, crcOffset + 4)), crcOffset + 4);
  return blob;
}

export function buildVectors() {
  const r = new Prng(1);
  const i32 = () => (r.nextU32() | 0);
  // ---- fixed-point primitives ----
  const srdhmCases: [number, number][] = [
    [INT32_MIN, INT32_MIN], [INT32_MAX, INT32_MAX], [INT32_MIN, INT32_MAX], [0, 1 << 30], [1, 1 << 30], [-1, 1 << 30],
    [3, 1 << 30], [-3, 1 << 30], [12345, 1518500250], [-12345, 1518500250], [1 << 20, 2147483647], [-(1 << 20), 2147483647],
  ];
  for (let k = 0; k < 24; k++) srdhmCases.push([i32(), (r.nextU32() >>> 1) | 0x40000000]);
  const srdhm = srdhmCases.map(([a, b]) => [a, b, saturatingRoundingDoublingHighMul(a, b)]);
  const rdbCases: [number, number][] = [[5, 1], [-5, 1], [6, 2], [-6, 2], [7, 2], [-7, 2], [INT32_MAX, 31], [INT32_MIN, 31], [INT32_MIN, 0], [-1, 31], [1, 31], [0x40000000, 30]];
  for (let k = 0; k < 16; k++) rdbCases.push([i32(), r.nextU32() % 32]);
  const rdbpot = rdbCases.map(([x, e]) => [x, e, roundingDivideByPOT(x, e)]);
  const mbqmCases: [number, number, number][] = [[100000, 1 << 30, 0], [-100000, 1 << 30, -1], [2147483647, 2147483647, 0], [-2147483648, 1 << 30, -31], [12345, 1518500250, -7], [-12345, 1518500250, -7]];
  for (let k = 0; k < 24; k++) mbqmCases.push([(i32() >> (r.nextU32() % 16)), (r.nextU32() >>> 1) | 0x40000000, -(r.nextU32() % 32)]);
  const mbqm = mbqmCases.map(([x, m, s]) => [x, m, s, multiplyByQuantizedMultiplier(x, m, s)]);
  // Single rounding (LiteRT): the same operands plus cases where the two modes part (1 x 0.25: the
  // high multiply rounds 0.5 up before the shift; -2 x 0.25: a negative tie, away from zero in the
  // double form, toward +infinity in the single one) and the extremes.
  const mbqmSingleCases: [number, number, number][] = [...mbqmCases, [1, 1 << 30, -1], [-2, 1 << 30, -1], [-1, 1 << 30, 0], [3, 1 << 30, -1], [-5, 1 << 30, -2], [INT32_MIN, 2147483647, -31], [INT32_MAX, 2147483647, -31]];
  const mbqmSingle = mbqmSingleCases.map(([x, m, s]) => [x, m, s, multiplyByQuantizedMultiplierSingle(x, m, s)]);
  const qmReals = [0, 1e-12, 2 ** -32, 2 ** -31, 0.5, 0.75, 0.999999999, 0.25, 1 / 3, 0.0123456789, 2 ** -20 * 1.5];
  const quantizeMultiplierCases = qmReals.map((x) => {
    const m = quantizeMultiplier(x);
    return [x, m.multiplier, m.shift];
  });

  // ---- input quantization (section 1.1), including ties and the clamps ----
  const iq = { mean: [0, 1, -2.5, 0.25, 0, 0, 0, 0], inMul: [1, 2, 0.5, 4, 1, 1, 1e6, 1], zeroPoint: -3 };
  const iqRows = [
    [0.5, 1.25, -1.5, 0.375, 130.5, -126.5, 1e-3, -0.5],
    [-0.5, 0.75, -3.5, 0.125, -200, 200, -1e-3, 2.5],
    [2.5, 1, -2.5, 0.25, 1e30, -1e30, 0.0012345, -2.5],
  ];
  const iqModel = { mean: Float32Array.from(iq.mean), inMul: Float32Array.from(iq.inMul), inputZeroPoint: iq.zeroPoint };
  const inputQuant = { ...iq, cases: iqRows.map((x) => ({ x: Array.from(Float32Array.from(x)), q: Array.from(quantizeInput(iqModel, Float32Array.from(x), new Int8Array(8))) })) };

  // ---- hashes ----
  const shaMsgs = ['', 'abc', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'];
  const sha = shaMsgs.map((m) => ({ msg: m, digest: toHex(sha256(new TextEncoder().encode(m))) }));
  const hmac = [
    { key: toHex(new Uint8Array(20).fill(0x0b)), msg: toHex(new TextEncoder().encode('Hi There')) },
    { key: toHex(new TextEncoder().encode('Jefe')), msg: toHex(new TextEncoder().encode('what do ya want for nothing?')) },
    { key: toHex(new Uint8Array(131).fill(0xaa)), msg: toHex(new TextEncoder().encode('Test Using Larger Than Block-Size Key - Hash Key First')) },
  ].map((c) => ({ ...c, tag: toHex(hmacSha256(Buffer.from(c.key, 'hex'), Buffer.from(c.msg, 'hex'))) }));

  // ---- the model, its blob and inference cases ----
  const { q, normal, fault } = vectorModel();
  const D = 64;
  const inputs: { name: string; x: Float32Array }[] = [
    { name: 'normal window 0 (the self-test input)', x: normal[0] },
    { name: 'normal window 45', x: normal[45] },
    { name: 'normal window 91', x: normal[91] },
    { name: 'inner-race window 0', x: fault[0] },
    { name: 'inner-race window 60', x: fault[60] },
    { name: 'all features at the mean', x: Float32Array.from(q.mean) },
    { name: 'far above: clamps at +127', x: Float32Array.from(q.mean, (m) => m + 50) },
    { name: 'far below: clamps at -128', x: Float32Array.from(q.mean, (m) => m - 50) },
  ];
  const traces = inputs.map((c) => ({ ...c, t: runInt8(q, c.x) }));
  const sorted = traces.map((c) => c.t.sumsq).sort((a, b) => a - b);
  q.detector = { thresholdSumsq: sorted[3], debounceK: 3, debounceN: 5 };
  const blob = writeModelBlob(q, TEST_KEY);
  const crcOffset = blob.length - 36;
  const mutations = [
    { name: 'truncated by one byte', truncate: blob.length - 1, offset: 0, xor: 0, expect: 'truncated' },
    { name: 'bad magic', truncate: 0, offset: 0, xor: 0x01, expect: 'magic' },
    { name: 'format version 2', truncate: 0, offset: 4, xor: 0x03, expect: 'version' },
    { name: 'one weight bit flipped', truncate: 0, offset: 48 + 124 + 524 + 16 + 16 * 32 + 5, xor: 0x10, expect: 'crc' },
    { name: 'CRC byte flipped', truncate: 0, offset: crcOffset, xor: 0x80, expect: 'crc' },
    { name: 'tag byte flipped', truncate: 0, offset: crcOffset + 4 + 31, xor: 0x01, expect: 'tag' },
  ];
  const specBytes = featureSpecBytes(q.spec);
  // The same model with single rounding (header flag bit 0): its own blob, self-test and traces.
  const qs = withRounding(q, 'single');
  const blobSingle = writeModelBlob(qs, TEST_KEY);
  const tracesSingle = inputs.map((c) => ({ ...c, t: runInt8(qs, c.x) }));

  // ---- a pruned model stored block-sparse (section 2.4.1), both rounding modes ----
  // The expected outputs are the DENSE computation of the same int8 weights (runInt8 on the
  // quantized model, which carries no sparse form): the readers' block-skipping kernels must equal it.
  const sp = sparseVectorModel().q;
  const spTraces = inputs.map((c) => ({ ...c, t: runInt8(sp, c.x) }));
  sp.detector = { thresholdSumsq: spTraces.map((c) => c.t.sumsq).sort((a, b) => a - b)[3], debounceK: 3, debounceN: 5 };
  const spBlob = writeModelBlob(sp, TEST_KEY);
  const spDenseLen = writeModelBlob(sp, TEST_KEY, { storage: 'dense' }).length;
  const spStorage = sp.layers.map((l) => layerStorageOf(l));
  const spLay = blobLayout(32, D, sp.layers.map((l, k) => ({ inDim: l.inDim, outDim: l.outDim, storedBlocks: spStorage[k]!.blocks.length / 8 })));
  const mask0 = spLay.layerOffsets[0] + 16 + 16 * sp.layers[0].outDim; // layer 0's first mask word
  const blocks0 = mask0 + 4 * spStorage[0]!.mask.length;
  const firstFree = 31 - Math.clz32(~spStorage[0]!.mask[0] & 0xffff0000); // a column block layer 0's first pair does not store
  if (firstFree < 16) throw new Error('the pruned vector model stores every block of its first row pair: choose another mutation');
  const sparseMutations = [
    { name: 'truncated by 8 bytes (one stored block)', truncate: spBlob.length - 8, offset: 0, xor: 0, resign: false, expect: 'truncated', words: 'truncated' },
    { name: 'storage byte 2 (unknown)', truncate: 0, offset: spLay.layerOffsets[0] + 5, xor: 0x03, resign: true, expect: 'invalid', words: 'unknown weight storage 2' },
    { name: 'a mask bit past the inputs', truncate: 0, offset: mask0, xor: 0x01, resign: true, expect: 'invalid', words: 'marks blocks past its 64 inputs' },
    { name: 'one more block in the mask than stored', truncate: 0, offset: mask0 + (firstFree >> 3), xor: 1 << (firstFree & 7), resign: true, expect: 'invalid', words: 'invalid: layer 1 has' },
    { name: 'the layer marked dense', truncate: 0, offset: spLay.layerOffsets[0] + 5, xor: 0x01, resign: true, expect: 'invalid', words: 'invalid: layer 1 has' },
    { name: 'a stored weight of -128', truncate: 0, offset: blocks0, xor: 0, resign: true, expect: 'invalid', words: 'weight -128', set: 0x80 },
    { name: 'a reserved byte after the storage byte', truncate: 0, offset: spLay.layerOffsets[1] + 6, xor: 0x01, resign: true, expect: 'invalid', words: 'reserved bytes are not zero' },
  ].map((m) => ({ set: -1, ...m }));
  const spSingle = withRounding(sp, 'single');
  const spBlobSingle = writeModelBlob(spSingle, TEST_KEY);
  const spTracesSingle = inputs.map((c) => ({ ...c, t: runInt8(spSingle, c.x) }));
  return {
    generator: GENERATOR,
    spec: 'docs/model-format.md',
    srdhm,
    rdbpot,
    mbqm,
    mbqmSingle,
    quantizeMultiplier: quantizeMultiplierCases,
    inputQuant,
    sha256: sha,
    hmacSha256: hmac,
    featureSpec: { bytes: toHex(specBytes), sha256: toHex(sha256(specBytes)) },
    model: {
      testKey: toHex(TEST_KEY),
      blob: toHex(blob),
      length: blob.length,
      crc32: crc32(blob, 0, crcOffset),
      tag: toHex(blob.subarray(crcOffset + 4)),
      tagUnpaired: toHex(hmacSha256(UNPAIRED_KEY, blob.subarray(0, crcOffset + 4))),
      inputDim: D,
      widths: [D, ...q.layers.map((l) => l.outDim)],
      thresholdSumsq: q.detector.thresholdSumsq,
      selfTestSumsq: q.selfTest.sumsq,
      mutations,
    },
    cases: traces.map((c) => ({
      name: c.name,
      x: Array.from(c.x),
      qIn: Array.from(c.t.qIn),
      layers: c.t.layers.map((l) => Array.from(l)),
      sumsq: c.t.sumsq,
      over: c.t.sumsq > q.detector.thresholdSumsq,
    })),
    modelSingle: {
      blob: toHex(blobSingle),
      length: blobSingle.length,
      selfTestSumsq: qs.selfTest.sumsq,
      /** Cases whose last-layer output differs from the double-rounding one (the vectors must tell the modes apart). */
      casesDiffering: tracesSingle.filter((c, i) => c.t.layers.some((l, k) => l.some((y, j) => y !== traces[i].t.layers[k][j]))).length,
    },
    modelSparse: {
      blob: toHex(spBlob),
      length: spBlob.length,
      /** The same weights stored dense: what block-sparse storage saves. */
      denseLength: spDenseLen,
      widths: [D, ...sp.layers.map((l) => l.outDim)],
      storedBlocks: spStorage.map((s) => s!.blocks.length / 8),
      totalBlocks: sp.layers.map((l) => (l.inDim / 4) * (l.outDim / 2)),
      thresholdSumsq: sp.detector.thresholdSumsq,
      selfTestSumsq: sp.selfTest.sumsq,
      mutations: sparseMutations,
      blobSingle: toHex(spBlobSingle),
      selfTestSumsqSingle: spSingle.selfTest.sumsq,
    },
    casesSparse: spTraces.map((c) => ({
      name: c.name,
      x: Array.from(c.x),
      qIn: Array.from(c.t.qIn),
      layers: c.t.layers.map((l) => Array.from(l)),
      sumsq: c.t.sumsq,
      over: c.t.sumsq > sp.detector.thresholdSumsq,
    })),
    casesSparseSingle: spTracesSingle.map((c) => ({
      name: c.name,
      qIn: Array.from(c.t.qIn),
      layers: c.t.layers.map((l) => Array.from(l)),
      sumsq: c.t.sumsq,
    })),
    casesSingle: tracesSingle.map((c) => ({
      name: c.name,
      qIn: Array.from(c.t.qIn),
      layers: c.t.layers.map((l) => Array.from(l)),
      sumsq: c.t.sumsq,
      over: c.t.sumsq > q.detector.thresholdSumsq,
    })),
  };
}

export type NnVectors = ReturnType<typeof buildVectors>;

export function renderJson(v: NnVectors): string {
  return JSON.stringify(v, null, 1) + '\n';
}

const cFloat = (x: number): string => {
  if (!Number.isFinite(x)) throw new RangeError('non-finite float in vectors');
  const s = Math.fround(x).toPrecision(9);
  return (s.includes('.') || s.includes('e') ? s : s + '.0') + 'f';
};
const cI32 = (x: number) => (x === INT32_MIN ? '(-2147483647 - 1)' : String(x));
const rows = (xs: string[], per = 12) => {
  const out: string[] = [];
  for (let i = 0; i < xs.length; i += per) out.push('  ' + xs.slice(i, i + per).join(', '));
  return out.join(',\n');
};
const hexBytes = (h: string) => Array.from(Buffer.from(h, 'hex'), (b) => `0x${b.toString(16).padStart(2, '0')}`);

export function renderHeader(v: NnVectors): string {
  const m = v.model;
  const D = m.inputDim;
  let h = `/* Generated by ${v.generator} from models/nn (TypeScript). Do not edit: run npx tsx scripts/gen-nn-vectors.ts.
 * Spec: docs/model-format.md. The same vectors are in test/vectors/nn_vectors.json for the TS tests.
 * Integer results must match exactly. */
#ifndef VIGIL_NN_VECTORS_H
#define VIGIL_NN_VECTORS_H
#include <stddef.h>
#include <stdint.h>

typedef struct { int32_t a, b, out; } vec_nn_srdhm_t;          /* SaturatingRoundingDoublingHighMul(a, b) */
typedef struct { int32_t x; int32_t exponent; int32_t out; } vec_nn_rdbpot_t; /* RoundingDivideByPOT(x, exponent) */
typedef struct { int32_t x, multiplier, shift, out; } vec_nn_mbqm_t;  /* MultiplyByQuantizedMultiplier (double or single rounding) */
typedef struct { float x[8]; int8_t q[8]; } vec_nn_inputq_t;   /* section 1.1 with VEC_NN_INPUTQ_MEAN/MUL/ZP */
typedef struct { const char *name; float x[${D}]; int8_t q_in[${D}]; const int8_t *layers; uint32_t sumsq; uint8_t over; } vec_nn_case_t;
typedef struct { const char *name; size_t truncate_to; size_t offset; uint8_t xor_mask; const char *expect; } vec_nn_mutation_t;
/* vec_nn_case_t.layers: the outputs of every layer back to back (widths VEC_NN_WIDTHS[1..]). */

`;
  h += `static const vec_nn_srdhm_t VEC_NN_SRDHM[] = {\n${v.srdhm.map(([a, b, o]) => `  {${cI32(a)}, ${cI32(b)}, ${cI32(o)}}`).join(',\n')}\n};\nstatic const size_t VEC_NN_SRDHM_COUNT = ${v.srdhm.length};\n\n`;
  h += `static const vec_nn_rdbpot_t VEC_NN_RDBPOT[] = {\n${v.rdbpot.map(([x, e, o]) => `  {${cI32(x)}, ${e}, ${cI32(o)}}`).join(',\n')}\n};\nstatic const size_t VEC_NN_RDBPOT_COUNT = ${v.rdbpot.length};\n\n`;
  h += `static const vec_nn_mbqm_t VEC_NN_MBQM[] = {\n${v.mbqm.map(([x, mm, s, o]) => `  {${cI32(x)}, ${cI32(mm)}, ${s}, ${cI32(o)}}`).join(',\n')}\n};\nstatic const size_t VEC_NN_MBQM_COUNT = ${v.mbqm.length};\n\n`;
  h += `/* Single rounding (LiteRT, model flag bit 0): nn_mbqm_single_s32. */\n`;
  h += `static const vec_nn_mbqm_t VEC_NN_MBQM_SINGLE[] = {\n${v.mbqmSingle.map(([x, mm, s, o]) => `  {${cI32(x)}, ${cI32(mm)}, ${s}, ${cI32(o)}}`).join(',\n')}\n};\nstatic const size_t VEC_NN_MBQM_SINGLE_COUNT = ${v.mbqmSingle.length};\n\n`;
  const iq = v.inputQuant;
  h += `static const float VEC_NN_INPUTQ_MEAN[8] = {${iq.mean.map(cFloat).join(', ')}};\n`;
  h += `static const float VEC_NN_INPUTQ_MUL[8] = {${iq.inMul.map(cFloat).join(', ')}};\n`;
  h += `static const int32_t VEC_NN_INPUTQ_ZP = ${iq.zeroPoint};\n`;
  h += `static const vec_nn_inputq_t VEC_NN_INPUTQ[] = {\n${iq.cases.map((c) => `  {{${c.x.map(cFloat).join(', ')}}, {${c.q.join(', ')}}}`).join(',\n')}\n};\nstatic const size_t VEC_NN_INPUTQ_COUNT = ${iq.cases.length};\n\n`;
  h += `/* Feature spec v1 at 48 kHz (window 1024, hop 512, 32 bands): canonical bytes and SHA-256 (section 2.2). */\n`;
  h += `static const uint8_t VEC_NN_SPEC_BYTES[${v.featureSpec.bytes.length / 2}] = {\n${rows(hexBytes(v.featureSpec.bytes), 16)}\n};\n`;
  h += `static const uint8_t VEC_NN_SPEC_SHA256[32] = {\n${rows(hexBytes(v.featureSpec.sha256), 16)}\n};\n\n`;
  h += `/* A ${m.widths.join('-')} model (format 1, model version 7), signed with VEC_NN_TEST_KEY. */\n`;
  h += `static const uint8_t VEC_NN_TEST_KEY[32] = {\n${rows(hexBytes(m.testKey), 16)}\n};\n`;
  h += `static const uint8_t VEC_NN_MODEL_BLOB[${m.length}] = {\n${rows(hexBytes(m.blob), 16)}\n};\n`;
  h += `static const size_t VEC_NN_MODEL_LEN = ${m.length};\n`;
  h += `static const uint32_t VEC_NN_MODEL_CRC32 = 0x${m.crc32.toString(16).padStart(8, '0')}u;\n`;
  h += `static const uint8_t VEC_NN_MODEL_TAG_UNPAIRED[32] = {\n${rows(hexBytes(m.tagUnpaired), 16)}\n}; /* the tag under the all-zero key */\n`;
  h += `static const uint16_t VEC_NN_WIDTHS[${m.widths.length}] = {${m.widths.join(', ')}};\n`;
  h += `static const uint32_t VEC_NN_THRESHOLD_SUMSQ = ${m.thresholdSumsq}u;\n`;
  h += `static const uint32_t VEC_NN_SELFTEST_SUMSQ = ${m.selfTestSumsq}u;\n\n`;
  h += `static const vec_nn_mutation_t VEC_NN_MUTATIONS[] = {\n${m.mutations.map((x) => `  {"${x.name}", ${x.truncate}, ${x.offset}, 0x${x.xor.toString(16).padStart(2, '0')}, "${x.expect}"}`).join(',\n')}\n};\nstatic const size_t VEC_NN_MUTATIONS_COUNT = ${m.mutations.length};\n\n`;
  v.cases.forEach((c, i) => {
    const flat = c.layers.flat();
    h += `static const int8_t vec_nn_case_layers_${i}[${flat.length}] = {\n${rows(flat.map(String), 32)}\n};\n`;
  });
  h += `static const vec_nn_case_t VEC_NN_CASES[] = {\n${v.cases
    .map((c, i) => `  {"${c.name}",\n   {${c.x.map(cFloat).join(', ')}},\n   {${c.qIn.join(', ')}},\n   vec_nn_case_layers_${i}, ${c.sumsq}u, ${c.over ? 1 : 0}}`)
    .join(',\n')}\n};\nstatic const size_t VEC_NN_CASES_COUNT = ${v.cases.length};\n\n`;
  const ms = v.modelSingle;
  h += `/* The same model with single rounding (header flags 0x0001), signed with VEC_NN_TEST_KEY; ${ms.casesDiffering} of the
 * ${v.cases.length} cases give other layer outputs than with double rounding. Inputs: VEC_NN_CASES[i].x. */\n`;
  h += `static const uint8_t VEC_NN_MODEL_SINGLE_BLOB[${ms.length}] = {\n${rows(hexBytes(ms.blob), 16)}\n};\n`;
  h += `static const size_t VEC_NN_MODEL_SINGLE_LEN = ${ms.length};\n`;
  h += `static const uint32_t VEC_NN_SELFTEST_SINGLE_SUMSQ = ${ms.selfTestSumsq}u;\n`;
  v.casesSingle.forEach((c, i) => {
    const flat = c.layers.flat();
    h += `static const int8_t vec_nn_case_single_layers_${i}[${flat.length}] = {\n${rows(flat.map(String), 32)}\n};\n`;
  });
  h += `static const vec_nn_case_t VEC_NN_CASES_SINGLE[] = {\n${v.casesSingle
    .map((c, i) => `  {"${c.name}",\n   {0},\n   {${c.qIn.join(', ')}},\n   vec_nn_case_single_layers_${i}, ${c.sumsq}u, ${c.over ? 1 : 0}}`)
    .join(',\n')}\n};\nstatic const size_t VEC_NN_CASES_SINGLE_COUNT = ${v.casesSingle.length};\n\n`;
  const sp = v.modelSparse;
  h += `/* The model pruned (half of every layer's 2x4 weight blocks) and stored block-sparse (section 2.4.1; ${sp.length} bytes,
 * ${sp.denseLength} dense), signed with VEC_NN_TEST_KEY; stored blocks per layer ${sp.storedBlocks.join(', ')} of ${sp.totalBlocks.join(', ')}.
 * The cases are the DENSE computation of its weights. Inputs: VEC_NN_CASES[i].x. */\n`;
  h += `typedef struct { const char *name; size_t truncate_to; size_t offset; uint8_t xor_mask; int16_t set; uint8_t resign; const char *expect; } vec_nn_sparse_mutation_t;\n`;
  h += `/* Each applied to VEC_NN_MODEL_SPARSE_BLOB: truncate, or byte offset ^= xor_mask (or = set when set >= 0); resign: the CRC and tag recomputed. */\n`;
  h += `static const uint8_t VEC_NN_MODEL_SPARSE_BLOB[${sp.length}] = {\n${rows(hexBytes(sp.blob), 16)}\n};\n`;
  h += `static const size_t VEC_NN_MODEL_SPARSE_LEN = ${sp.length};\n`;
  h += `static const size_t VEC_NN_MODEL_SPARSE_DENSE_LEN = ${sp.denseLength};\n`;
  h += `static const uint16_t VEC_NN_SPARSE_STORED_BLOCKS[${sp.storedBlocks.length}] = {${sp.storedBlocks.join(', ')}};\n`;
  h += `static const uint32_t VEC_NN_SPARSE_THRESHOLD_SUMSQ = ${sp.thresholdSumsq}u;\n`;
  h += `static const uint32_t VEC_NN_SPARSE_SELFTEST_SUMSQ = ${sp.selfTestSumsq}u;\n`;
  h += `static const vec_nn_sparse_mutation_t VEC_NN_SPARSE_MUTATIONS[] = {\n${sp.mutations.map((x) => `  {"${x.name}", ${x.truncate}, ${x.offset}, 0x${x.xor.toString(16).padStart(2, '0')}, ${x.set}, ${x.resign ? 1 : 0}, "${x.expect}"}`).join(',\n')}\n};\nstatic const size_t VEC_NN_SPARSE_MUTATIONS_COUNT = ${sp.mutations.length};\n`;
  v.casesSparse.forEach((c, i) => {
    h += `static const int8_t vec_nn_case_sparse_layers_${i}[${c.layers.flat().length}] = {\n${rows(c.layers.flat().map(String), 32)}\n};\n`;
  });
  h += `static const vec_nn_case_t VEC_NN_CASES_SPARSE[] = {\n${v.casesSparse
    .map((c, i) => `  {"${c.name}",\n   {0},\n   {${c.qIn.join(', ')}},\n   vec_nn_case_sparse_layers_${i}, ${c.sumsq}u, ${c.over ? 1 : 0}}`)
    .join(',\n')}\n};\nstatic const size_t VEC_NN_CASES_SPARSE_COUNT = ${v.casesSparse.length};\n`;
  h += `/* The same pruned model with single rounding (header flags 0x0001), block-sparse too. */\n`;
  h += `static const uint8_t VEC_NN_MODEL_SPARSE_SINGLE_BLOB[${sp.blobSingle.length / 2}] = {\n${rows(hexBytes(sp.blobSingle), 16)}\n};\n`;
  h += `static const size_t VEC_NN_MODEL_SPARSE_SINGLE_LEN = ${sp.blobSingle.length / 2};\n`;
  h += `static const uint32_t VEC_NN_SPARSE_SELFTEST_SINGLE_SUMSQ = ${sp.selfTestSumsqSingle}u;\n`;
  v.casesSparseSingle.forEach((c, i) => {
    h += `static const int8_t vec_nn_case_sparse_single_layers_${i}[${c.layers.flat().length}] = {\n${rows(c.layers.flat().map(String), 32)}\n};\n`;
  });
  h += `static const vec_nn_case_t VEC_NN_CASES_SPARSE_SINGLE[] = {\n${v.casesSparseSingle
    .map((c, i) => `  {"${c.name}",\n   {0},\n   {${c.qIn.join(', ')}},\n   vec_nn_case_sparse_single_layers_${i}, ${c.sumsq}u, 0}`)
    .join(',\n')}\n};\nstatic const size_t VEC_NN_CASES_SPARSE_SINGLE_COUNT = ${v.casesSparseSingle.length};\n\n#endif /* VIGIL_NN_VECTORS_H */\n`;
  return h;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = buildVectors();
  writeFileSync(JSON_PATH, renderJson(v));
  writeFileSync(HEADER_PATH, renderHeader(v));
  console.log(`wrote ${JSON_PATH} and ${HEADER_PATH}`);
}
