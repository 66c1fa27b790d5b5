// TensorFlow Lite interop in TypeScript (docs/tflite.md): the flatbuffer writer and reader, the
// export of a node model and its import back, and the refusals. The check against the real LiteRT
// interpreter is test/integration/litert.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { readModelBlob, readVgmFile, writeModelBlob } from '../../../models/nn/modelFile';
import { int8SumsqBatch } from '../../../models/nn/int8';
import { withRounding } from '../../../models/nn/quantize';
import { FbReader, FlatBufferError, ref, scalar, table, writeFlatBuffer } from '../../../models/tflite/flatbuffer';
import { exportTflite } from '../../../models/tflite/export';
import { importTflite, TfliteImportError } from '../../../models/tflite/import';
import { SLOT } from '../../../models/tflite/schema';
import { sparseVectorModel, vectorModel } from '../../../scripts/gen-nn-vectors';

const ROOT = join(__dirname, '..', '..', '..');
const defaultModel = () => readVgmFile(readFileSync(join(ROOT, 'renderer', 'public', 'models', 'default.vgm'))).model;
const spec48k = defaultFeatureSpec(48000);

/** Positions of the one operator code's fields in an exported file. */
function opcodeFields(bytes: Uint8Array) {
  const r = new FbReader(bytes);
  const codes = r.tables(r.refField(r.root(), SLOT.model.operatorCodes, 'codes'), 'codes');
  return { deprecated: r.field(codes[0], SLOT.operatorCode.deprecatedBuiltinCode, 'c'), builtin: r.field(codes[0], SLOT.operatorCode.builtinCode, 'c') };
}
/** Positions of layer `l`'s FULLY_CONNECTED options. */
function fcOptions(bytes: Uint8Array, l: number) {
  const r = new FbReader(bytes);
  const sg = r.tables(r.refField(r.root(), SLOT.model.subgraphs, 's'), 's')[0];
  const op = r.tables(r.refField(sg, SLOT.subGraph.operators, 'o'), 'o')[l];
  return r.field(r.refField(op, SLOT.operator.builtinOptions, 'opt'), SLOT.fullyConnectedOptions.fusedActivationFunction, 'act');
}

describe('flatbuffer writer and reader', () => {
  it('round-trips scalars, vectors, strings and nested tables, every scalar aligned to its size', () => {
    const inner = table([scalar('i32', -7), undefined, scalar('u8', 200)]);
    const bytes = writeFlatBuffer(
      table([scalar('u32', 3), ref({ kind: 'vector', elem: 'i64', data: [1, -2, 3] }), ref({ kind: 'string', value: 'héllo' }), ref({ kind: 'tables', items: [inner, inner] }), ref({ kind: 'vector', elem: 'u8', data: [9, 8, 7], align: 16 })]),
      'TEST',
    );
    const r = new FbReader(bytes);
    expect(r.fileIdentifier()).toBe('TEST');
    const root = r.root();
    expect(root % 4).toBe(0);
    expect(r.scalarField(root, 0, 'u32', 0, 'x')).toBe(3);
    const v = r.vector(r.refField(root, 1, 'v'), 8, 'v');
    expect(v.start % 8).toBe(0);
    expect([0, 1, 2].map((i) => r.i64(v.start + 8 * i))).toEqual([1, -2, 3]);
    expect(r.string(r.refField(root, 2, 's'), 's')).toBe('héllo');
    const items = r.tables(r.refField(root, 3, 't'), 't');
    expect(items.map((t) => [r.scalarField(t, 0, 'i32', 0, 't'), r.field(t, 1, 't'), r.scalarField(t, 2, 'u8', 0, 't')])).toEqual([[-7, 0, 200], [-7, 0, 200]]);
    expect(r.vector(r.refField(root, 4, 'b'), 1, 'b').start % 16).toBe(0);
    expect(r.field(root, 9, 'absent slot')).toBe(0); // beyond the vtable: absent, not an error
  });
  it('the reader refuses offsets outside the file instead of reading past it', () => {
    const bytes = writeFlatBuffer(table([ref({ kind: 'string', value: 'x' })]), 'TEST');
    const r = new FbReader(bytes.subarray(0, bytes.length - 4));
    expect(() => r.string(r.refField(r.root(), 0, 'the name'), 'the name')).toThrow(FlatBufferError);
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(0, 1 << 30, true);
    expect(() => new FbReader(bad).field(new FbReader(bad).root(), 0, 'the model')).toThrow(/outside the file/);
  });
});

