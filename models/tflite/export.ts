/**
 * A Vigil int8 autoencoder as a TensorFlow Lite flatbuffer (docs/tflite.md): one FULLY_CONNECTED
 * operator per layer, int8 tensors with the model's own scales and zero points, per-channel int8
 * weights, int32 biases. The standardisation before the input tensor (mean, in_mul: float32 work
 * the node does before the int8 graph) and the detector travel in a "vigil" metadata entry, so an
 * import restores the node model exactly.
 */
import { utf8Encode } from '../protocol/utf8';
import { bandCountOf, type Int8Autoencoder } from '../nn/types';
import { ref, scalar, table, writeFlatBuffer, type FbFields, type FbNode } from './flatbuffer';
import {
  ActivationFunction,
  BUILTIN_FULLY_CONNECTED,
  BUILTIN_OPTIONS_FULLY_CONNECTED,
  SLOT,
  TensorType,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from './schema';

export const VIGIL_METADATA_NAME = 'vigil';
export const VIGIL_METADATA_FORMAT = 'vigil-tflite-metadata 1';

/** What the "vigil" metadata buffer holds (UTF-8 JSON). */
export interface VigilTfliteMetadata {
  format: typeof VIGIL_METADATA_FORMAT;
  modelVersion: number;
  rounding: 'double' | 'single';
  axes: number[];
  spec: { sampleRateHz: number; windowLen: number; hop: number; segmentLen: number; bandEdges: number[]; velocityBandHz: [number, number] };
  /** float32 values, exact in JSON. */
  mean: number[];
  inMul: number[];
  detector: { thresholdSumsq: number; debounceK: number; debounceN: number };
  selfTestInput: number[];
}

const vec = (elem: 'u8' | 'i32' | 'f32' | 'i64', data: ArrayLike<number>, align?: number): FbNode => ({ kind: 'vector', elem, data, align });
const str = (value: string): FbNode => ({ kind: 'string', value });

interface TensorDesc {
  name: string;
  type: number;
  shape: number[];
  buffer: number;
  scale: ArrayLike<number>;
  zeroPoint: ArrayLike<number>;
}

function tensor(t: TensorDesc): FbNode {
  const s = SLOT.tensor;
  const q = SLOT.quantization;
  const fields: FbFields = [];
  fields[s.shape] = ref(vec('i32', t.shape));
  fields[s.type] = scalar('i8', t.type);
  fields[s.buffer] = scalar('u32', t.buffer);
  fields[s.name] = ref(str(t.name));
  const qf: FbFields = [];
  qf[q.scale] = ref(vec('f32', t.scale));
  qf[q.zeroPoint] = ref(vec('i64', t.zeroPoint));
  qf[q.quantizedDimension] = scalar('i32', 0);
  fields[s.quantization] = ref(table(qf));
  return table(fields);
}

/** The metadata an export embeds (also used by tests). */
export function vigilMetadata(model: Int8Autoencoder): VigilTfliteMetadata {
  const s = model.spec;
  return {
    format: VIGIL_METADATA_FORMAT,
    modelVersion: model.modelVersion,
    rounding: model.rounding ?? 'double',
    axes: [...model.axes],
    spec: { sampleRateHz: s.sampleRateHz, windowLen: s.windowLen, hop: s.hop, segmentLen: s.segmentLen, bandEdges: Array.from(s.bandEdges), velocityBandHz: [s.velocityBandHz[0], s.velocityBandHz[1]] },
    mean: Array.from(model.mean),
    inMul: Array.from(model.inMul),
    detector: { ...model.detector },
    selfTestInput: Array.from(model.selfTest.input),
  };
}

/** Serialises the int8 graph of a node model as a .tflite file. */
export function exportTflite(model: Int8Autoencoder): Uint8Array {
  const D = model.axes.length * bandCountOf(model.spec);
  const buffers: FbNode[] = [table([])]; // buffer 0: the empty sentinel every data-less tensor names
  const dataBuffer = (bytes: Uint8Array): number => {
    const f: FbFields = [];
    f[SLOT.buffer.data] = ref(vec('u8', bytes, 16)); // schema.fbs: force_align 16
    buffers.push(table(f));
    return buffers.length - 1;
  };
  const tensors: FbNode[] = [];
  const addTensor = (t: TensorDesc): number => tensors.push(tensor(t)) - 1;
  const input = addTensor({ name: 'input', type: TensorType.INT8, shape: [1, D], buffer: 0, scale: [model.inputScale], zeroPoint: [model.inputZeroPoint] });

  const operators: FbNode[] = [];
  let x = input;
  let sx = model.inputScale;
  model.layers.forEach((l, i) => {
    const last = i === model.layers.length - 1;
    const w = addTensor({
      name: `dense_${i}/weights`,
      type: TensorType.INT8,
      shape: [l.outDim, l.inDim],
      buffer: dataBuffer(new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.length)),
      scale: l.weightScale,
      zeroPoint: new Array(l.outDim).fill(0),
    });
    const biasBytes = new Uint8Array(4 * l.outDim);
    const bv = new DataView(biasBytes.buffer);
    for (let o = 0; o < l.outDim; o++) bv.setInt32(4 * o, l.bias[o], true);
    const b = addTensor({
      name: `dense_${i}/bias`,
      type: TensorType.INT32,
      shape: [l.outDim],
      buffer: dataBuffer(biasBytes),
      scale: Array.from(l.weightScale, (swo) => Math.fround(sx * swo)),
      zeroPoint: new Array(l.outDim).fill(0),
    });
    const y = addTensor({ name: last ? 'output' : `dense_${i}/output`, type: TensorType.INT8, shape: [1, l.outDim], buffer: 0, scale: [l.outScale], zeroPoint: [l.outZeroPoint] });
    const fc: FbFields = [];
    fc[SLOT.fullyConnectedOptions.fusedActivationFunction] = scalar('i8', l.activation === 'relu' ? ActivationFunction.RELU : ActivationFunction.NONE);
    const op: FbFields = [];
    op[SLOT.operator.opcodeIndex] = scalar('u32', 0);
    op[SLOT.operator.inputs] = ref(vec('i32', [x, w, b]));
    op[SLOT.operator.outputs] = ref(vec('i32', [y]));
    op[SLOT.operator.builtinOptionsType] = scalar('u8', BUILTIN_OPTIONS_FULLY_CONNECTED);
    op[SLOT.operator.builtinOptions] = ref(table(fc));
    operators.push(table(op));
    x = y;
    sx = l.outScale;
  });

  const metaBuffer = dataBuffer(utf8Encode(JSON.stringify(vigilMetadata(model))));
  const sg: FbFields = [];
  sg[SLOT.subGraph.tensors] = ref({ kind: 'tables', items: tensors });
  sg[SLOT.subGraph.inputs] = ref(vec('i32', [input]));
  sg[SLOT.subGraph.outputs] = ref(vec('i32', [x]));
  sg[SLOT.subGraph.operators] = ref({ kind: 'tables', items: operators });
  sg[SLOT.subGraph.name] = ref(str('main'));

  const opcode: FbFields = [];
  opcode[SLOT.operatorCode.deprecatedBuiltinCode] = scalar('i8', BUILTIN_FULLY_CONNECTED);
  opcode[SLOT.operatorCode.version] = scalar('i32', 4); // FULLY_CONNECTED version 4: int8 tensors
  opcode[SLOT.operatorCode.builtinCode] = scalar('i32', BUILTIN_FULLY_CONNECTED);

  const meta: FbFields = [];
  meta[SLOT.metadata.name] = ref(str(VIGIL_METADATA_NAME));
  meta[SLOT.metadata.buffer] = scalar('u32', metaBuffer);

  const arch = [D, ...model.layers.map((l) => l.outDim)].join('-');
  const root: FbFields = [];
  root[SLOT.model.version] = scalar('u32', TFLITE_SCHEMA_VERSION);
  root[SLOT.model.operatorCodes] = ref({ kind: 'tables', items: [table(opcode)] });
  root[SLOT.model.subgraphs] = ref({ kind: 'tables', items: [table(sg)] });
  root[SLOT.model.description] = ref(str(`Vigil int8 autoencoder ${arch}, model version ${model.modelVersion} (docs/tflite.md)`));
  root[SLOT.model.buffers] = ref({ kind: 'tables', items: buffers });
  root[SLOT.model.metadata] = ref({ kind: 'tables', items: [table(meta)] });
  return writeFlatBuffer(table(root), TFLITE_FILE_IDENTIFIER);
}
