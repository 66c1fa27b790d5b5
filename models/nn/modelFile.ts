/**
 * The model blob (docs/model-format.md): write, sign, read and validate. Every read is bounded by
 * the bytes present; every failure is a ModelFormatError whose message a technician can read.
 */
import { crc32 } from '../protocol/crc32';
import { utf8Decode, utf8Encode } from '../protocol/utf8';
import { equalBytes, hmacSha256, sha256 } from '../crypto/sha256';
import { featureSpecBytes, parseFeatureSpecBytes } from './specHash';
import { bandCountOf, type Activation, type DenseQ8, type Int8Autoencoder } from './types';
import {
  canStoreBlockSparse,
  decodeBlockSparse,
  encodeBlockSparse,
  maskWordsOf,
  popcount32,
  sparseWeightBytes,
  STORAGE_BLOCK_SPARSE,
  STORAGE_DENSE,
  type BlockSparse,
} from './blockSparse';
import { msg, MsgError, numOf, type MsgParam } from '../i18n/msg';
import { readSpeedSection, writeSpeedSection } from './speedSection';
import { speedSectionSize } from '../detect/speedNode';

export const MODEL_MAGIC = 'VGMD';
export const APP_MAGIC = 'VGMX';
export const MODEL_FORMAT_VERSION = 1;
export const HEADER_SIZE = 48;
export const MAX_INPUT_DIM = 1024;
export const MAX_LAYERS = 8;
/** The key of files not yet signed for a node (docs/model-format.md 2.7). */
export const UNPAIRED_KEY = new Uint8Array(32);
/** Header flags (docs/model-format.md 2.1): bit 0 set = single-rounding requantization. */
export const FLAG_SINGLE_ROUNDING = 0x0001;
/**
 * Bit 8 set = a speed section (section 2.9) follows the self-test: the node scores with the
 * speed-aware detector instead of the layers. Bits 1-7 are left to the layer encodings.
 */
export const FLAG_SPEED_SECTION = 0x0100;
const KNOWN_FLAGS = FLAG_SINGLE_ROUNDING | FLAG_SPEED_SECTION;

/** A .vgm file that cannot be read or written; `msg` says it in the app's language (`problems.model.*`). */
export class ModelFormatError extends MsgError {
  override name = 'ModelFormatError';
}
const fail = (key: string, params?: Record<string, MsgParam>): ModelFormatError => new ModelFormatError(msg(`problems.model.${key}`, params));

const pad4 = (n: number) => (n + 3) & ~3;
const ACT_CODE: Record<Activation, number> = { linear: 0, relu: 1 };

export interface BlobLayout {
  specOffset: number;
  inputOffset: number;
  layersOffset: number;
  layerOffsets: number[];
  detectorOffset: number;
  selftestOffset: number;
  /** Where the speed section starts (equal to crcOffset when there is none). */
  speedOffset: number;
  crcOffset: number;
  totalLen: number;
}

/**
 * Bytes of a layer record (docs/model-format.md 2.4): dense, or block-sparse with `storedBlocks`
 * 2x4 blocks stored (2.4.1).
 */
export function layerRecordSize(inDim: number, outDim: number, storedBlocks?: number): number {
  if (storedBlocks === undefined) return pad4(16 + 16 * outDim + outDim * inDim);
  return 16 + 16 * outDim + sparseWeightBytes(inDim, outDim, storedBlocks);
}

export interface WriteOptions {
  /**
   * 'auto' (default): a layer is stored block-sparse when that takes fewer bytes than dense (a
   * pruned layer); 'dense': every layer dense, for a reader that predates block-sparse storage.
   */
  storage?: 'auto' | 'dense';
}

/** How the writer stores a layer: its block-sparse form when that is smaller, else null (dense). */
export function layerStorageOf(layer: Pick<DenseQ8, 'inDim' | 'outDim' | 'weights'>, options: WriteOptions = {}): BlockSparse | null {
  if ((options.storage ?? 'auto') === 'dense' || !canStoreBlockSparse(layer.inDim, layer.outDim)) return null;
  const s = encodeBlockSparse(layer.inDim, layer.outDim, layer.weights);
  const stored = s.blocks.length / 8;
  return layerRecordSize(layer.inDim, layer.outDim, stored) < layerRecordSize(layer.inDim, layer.outDim) ? s : null;
}

