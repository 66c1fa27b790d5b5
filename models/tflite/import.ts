/**
 * A TensorFlow Lite flatbuffer back to a node model (docs/tflite.md): a chain of int8
 * FULLY_CONNECTED operators with per-channel (or per-tensor) symmetric int8 weights, int32 biases,
 * no fused activation or ReLU, whose output tensor has the input tensor's scale and zero point.
 * Anything else is refused in plain words, the operator by its name. Every read is bounded.
 */
import { clampInt, quantizeMultiplier } from '../nn/fixedpoint';
import { makeSelfTest } from '../nn/quantize';
import type { FeatureSpec } from '../features/spec';
import { utf8Decode } from '../protocol/utf8';
import { bandCountOf, type DenseQ8, type Int8Autoencoder, type Rounding } from '../nn/types';
import { FbReader, FlatBufferError } from './flatbuffer';
import { VIGIL_METADATA_FORMAT, VIGIL_METADATA_NAME, type VigilTfliteMetadata } from './export';
import {
  ACTIVATION_NAMES,
  BUILTIN_FULLY_CONNECTED,
  BUILTIN_OPTIONS_FULLY_CONNECTED,
  builtinOperatorName,
  SLOT,
  TENSOR_TYPE_NAMES,
  TensorType,
  TFLITE_FILE_IDENTIFIER,
} from './schema';

export class TfliteImportError extends Error {
  override name = 'TfliteImportError';
}

const MAX_LAYERS = 8;
const MAX_WIDTH = 1024;

interface Tensor {
  name: string;
  type: number;
  shape: number[];
  buffer: number;
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  sparse: boolean;
}

export interface ImportOptions {
  /** The node's feature spec; the input width must be axes x bands. */
  spec: FeatureSpec;
  /** Node axes feeding the input (default: the metadata's, else 0 .. A-1). */
  axes?: number[];
  /** Default: the metadata's, else 'single' (what current LiteRT computes on the file). */
  rounding?: Rounding;
  /** Default: the metadata's, else 2^32 - 1 (never over: set one before deploying). */
  thresholdSumsq?: number;
  modelVersion?: number;
}

export interface ImportResult {
  model: Int8Autoencoder;
  /** The "vigil" metadata, when the file was exported by Vigil. */
  metadata?: VigilTfliteMetadata;
  description: string;
  /** Things the technician should know (no threshold, no standardisation). */
  notes: string[];
}

const typeName = (t: number) => TENSOR_TYPE_NAMES[t] ?? `type ${t}`;

/** Parses a .tflite file and turns its dense int8 graph into a node model. */
export function importTflite(bytes: Uint8Array, options: ImportOptions): ImportResult {
  try {
    return importInner(bytes, options);
  } catch (e) {
    if (e instanceof FlatBufferError) throw new TfliteImportError(`the file is not a valid TensorFlow Lite model: ${e.message}`);
    throw e;
  }
}