describe('export and import', () => {
  it('a node model survives export and import byte for byte, in both rounding modes', () => {
    for (const rounding of ['double', 'single'] as const) {
      const m = withRounding(defaultModel(), rounding);
      const { model, metadata, notes } = importTflite(exportTflite(m), { spec: spec48k });
      expect(metadata?.rounding).toBe(rounding);
      expect(notes).toEqual([]);
      expect(Array.from(writeModelBlob(model))).toEqual(Array.from(writeModelBlob(m)));
    }
  });
  it('a pruned model stored block-sparse exports dense (every zero written out) and comes back as the same node model', () => {
    const { q, normal } = sparseVectorModel();
    const sparse = readModelBlob(writeModelBlob(q));
    expect(sparse.layers.every((l) => l.sparse)).toBe(true);
    for (const rounding of ['double', 'single'] as const) {
      const m = withRounding(sparse, rounding);
      const { model } = importTflite(exportTflite(m), { spec: spec48k });
      expect(model.layers.map((l) => l.weights.length)).toEqual(m.layers.map((l) => l.inDim * l.outDim));
      for (let l = 0; l < 4; l++) expect(Array.from(model.layers[l].weights)).toEqual(Array.from(m.layers[l].weights));
      expect(model.layers[0].weights.filter((w) => w === 0).length).toBeGreaterThanOrEqual((64 * 32) / 2);
      expect(Array.from(writeModelBlob(model))).toEqual(Array.from(writeModelBlob(m))); // block-sparse again on the way back
      expect(Array.from(int8SumsqBatch(model, normal.slice(0, 20)))).toEqual(Array.from(int8SumsqBatch(m, normal.slice(0, 20))));
    }
  });
  it('the int8 graph is all there: per-channel weight scales, int32 biases, tensor scales and zero points', () => {
    const { q } = vectorModel();
    const bytes = exportTflite(q);
    const r = new FbReader(bytes);
    expect(r.fileIdentifier()).toBe('TFL3');
    const sg = r.tables(r.refField(r.root(), SLOT.model.subgraphs, 's'), 's')[0];
    const tensors = r.tables(r.refField(sg, SLOT.subGraph.tensors, 't'), 't');
    expect(tensors.length).toBe(1 + 3 * q.layers.length);
    const types = tensors.map((t) => r.scalarField(t, SLOT.tensor.type, 'i8', 0, 't'));
    expect(types).toEqual([9, ...q.layers.flatMap(() => [9, 2, 9])]); // INT8 input; INT8 weights, INT32 bias, INT8 output
    const w0 = r.refField(tensors[1], SLOT.tensor.quantization, 'q');
    expect(r.vector(r.refField(w0, SLOT.quantization.scale, 's'), 4, 's').length).toBe(q.layers[0].outDim);
  });
  it('without Vigil metadata the import quantizes raw log energies and says there is no threshold', () => {
    const { q } = vectorModel();
    const bytes = exportTflite(q);
    // Rename the metadata entry: the file then looks like a foreign one.
    const r = new FbReader(bytes);
    const meta = r.tables(r.refField(r.root(), SLOT.model.metadata, 'm'), 'm')[0];
    const name = r.vector(r.refField(meta, SLOT.metadata.name, 'n'), 1, 'n').start;
    bytes[name] = 'w'.charCodeAt(0);
    const res = importTflite(bytes, { spec: spec48k });
    expect(res.metadata).toBeUndefined();
    expect(res.model.rounding).toBe('single');
    expect(res.model.axes).toEqual([0, 1]);
    expect(Array.from(res.model.mean)).toEqual(new Array(64).fill(0));
    expect(res.model.inMul[0]).toBe(Math.fround(1 / q.inputScale));
    expect(res.model.detector.thresholdSumsq).toBe(0xffffffff);
    expect(res.notes.join(' ')).toMatch(/no threshold/);
    expect(Array.from(res.model.layers[2].weights)).toEqual(Array.from(q.layers[2].weights));
  });
  it('refuses another operator by its name, and other activations, in plain words', () => {
    const bytes = exportTflite(vectorModel().q);
    const conv = bytes.slice();
    const f = opcodeFields(conv);
    conv[f.deprecated] = 3; // CONV_2D
    new DataView(conv.buffer).setInt32(f.builtin, 3, true);
    expect(() => importTflite(conv, { spec: spec48k })).toThrow(new TfliteImportError('the model uses the operator CONV_2D; Vigil imports only FULLY_CONNECTED layers'));
    const big = bytes.slice();
    new DataView(big.buffer).setInt32(opcodeFields(big).builtin, 150, true); // codes above 127 live in the int32 field only
    expect(() => importTflite(big, { spec: spec48k })).toThrow(/the operator GELU;/);
    const relu6 = bytes.slice();
    relu6[fcOptions(relu6, 1)] = 3;
    expect(() => importTflite(relu6, { spec: spec48k })).toThrow('layer 1 (FULLY_CONNECTED) has the fused activation RELU6; Vigil runs none or RELU');
  });
  it('refuses what is not a TFLite file, a truncated one, and a spec that does not fit', () => {
    const bytes = exportTflite(vectorModel().q);
    expect(() => importTflite(new Uint8Array(4), { spec: spec48k })).toThrow(/not a TensorFlow Lite model/);
    expect(() => importTflite(bytes.subarray(0, 200), { spec: spec48k })).toThrow(/not a valid TensorFlow Lite model: .* outside the file/);
    expect(() => importTflite(bytes, { spec: defaultFeatureSpec(48000, 1024, 512, 16) })).toThrow(/exported for 48000 Hz features .* 32 bands.*16 bands/);
  });
});