/** Where everything goes, from the sizes alone (writers use it; readers check offsets against it). */
export function blobLayout(bandCount: number, inputDim: number, layers: { inDim: number; outDim: number; storedBlocks?: number }[], speedBytes = 0): BlobLayout {
  const specOffset = HEADER_SIZE;
  const inputOffset = specOffset + pad4(32 + 24 + 2 * (bandCount + 1));
  const layersOffset = inputOffset + 12 + 8 * inputDim;
  const layerOffsets: number[] = [];
  let o = layersOffset;
  for (const l of layers) {
    layerOffsets.push(o);
    o += layerRecordSize(l.inDim, l.outDim, l.storedBlocks);
  }
  const detectorOffset = o;
  const selftestOffset = detectorOffset + 12;
  const speedOffset = selftestOffset + pad4(6 * inputDim) + 4;
  const crcOffset = speedOffset + speedBytes;
  return { specOffset, inputOffset, layersOffset, layerOffsets, detectorOffset, selftestOffset, speedOffset, crcOffset, totalLen: crcOffset + 36 };
}

/** Serialises an int8 model; the tag is computed with `key` (default: the unpaired key). */
export function writeModelBlob(model: Int8Autoencoder, key: Uint8Array = UNPAIRED_KEY, options: WriteOptions = {}): Uint8Array {
  const B = bandCountOf(model.spec);
  const D = model.axes.length * B;
  checkModel(model, D);
  const storage = model.layers.map((l) => layerStorageOf(l, options));
  const lay = blobLayout(
    B,
    D,
    model.layers.map((l, k) => ({ inDim: l.inDim, outDim: l.outDim, storedBlocks: storage[k] ? storage[k].blocks.length / 8 : undefined })),
    model.speed ? speedSectionSize(model.speed.dim, model.speed.knots.length, model.speed.weights) : 0,
  );
  const out = new Uint8Array(lay.totalLen);
  const v = new DataView(out.buffer);
  // header
  out.set([0x56, 0x47, 0x4d, 0x44], 0);
  v.setUint16(4, MODEL_FORMAT_VERSION, true);
  v.setUint16(6, HEADER_SIZE, true);
  v.setUint32(8, lay.totalLen, true);
  v.setUint32(12, model.modelVersion, true);
  v.setUint16(16, D, true);
  v.setUint16(18, Math.max(D, ...model.layers.map((l) => l.outDim)), true);
  v.setUint8(20, model.layers.length);
  v.setUint8(21, model.axes.length);
  v.setUint16(22, (model.rounding === 'single' ? FLAG_SINGLE_ROUNDING : 0) | (model.speed ? FLAG_SPEED_SECTION : 0), true);
  v.setUint32(24, lay.specOffset, true);
  v.setUint32(28, lay.inputOffset, true);
  v.setUint32(32, lay.layersOffset, true);
  v.setUint32(36, lay.detectorOffset, true);
  v.setUint32(40, lay.selftestOffset, true);
  v.setUint32(44, lay.crcOffset, true);
  // feature spec
  const specBytes = featureSpecBytes(model.spec);
  out.set(sha256(specBytes), lay.specOffset);
  out.set(specBytes, lay.specOffset + 32);
  // input
  let p = lay.inputOffset;
  v.setUint8(p, model.axes.length);
  for (let a = 0; a < 3; a++) v.setUint8(p + 1 + a, a < model.axes.length ? model.axes[a] : 0xff);
  v.setFloat32(p + 4, model.inputScale, true);
  v.setInt32(p + 8, model.inputZeroPoint, true);
  for (let i = 0; i < D; i++) {
    v.setFloat32(p + 12 + 4 * i, model.mean[i], true);
    v.setFloat32(p + 12 + 4 * D + 4 * i, model.inMul[i], true);
  }
  // layers
  model.layers.forEach((l, idx) => {
    p = lay.layerOffsets[idx];
    v.setUint16(p, l.inDim, true);
    v.setUint16(p + 2, l.outDim, true);
    v.setUint8(p + 4, ACT_CODE[l.activation]);
    v.setUint8(p + 5, storage[idx] ? STORAGE_BLOCK_SPARSE : STORAGE_DENSE);
    v.setFloat32(p + 8, l.outScale, true);
    v.setInt32(p + 12, l.outZeroPoint, true);
    const n = l.outDim;
    for (let o = 0; o < n; o++) {
      v.setInt32(p + 16 + 4 * o, l.bias[o], true);
      v.setInt32(p + 16 + 4 * n + 4 * o, l.multiplier[o], true);
      v.setInt32(p + 16 + 8 * n + 4 * o, l.shift[o], true);
      v.setFloat32(p + 16 + 12 * n + 4 * o, l.weightScale[o], true);
    }
    const sp = storage[idx];
    if (sp) {
      const q = p + 16 + 16 * n;
      sp.mask.forEach((m, i) => v.setUint32(q + 4 * i, m, true));
      out.set(new Uint8Array(sp.blocks.buffer, sp.blocks.byteOffset, sp.blocks.length), q + 4 * sp.mask.length);
    } else {
      out.set(new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.length), p + 16 + 16 * n);
    }
  });
  // detector
  p = lay.detectorOffset;
  const det = model.detector;
  v.setUint32(p, det.thresholdSumsq, true);
  // Reserved (threshold_score, docs/model-format.md section 2.5): still written as before so the
  // byte layout and existing files stay the same; no reader uses it.
  v.setFloat32(p + 4, (det.thresholdSumsq * model.inputScale * model.inputScale) / D, true);
  v.setUint8(p + 8, det.debounceK);
  v.setUint8(p + 9, det.debounceN);
  // self-test
  p = lay.selftestOffset;
  const st = model.selfTest;
  for (let i = 0; i < D; i++) v.setFloat32(p + 4 * i, st.input[i], true);
  out.set(new Uint8Array(st.qIn.buffer, st.qIn.byteOffset, D), p + 4 * D);
  out.set(new Uint8Array(st.qOut.buffer, st.qOut.byteOffset, D), p + 5 * D);
  v.setUint32(p + pad4(6 * D), st.sumsq, true);
  if (model.speed) {
    if (model.speed.dim !== D) throw fail('cannotWrite', { detail: `the speed section is for ${model.speed.dim} features, the model has ${D}` });
    writeSpeedSection(model.speed, out, lay.speedOffset, (what) => {
      throw fail('cannotWrite', { detail: what });
    });
  }
  // integrity
  v.setUint32(lay.crcOffset, crc32(out, 0, lay.crcOffset), true);
  out.set(hmacSha256(key, out.subarray(0, lay.crcOffset + 4)), lay.crcOffset + 4);
  return out;
}