function importInner(bytes: Uint8Array, options: ImportOptions): ImportResult {
  const fail = (what: string): never => {
    throw new TfliteImportError(what);
  };
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes long: not a TensorFlow Lite model`);
  const r = new FbReader(bytes);
  if (r.fileIdentifier() !== TFLITE_FILE_IDENTIFIER) fail('not a TensorFlow Lite model (it lacks the "TFL3" file identifier)');
  const M = SLOT.model;
  const root = r.root();
  const schemaVersion = r.scalarField(root, M.version, 'u32', 0, 'the model');
  if (schemaVersion !== 3) fail(`TensorFlow Lite schema version ${schemaVersion} is not supported (this app reads version 3)`);
  const descPos = r.refField(root, M.description, 'the description');
  const description = descPos ? r.string(descPos, 'the description') : '';

  // buffers
  const buffersPos = r.refField(root, M.buffers, 'the buffer list');
  const buffers = buffersPos ? r.tables(buffersPos, 'the buffer list') : [];
  const bufferData = (i: number, what: string): Uint8Array | undefined => {
    if (i === 0) return undefined;
    if (i >= buffers.length) fail(`${what} names buffer ${i}, but the file has ${buffers.length}`);
    const b = buffers[i];
    if (r.scalarField(b, SLOT.buffer.offset, 'u32', 0, what) !== 0) fail(`${what} is stored outside the flatbuffer (an external buffer); Vigil reads self-contained files`);
    const d = r.refField(b, SLOT.buffer.data, what);
    if (!d) return undefined;
    const { length, start } = r.vector(d, 1, what);
    return bytes.subarray(start, start + length);
  };

  // the Vigil metadata, if any
  let metadata: VigilTfliteMetadata | undefined;
  const metaList = r.refField(root, M.metadata, 'the metadata list');
  for (const m of metaList ? r.tables(metaList, 'the metadata list') : []) {
    const namePos = r.refField(m, SLOT.metadata.name, 'a metadata name');
    if (!namePos || r.string(namePos, 'a metadata name') !== VIGIL_METADATA_NAME) continue;
    const data = bufferData(r.scalarField(m, SLOT.metadata.buffer, 'u32', 0, 'the Vigil metadata'), 'the Vigil metadata');
    try {
      const parsed = JSON.parse(utf8Decode(data ?? new Uint8Array())) as VigilTfliteMetadata;
      if (parsed.format !== VIGIL_METADATA_FORMAT) fail(`the Vigil metadata is of format "${String(parsed.format)}"; this app reads "${VIGIL_METADATA_FORMAT}"`);
      metadata = parsed;
    } catch (e) {
      if (e instanceof TfliteImportError) throw e;
      fail('the Vigil metadata in the file is not valid JSON');
    }
  }

  // operator codes: every one must be FULLY_CONNECTED
  const codesPos = r.refField(root, M.operatorCodes, 'the operator codes');
  const codes = (codesPos ? r.tables(codesPos, 'the operator codes') : []).map((c) => {
    const deprecated = r.scalarField(c, SLOT.operatorCode.deprecatedBuiltinCode, 'i8', 0, 'an operator code');
    const builtin = r.scalarField(c, SLOT.operatorCode.builtinCode, 'i32', 0, 'an operator code');
    const code = Math.max(deprecated, builtin); // schema.fbs: readers take the larger of the two
    const customPos = r.refField(c, SLOT.operatorCode.customCode, 'an operator code');
    return { code, custom: customPos ? r.string(customPos, 'a custom operator name') : undefined };
  });

  // one subgraph
  const sgList = r.refField(root, M.subgraphs, 'the subgraph list');
  const subgraphs = sgList ? r.tables(sgList, 'the subgraph list') : [];
  if (subgraphs.length !== 1) fail(`the model has ${subgraphs.length} subgraphs; Vigil imports a model with exactly one`);
  const sg = subgraphs[0];
  const S = SLOT.subGraph;
  const intVector = (pos: number, what: string): number[] => {
    if (!pos) return [];
    const { length, start } = r.vector(pos, 4, what);
    return Array.from({ length }, (_, i) => r.i32(start + 4 * i, what));
  };
  const tensorsPos = r.refField(sg, S.tensors, 'the tensor list');
  const tensorTables = tensorsPos ? r.tables(tensorsPos, 'the tensor list') : [];
  const tensorCache = new Map<number, Tensor>();
  const tensor = (i: number, role: string): Tensor => {
    if (!Number.isInteger(i) || i < 0 || i >= tensorTables.length) fail(`${role} names tensor ${i}, but the graph has ${tensorTables.length}`);
    const hit = tensorCache.get(i);
    if (hit) return hit;
    const t = tensorTables[i];
    const T = SLOT.tensor;
    const namePos = r.refField(t, T.name, 'a tensor name');
    const qPos = r.refField(t, T.quantization, 'tensor quantization');
    const floats = (pos: number) => {
      if (!pos) return [];
      const { length, start } = r.vector(pos, 4, 'quantization scales');
      return Array.from({ length }, (_, k) => r.f32(start + 4 * k));
    };
    const longs = (pos: number) => {
      if (!pos) return [];
      const { length, start } = r.vector(pos, 8, 'quantization zero points');
      return Array.from({ length }, (_, k) => r.i64(start + 8 * k));
    };
    const out: Tensor = {
      name: namePos ? r.string(namePos, 'a tensor name') : `#${i}`,
      type: r.scalarField(t, T.type, 'i8', 0, 'a tensor'),
      shape: intVector(r.refField(t, T.shape, 'a tensor shape'), 'a tensor shape'),
      buffer: r.scalarField(t, T.buffer, 'u32', 0, 'a tensor'),
      scale: qPos ? floats(r.refField(qPos, SLOT.quantization.scale, 'quantization scales')) : [],
      zeroPoint: qPos ? longs(r.refField(qPos, SLOT.quantization.zeroPoint, 'quantization zero points')) : [],
      quantizedDimension: qPos ? r.scalarField(qPos, SLOT.quantization.quantizedDimension, 'i32', 0, 'tensor quantization') : 0,
      sparse: r.field(t, T.sparsity, 'a tensor') !== 0,
    };
    if (qPos && r.scalarField(qPos, SLOT.quantization.detailsType, 'u8', 0, 'tensor quantization') !== 0) fail(`tensor "${out.name}" uses a custom or blockwise quantization; Vigil imports the affine int8 scheme only`);
    tensorCache.set(i, out);
    return out;
  };
  /** An int8 activation tensor with one scale and zero point; returns its width. */
  const activation = (t: Tensor, role: string): number => {
    if (t.type !== TensorType.INT8) fail(`the ${role} "${t.name}" is ${typeName(t.type)}; Vigil runs int8 tensors only (a float or uint8 model must be quantized to int8 first)`);
    if (t.scale.length !== 1 || t.zeroPoint.length !== 1) fail(`the ${role} "${t.name}" needs one scale and one zero point (per-tensor quantization), it has ${t.scale.length} and ${t.zeroPoint.length}`);
    if (!(t.scale[0] > 0) || !Number.isFinite(t.scale[0])) fail(`the ${role} "${t.name}" has scale ${t.scale[0]}; a scale must be a positive number`);
    if (t.zeroPoint[0] < -128 || t.zeroPoint[0] > 127) fail(`the ${role} "${t.name}" has zero point ${t.zeroPoint[0]}, outside -128..127`);
    const width = t.shape[t.shape.length - 1];
    if (t.shape.length < 1 || t.shape.slice(0, -1).some((d) => d !== 1) || !(width >= 1 && width <= MAX_WIDTH)) fail(`the ${role} "${t.name}" has shape [${t.shape.join(', ')}]; Vigil takes one vector of 1..${MAX_WIDTH} values ([1, N])`);
    return width;
  };

  const inputs = intVector(r.refField(sg, S.inputs, 'the graph inputs'), 'the graph inputs');
  const outputs = intVector(r.refField(sg, S.outputs, 'the graph outputs'), 'the graph outputs');
  if (inputs.length !== 1 || outputs.length !== 1) fail(`the graph has ${inputs.length} inputs and ${outputs.length} outputs; an autoencoder has one of each`);
  const input = tensor(inputs[0], 'the graph input');
  const D = activation(input, 'input tensor');
  const sIn = input.scale[0];
  const zIn = input.zeroPoint[0];

  const opsPos = r.refField(sg, S.operators, 'the operator list');
  const ops = opsPos ? r.tables(opsPos, 'the operator list') : [];
  if (ops.length < 1 || ops.length > MAX_LAYERS) fail(`the graph has ${ops.length} operators; Vigil runs 1..${MAX_LAYERS} dense layers`);
  const O = SLOT.operator;
  // Refuse every foreign operator by name before looking at any layer.
  for (const op of ops) {
    const idx = r.scalarField(op, O.opcodeIndex, 'u32', 0, 'an operator');
    if (idx >= codes.length) fail(`an operator names operator code ${idx}, but the file lists ${codes.length}`);
    const c = codes[idx];
    if (c.custom !== undefined) fail(`the model uses the custom operator "${c.custom}"; Vigil imports only FULLY_CONNECTED layers`);
    if (c.code !== BUILTIN_FULLY_CONNECTED) fail(`the model uses the operator ${builtinOperatorName(c.code)}; Vigil imports only FULLY_CONNECTED layers`);
  }

  const layers: DenseQ8[] = [];
  let x = inputs[0];
  let sx = sIn;
  let inDim = D;
  ops.forEach((op, l) => {
    const where = `layer ${l} (FULLY_CONNECTED)`;
    const ins = intVector(r.refField(op, O.inputs, 'operator inputs'), 'operator inputs');
    const outs = intVector(r.refField(op, O.outputs, 'operator outputs'), 'operator outputs');
    if (ins.length < 2 || ins.length > 3 || outs.length !== 1) fail(`${where} has ${ins.length} inputs and ${outs.length} outputs; a dense layer has input, weights, bias and one output`);
    if (ins[0] !== x) fail(`${where} does not take the previous ${l === 0 ? 'graph input' : 'layer\'s output'}: Vigil imports a plain chain of dense layers`);
    // options
    const optType = r.scalarField(op, O.builtinOptionsType, 'u8', 0, 'an operator');
    const optPos = r.refField(op, O.builtinOptions, 'operator options');
    let act = 0;
    if (optPos) {
      if (optType !== BUILTIN_OPTIONS_FULLY_CONNECTED) fail(`${where} carries options of another operator (union type ${optType})`);
      const F = SLOT.fullyConnectedOptions;
      act = r.scalarField(optPos, F.fusedActivationFunction, 'i8', 0, 'FULLY_CONNECTED options');
      if (r.scalarField(optPos, F.weightsFormat, 'i8', 0, 'FULLY_CONNECTED options') !== 0) fail(`${where} stores its weights in a shuffled format; Vigil reads the default row-major one`);
      if (r.scalarField(optPos, F.asymmetricQuantizeInputs, 'u8', 0, 'FULLY_CONNECTED options') !== 0) fail(`${where} is a hybrid (float input) layer; Vigil runs fully int8 layers`);
    }
    if (act !== 0 && act !== 1) fail(`${where} has the fused activation ${ACTIVATION_NAMES[act] ?? act}; Vigil runs none or RELU`);
    // weights
    const w = tensor(ins[1], `${where} weights`);
    if (w.type !== TensorType.INT8) fail(`${where} has ${typeName(w.type)} weights; Vigil runs int8 weights only`);
    if (w.sparse) fail(`${where} has sparse weights; Vigil reads dense ones`);
    if (w.shape.length !== 2) fail(`${where} weights have shape [${w.shape.join(', ')}]; a dense layer's are [outputs, inputs]`);
    const [outDim, wIn] = w.shape;
    if (wIn !== inDim) fail(`${where} takes ${wIn} inputs, the tensor before it has ${inDim}`);
    if (!(outDim >= 1 && outDim <= MAX_WIDTH)) fail(`${where} has ${outDim} outputs (1..${MAX_WIDTH} allowed)`);
    const wData = bufferData(w.buffer, `${where} weights`);
    if (!wData || wData.length !== outDim * inDim) fail(`${where} weights hold ${wData?.length ?? 0} bytes, not ${outDim} x ${inDim}`);
    const weights = new Int8Array(outDim * inDim);
    weights.set(new Int8Array(wData!.buffer, wData!.byteOffset, wData!.length));
    if (weights.includes(-128)) fail(`${where} holds the weight -128; int8 weights are symmetric (-127..127)`);
    let weightScale: Float32Array;
    if (w.scale.length === outDim && (w.quantizedDimension === 0 || outDim === 1)) weightScale = Float32Array.from(w.scale);
    else if (w.scale.length === 1) weightScale = new Float32Array(outDim).fill(w.scale[0]); // per-tensor: the same arithmetic
    else fail(`${where} weights have ${w.scale.length} scales along dimension ${w.quantizedDimension}; Vigil takes one per output channel (dimension 0) or one for the tensor`);
    if (weightScale!.some((s) => !(s > 0) || !Number.isFinite(s))) fail(`${where} has a weight scale that is not a positive number`);
    if (w.zeroPoint.some((z) => z !== 0)) fail(`${where} weights have a non-zero zero point; Vigil's weights are symmetric (zero point 0)`);
    // bias
    const bias = new Int32Array(outDim);
    if (ins.length === 3 && ins[2] >= 0) {
      const b = tensor(ins[2], `${where} bias`);
      if (b.type !== TensorType.INT32) fail(`${where} has a ${typeName(b.type)} bias; Vigil takes int32 biases`);
      const bData = bufferData(b.buffer, `${where} bias`);
      if (!bData || bData.length !== 4 * outDim) fail(`${where} bias holds ${bData?.length ?? 0} bytes, not 4 x ${outDim}`);
      const dv = new DataView(bData!.buffer, bData!.byteOffset, bData!.length);
      for (let o = 0; o < outDim; o++) bias[o] = dv.getInt32(4 * o, true);
    }
    // output
    const y = tensor(outs[0], `${where} output`);
    const width = activation(y, `${where} output`);
    if (width !== outDim) fail(`${where} output has ${width} values, its weights make ${outDim}`);
    const sy = y.scale[0];
    const multiplier = new Int32Array(outDim);
    const shift = new Int32Array(outDim);
    for (let o = 0; o < outDim; o++) {
      // As LiteRT's FULLY_CONNECTED Prepare: double(s_x) * double(s_w[o]) / double(s_y).
      const m = quantizeMultiplier((sx * weightScale![o]) / sy);
      if (m.shift > 0) fail(`${where} channel ${o} has a requantization multiplier of ${((sx * weightScale![o]) / sy).toPrecision(4)}; the node's format keeps every multiplier below 1`);
      multiplier[o] = m.multiplier;
      shift[o] = m.shift;
    }
    layers.push({ inDim, outDim, activation: act === 1 ? 'relu' : 'linear', outScale: sy, outZeroPoint: clampInt(y.zeroPoint[0], -128, 127), bias, multiplier, shift, weightScale: weightScale!, weights });
    x = outs[0];
    sx = sy;
    inDim = outDim;
  });
  if (outputs[0] !== x) fail("the graph's output is not the last layer's output");
  const last = layers[layers.length - 1];
  if (last.outDim !== D) fail(`the last layer outputs ${last.outDim} values, the input has ${D}: an autoencoder reconstructs its input`);
  if (last.activation !== 'linear') fail('the last layer has a RELU; the node compares a linear reconstruction with its input');
  if (last.outScale !== sIn || last.outZeroPoint !== zIn) fail(`the output tensor's scale and zero point (${last.outScale}, ${last.outZeroPoint}) differ from the input's (${sIn}, ${zIn}); the node compares them in integers, so they must be equal`);

  // the node side: spec, axes, standardisation, detector
  const { spec } = options;
  const B = bandCountOf(spec);
  const notes: string[] = [];
  if (metadata) {
    const ms = metadata.spec;
    const same = ms.sampleRateHz === spec.sampleRateHz && ms.windowLen === spec.windowLen && ms.hop === spec.hop && ms.segmentLen === spec.segmentLen && ms.bandEdges.length === spec.bandEdges.length && ms.bandEdges.every((e, i) => e === spec.bandEdges[i]);
    if (!same) fail(`the model was exported for ${ms.sampleRateHz} Hz features (window ${ms.windowLen}, hop ${ms.hop}, ${ms.bandEdges.length - 1} bands); --spec gives ${spec.sampleRateHz} Hz (window ${spec.windowLen}, hop ${spec.hop}, ${B} bands)`);
  }
  const axes = options.axes ?? metadata?.axes ?? Array.from({ length: D / B }, (_, a) => a);
  if (D % B !== 0 || axes.length * B !== D) fail(`the input has ${D} values; with ${B} bands per axis that is not ${axes.length} axes (${axes.length * B} values)`);
  if (axes.length < 1 || axes.length > 3 || axes.some((a) => !Number.isInteger(a) || a < 0 || a > 2) || new Set(axes).size !== axes.length) fail(`axes ${axes.join(', ')}: a node has 1 to 3 distinct axes numbered 0..2`);
  let mean: Float32Array;
  let inMul: Float32Array;
  if (metadata && metadata.mean.length === D && metadata.inMul.length === D) {
    mean = Float32Array.from(metadata.mean);
    inMul = Float32Array.from(metadata.inMul);
  } else {
    // No standardisation recorded: the input tensor quantizes the raw log band energies directly.
    mean = new Float32Array(D);
    inMul = new Float32Array(D).fill(Math.fround(1 / sIn));
    notes.push('no Vigil metadata: the input tensor is taken to quantize raw log band energies (log10 g^2) directly');
  }
  const thresholdSumsq = options.thresholdSumsq ?? metadata?.detector.thresholdSumsq ?? 0xffffffff;
  if (options.thresholdSumsq === undefined && !metadata) notes.push('no threshold in the file: the model never alarms until one is set (--threshold-sumsq, or retrain in Vigil)');
  const model: Int8Autoencoder = {
    modelVersion: options.modelVersion ?? metadata?.modelVersion ?? 1,
    spec,
    axes,
    inputScale: sIn,
    inputZeroPoint: zIn,
    mean,
    inMul,
    layers,
    detector: { thresholdSumsq, debounceK: metadata?.detector.debounceK ?? 3, debounceN: metadata?.detector.debounceN ?? 5 },
    selfTest: { input: new Float32Array(D), qIn: new Int8Array(D), qOut: new Int8Array(D), sumsq: 0 },
    rounding: options.rounding ?? metadata?.rounding ?? 'single',
  };
  const stInput = metadata?.selfTestInput.length === D ? Float32Array.from(metadata.selfTestInput) : Float32Array.from(mean);
  model.selfTest = makeSelfTest(model, stInput);
  return { model, metadata, description, notes };
}