/** Replaces the tag with one keyed by `key` (the app signs a blob for one node at push time). */
export function signModelBlob(blob: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw fail('keySize');
  const { totalLen } = readHeaderBasics(blob);
  const out = blob.slice(0, totalLen);
  out.set(hmacSha256(key, out.subarray(0, totalLen - 32)), totalLen - 32);
  return out;
}

/** True when the blob's tag was made with `key`. */
export function verifyModelTag(blob: Uint8Array, key: Uint8Array): boolean {
  const { totalLen } = readHeaderBasics(blob);
  return equalBytes(hmacSha256(key, blob.subarray(0, totalLen - 32)), blob.subarray(totalLen - 32, totalLen));
}

function readHeaderBasics(b: Uint8Array): { totalLen: number } {
  if (b.length < HEADER_SIZE) throw fail('truncatedHeader', { bytes: numOf(b.length), header: numOf(HEADER_SIZE) });
  if (b[0] !== 0x56 || b[1] !== 0x47 || b[2] !== 0x4d || b[3] !== 0x44) throw fail('notVgm');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = v.getUint16(4, true);
  if (version !== MODEL_FORMAT_VERSION) throw fail('version', { version: String(version), supported: String(MODEL_FORMAT_VERSION) });
  if (v.getUint16(6, true) !== HEADER_SIZE) throw fail('headerSize', { size: numOf(v.getUint16(6, true)), expected: numOf(HEADER_SIZE) });
  const totalLen = v.getUint32(8, true);
  if (totalLen > b.length) throw fail('truncated', { have: numOf(b.length), total: numOf(totalLen) });
  if (totalLen < HEADER_SIZE + 36) throw fail('lengthSmall', { length: numOf(totalLen) });
  return { totalLen };
}

export interface ReadOptions {
  /** Check the tag with this key; a wrong tag is an error. Omit to skip the tag check. */
  key?: Uint8Array;
}

/** Parses and validates a blob (checks 1-4 of docs/model-format.md 2.8). */
export function readModelBlob(b: Uint8Array, options: ReadOptions = {}): Int8Autoencoder {
  const { totalLen } = readHeaderBasics(b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const crcOffset = v.getUint32(44, true);
  if (crcOffset !== totalLen - 36) throw fail('crcOffset');
  if (crc32(b, 0, crcOffset) !== v.getUint32(crcOffset, true)) throw fail('crc');
  if (options.key && !verifyModelTag(b, options.key)) throw fail('notSigned');

  const bad = (what: string): never => {
    throw fail('invalid', { detail: what });
  };
  const modelVersion = v.getUint32(12, true);
  if (modelVersion < 1) bad('model version 0');
  const D = v.getUint16(16, true);
  const maxWidth = v.getUint16(18, true);
  const L = v.getUint8(20);
  const A = v.getUint8(21);
  const flags = v.getUint16(22, true);
  if (flags & ~KNOWN_FLAGS) bad(`unknown flags are set (0x${flags.toString(16).padStart(4, '0')}; this app knows 0x${KNOWN_FLAGS.toString(16).padStart(4, '0')})`);
  if (D < 1 || D > MAX_INPUT_DIM) bad(`input width ${D} outside 1..${MAX_INPUT_DIM}`);
  if (L < 1 || L > MAX_LAYERS) bad(`${L} layers (1..${MAX_LAYERS} allowed)`);
  if (A < 1 || A > 3) bad(`${A} axes (1..3 allowed)`);
  if (v.getUint32(24, true) !== HEADER_SIZE) bad('the feature spec does not follow the header');

  // feature spec: its band count decides every later offset
  const specOffset = HEADER_SIZE;
  if (specOffset + 56 > crcOffset) bad('no room for the feature spec');
  const B = v.getUint16(specOffset + 34, true);
  if (B < 1 || B > 512) bad(`${B} bands (1..512 allowed)`);
  const specEnd = specOffset + 56 + 2 * (B + 1);
  if (specEnd > crcOffset) bad('the feature spec runs past the end');
  const specBytes = b.subarray(specOffset + 32, specEnd);
  if (!equalBytes(sha256(specBytes), b.subarray(specOffset, specOffset + 32))) bad('the feature spec hash does not match the feature spec');
  let spec;
  try {
    spec = parseFeatureSpecBytes(specBytes);
  } catch (e) {
    return bad(`feature spec: ${(e as Error).message}`);
  }
  if (A * B !== D) bad(`${A} axes x ${B} bands is not the input width ${D}`);

  // layer dims, read before the layout is known; each read bounded
  const inputOffset = v.getUint32(28, true);
  const layersOffset = v.getUint32(32, true);
  const dims: { inDim: number; outDim: number; storedBlocks?: number }[] = [];
  let p = layersOffset;
  for (let l = 0; l < L; l++) {
    if (p + 16 > crcOffset) bad(`layer ${l} runs past the end`);
    const inDim = v.getUint16(p, true);
    const outDim = v.getUint16(p + 2, true);
    if (outDim < 1 || outDim > MAX_INPUT_DIM) bad(`layer ${l} has ${outDim} outputs`);
    if (inDim !== (l === 0 ? D : dims[l - 1].outDim)) bad(`layer ${l} takes ${inDim} inputs, the tensor before it has ${l === 0 ? D : dims[l - 1].outDim}`);
    const storage = v.getUint8(p + 5);
    let storedBlocks: number | undefined;
    if (storage === STORAGE_BLOCK_SPARSE) storedBlocks = readSparseMask(v, p, inDim, outDim, crcOffset, l, bad).stored;
    else if (storage !== STORAGE_DENSE) bad(`layer ${l} has unknown weight storage ${storage} (0 dense and 1 block-sparse are known)`);
    dims.push({ inDim, outDim, storedBlocks });
    p += layerRecordSize(inDim, outDim, storedBlocks);
    if (p > crcOffset) bad(`layer ${l} runs past the end`);
  }
  if (dims[L - 1].outDim !== D) bad(`the last layer outputs ${dims[L - 1].outDim} values, not the input width ${D}`);
  const speedLen = flags & FLAG_SPEED_SECTION ? crcOffset - blobLayout(B, D, dims).speedOffset : 0;
  if (speedLen < 0) bad('the speed section runs past the end');
  const lay = blobLayout(B, D, dims, speedLen);
  if (lay.totalLen !== totalLen) bad(`its length ${totalLen} does not match its contents (${lay.totalLen})`);
  const offsets: [string, number, number][] = [
    ['input', inputOffset, lay.inputOffset],
    ['layers', layersOffset, lay.layersOffset],
    ['detector', v.getUint32(36, true), lay.detectorOffset],
    ['self-test', v.getUint32(40, true), lay.selftestOffset],
  ];
  for (const [name, got, want] of offsets) if (got !== want) bad(`the ${name} section is at ${got}, expected ${want}`);
  if (maxWidth !== Math.max(D, ...dims.map((d) => d.outDim))) bad('max_width is wrong');
  for (let i = specEnd; i < lay.inputOffset; i++) if (b[i] !== 0) bad('non-zero padding after the feature spec');

  // input
  p = lay.inputOffset;
  if (v.getUint8(p) !== A) bad('the axis count differs between header and input section');
  const axes: number[] = [];
  for (let a = 0; a < 3; a++) {
    const ax = v.getUint8(p + 1 + a);
    if (a < A) {
      if (ax > 2) bad(`input axis ${a} names node axis ${ax} (0..2 allowed)`);
      if (axes.includes(ax)) bad(`node axis ${ax} is listed twice`);
      axes.push(ax);
    } else if (ax !== 0xff) bad('unused axis entries must be 0xFF');
  }
  const inputScale = v.getFloat32(p + 4, true);
  const inputZeroPoint = v.getInt32(p + 8, true);
  if (!(inputScale > 0) || !Number.isFinite(inputScale)) bad(`input scale ${inputScale} is not a positive number`);
  if (inputZeroPoint < -128 || inputZeroPoint > 127) bad(`input zero point ${inputZeroPoint} outside -128..127`);
  const mean = new Float32Array(D);
  const inMul = new Float32Array(D);
  for (let i = 0; i < D; i++) {
    mean[i] = v.getFloat32(p + 12 + 4 * i, true);
    inMul[i] = v.getFloat32(p + 12 + 4 * D + 4 * i, true);
    if (!Number.isFinite(mean[i])) bad(`feature ${i} has a mean that is not a finite number`);
    if (!(inMul[i] > 0) || !Number.isFinite(inMul[i])) bad(`feature ${i} has a multiplier that is not a positive number`);
  }

  // layers
  const layers: DenseQ8[] = dims.map(({ inDim, outDim, storedBlocks }, l) => {
    const q = lay.layerOffsets[l];
    const act = v.getUint8(q + 4);
    if (act > 1) bad(`layer ${l} has unknown activation ${act}`);
    if (b[q + 6] || b[q + 7]) bad(`layer ${l} reserved bytes are not zero`);
    const outScale = v.getFloat32(q + 8, true);
    const outZeroPoint = v.getInt32(q + 12, true);
    if (!(outScale > 0) || !Number.isFinite(outScale)) bad(`layer ${l} output scale ${outScale} is not a positive number`);
    if (outZeroPoint < -128 || outZeroPoint > 127) bad(`layer ${l} output zero point ${outZeroPoint} outside -128..127`);
    const bias = new Int32Array(outDim);
    const multiplier = new Int32Array(outDim);
    const shift = new Int32Array(outDim);
    const weightScale = new Float32Array(outDim);
    for (let o = 0; o < outDim; o++) {
      bias[o] = v.getInt32(q + 16 + 4 * o, true);
      multiplier[o] = v.getInt32(q + 16 + 4 * outDim + 4 * o, true);
      shift[o] = v.getInt32(q + 16 + 8 * outDim + 4 * o, true);
      weightScale[o] = v.getFloat32(q + 16 + 12 * outDim + 4 * o, true);
      if (multiplier[o] !== 0 && multiplier[o] < 0x40000000) bad(`layer ${l} channel ${o} multiplier ${multiplier[o]} is not 0 or 2^30..2^31-1`);
      if (shift[o] < -31 || shift[o] > 0) bad(`layer ${l} channel ${o} shift ${shift[o]} outside -31..0`);
    }
    const wStart = q + 16 + 16 * outDim;
    let sparse: BlockSparse | undefined;
    let weights: Int8Array;
    if (storedBlocks !== undefined) {
      const { mask, words } = readSparseMask(v, q, inDim, outDim, crcOffset, l, bad);
      const blocksAt = wStart + 4 * mask.length;
      const blocks = new Int8Array(b.buffer.slice(b.byteOffset + blocksAt, b.byteOffset + blocksAt + 8 * storedBlocks));
      sparse = { pairs: outDim / 2, cols: inDim / 4, words, mask, blocks };
      for (let i = 0; i < blocks.length; i++) if (blocks[i] === -128) bad(`layer ${l} holds the weight -128 (weights are -127..127)`);
      weights = decodeBlockSparse(sparse, inDim, outDim);
    } else {
      weights = new Int8Array(b.buffer.slice(b.byteOffset + wStart, b.byteOffset + wStart + outDim * inDim));
      for (let i = 0; i < weights.length; i++) if (weights[i] === -128) bad(`layer ${l} holds the weight -128 (weights are -127..127)`);
    }
    const last = l === L - 1;
    if (last && act !== 0) bad('the last layer must be linear');
    if (last && (outScale !== inputScale || outZeroPoint !== inputZeroPoint)) bad("the last layer's output must use the input's scale and zero point");
    const layer: DenseQ8 = { inDim, outDim, activation: act === 1 ? 'relu' : 'linear', outScale, outZeroPoint, bias, multiplier, shift, weightScale, weights };
    if (sparse) layer.sparse = sparse;
    return layer;
  });

  // detector
  p = lay.detectorOffset;
  const thresholdSumsq = v.getUint32(p, true); // p + 4: reserved (threshold_score), ignored
  const debounceK = v.getUint8(p + 8);
  const debounceN = v.getUint8(p + 9);
  if (debounceN < 1 || debounceN > 32 || debounceK < 1 || debounceK > debounceN) bad(`debounce ${debounceK} of ${debounceN} (need 1 <= k <= n <= 32)`);
  if (v.getUint16(p + 10, true) !== 0) bad('detector reserved bytes are not zero');

  // self-test
  p = lay.selftestOffset;
  const input = new Float32Array(D);
  for (let i = 0; i < D; i++) input[i] = v.getFloat32(p + 4 * i, true);
  const qIn = new Int8Array(b.buffer.slice(b.byteOffset + p + 4 * D, b.byteOffset + p + 5 * D));
  const qOut = new Int8Array(b.buffer.slice(b.byteOffset + p + 5 * D, b.byteOffset + p + 6 * D));
  const sumsq = v.getUint32(p + pad4(6 * D), true);

  const rounding = flags & FLAG_SINGLE_ROUNDING ? 'single' : 'double';
  const model: Int8Autoencoder = { modelVersion, spec, axes, inputScale, inputZeroPoint, mean, inMul, layers, detector: { thresholdSumsq, debounceK, debounceN }, selfTest: { input, qIn, qOut, sumsq }, rounding };
  if (flags & FLAG_SPEED_SECTION) model.speed = readSpeedSection(b, lay.speedOffset, lay.crcOffset, D, bad);
  return model;
}

/**
 * The block mask of a block-sparse layer record at q (docs/model-format.md 2.4.1), every read
 * bounded by the CRC's offset: the layer's shape must hold whole 2x4 blocks, the mask must fit,
 * and no bit may mark a block past the layer's inputs.
 */
function readSparseMask(
  v: DataView,
  q: number,
  inDim: number,
  outDim: number,
  end: number,
  l: number,
  bad: (what: string) => never,
): { mask: Uint32Array; words: number; stored: number } {
  if (inDim % 4 !== 0) bad(`layer ${l} is stored block-sparse but its ${inDim} inputs are not a multiple of 4`);
  if (outDim % 2 !== 0) bad(`layer ${l} is stored block-sparse but its ${outDim} outputs are not a multiple of 2`);
  const pairs = outDim / 2;
  const cols = inDim / 4;
  const words = maskWordsOf(inDim);
  const at = q + 16 + 16 * outDim;
  if (at + 4 * pairs * words > end) bad(`layer ${l}'s block mask runs past the end of the model`);
  const mask = new Uint32Array(pairs * words);
  let stored = 0;
  for (let i = 0; i < mask.length; i++) {
    mask[i] = v.getUint32(at + 4 * i, true);
    const w = i % words;
    const valid = Math.min(32, cols - 32 * w);
    if (valid < 32 && (mask[i] << valid) !== 0) bad(`layer ${l}'s block mask marks blocks past its ${inDim} inputs`);
    stored += popcount32(mask[i]);
  }
  if (at + 4 * mask.length + 8 * stored > end) bad(`layer ${l}'s stored blocks run past the end of the model (${stored} blocks of 8 bytes)`);
  return { mask, words, stored };
}

function checkModel(m: Int8Autoencoder, D: number): void {
  const bad = (what: string): never => {
    throw fail('cannotWrite', { detail: what });
  };
  if (m.axes.length < 1 || m.axes.length > 3) bad(`${m.axes.length} axes`);
  if (D > MAX_INPUT_DIM) bad(`input width ${D} > ${MAX_INPUT_DIM}`);
  if (m.mean.length !== D || m.inMul.length !== D) bad('mean/multiplier length differs from the input width');
  if (m.layers.length < 1 || m.layers.length > MAX_LAYERS) bad(`${m.layers.length} layers`);
  if (!Number.isInteger(m.modelVersion) || m.modelVersion < 1 || m.modelVersion > 0xffffffff) bad(`model version ${m.modelVersion}`);
  const t = m.detector.thresholdSumsq;
  if (!Number.isInteger(t) || t < 0 || t > 0xffffffff) bad(`threshold ${t} is not a u32`);
  if (m.selfTest.input.length !== D) bad('self-test vector has the wrong width');
}

// ---- the .vgm file: blob + optional app section (docs/model-format.md 3) ----

export interface VgmFile<App = unknown> {
  /** The node blob (exactly total_len bytes). */
  blob: Uint8Array;
  model: Int8Autoencoder;
  /** The app section's JSON, if present. */
  app?: App;
}

export function writeVgmFile(blob: Uint8Array, app?: unknown): Uint8Array {
  if (app === undefined) return blob.slice();
  const json = utf8Encode(JSON.stringify(app));
  const out = new Uint8Array(blob.length + 12 + json.length);
  out.set(blob, 0);
  const v = new DataView(out.buffer);
  out.set([0x56, 0x47, 0x4d, 0x58], blob.length);
  v.setUint32(blob.length + 4, json.length, true);
  out.set(json, blob.length + 8);
  v.setUint32(blob.length + 8 + json.length, crc32(json), true);
  return out;
}

export function readVgmFile<App = unknown>(bytes: Uint8Array, options: ReadOptions = {}): VgmFile<App> {
  const model = readModelBlob(bytes, options);
  const totalLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const blob = bytes.slice(0, totalLen);
  const rest = bytes.subarray(totalLen);
  if (rest.length === 0) return { blob, model };
  if (rest.length < 12 || rest[0] !== 0x56 || rest[1] !== 0x47 || rest[2] !== 0x4d || rest[3] !== 0x58) {
    throw fail('trailing');
  }
  const v = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  const len = v.getUint32(4, true);
  if (rest.length < 12 + len) throw fail('appTruncated', { have: numOf(rest.length - 12), total: numOf(len) });
  const json = rest.subarray(8, 8 + len);
  if (crc32(json) !== v.getUint32(8 + len, true)) throw fail('appCrc');
  let app: App;
  try {
    app = JSON.parse(utf8Decode(json)) as App;
  } catch {
    throw fail('appJson');
  }
  return { blob, model, app };
}
