/**
 * The model blob's speed section (docs/model-format.md §2.9, header flag bit 8): the speed-aware
 * detector in the form a node runs (models/detect/speedNode.ts, firmware/src/nn/speed.c).
 * Layout, little-endian, starting 4-aligned right after the self-test and ending at the CRC:
 *
 *   +0  "VSPD" | +4 u16 D | +6 u8 knots K | +7 u8 weight format (0 int16, 1 int8) | +8 f32 smoothing | +12 u16 warmup | +14 u16 0
 *   +16 f32 span_tolerance | +20 f32 interpolation_scale | +24 f32 threshold | +28 u32 0
 *   +32 f32[D] in_mul
 *   K x { f32 rpm, f32[D] mean }
 *   J = max(1, K - 1) x { f32[D] row_scale, f32[D] lambda, i16[D][D] or i8[D][D] w, zero padding to 4 }
 */
import { MAX_KNOTS, speedSectionSize, W_MAX, WEIGHT_FORMAT_CODE, type NodeSpeedDetector, type SpeedBlock, type SpeedWeightFormat } from '../detect/speedNode';

const MAGIC = [0x56, 0x53, 0x50, 0x44]; // "VSPD"

export function writeSpeedSection(m: NodeSpeedDetector, out: Uint8Array, offset: number, fail: (what: string) => never): number {
  const D = m.dim;
  const K = m.knots.length;
  const J = Math.max(1, K - 1);
  if (K < 1 || K > MAX_KNOTS) fail(`${K} trained speeds (1..${MAX_KNOTS})`);
  if (m.blocks.length !== J) fail(`${m.blocks.length} speed blocks for ${K} speeds`);
  if (!(m.threshold > 0) || !Number.isFinite(m.threshold)) fail(`speed threshold ${m.threshold} is not a positive number`);
  if (!(m.weights in W_MAX)) fail(`speed weight format ${String(m.weights)} (i16 or i8)`);
  const i8 = m.weights === 'i8';
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC, offset);
  v.setUint16(offset + 4, D, true);
  v.setUint8(offset + 6, K);
  v.setUint8(offset + 7, WEIGHT_FORMAT_CODE[m.weights]);
  v.setFloat32(offset + 8, m.smoothing, true);
  v.setUint16(offset + 12, m.warmup, true);
  v.setFloat32(offset + 16, m.spanTolerance, true);
  v.setFloat32(offset + 20, m.interpolationScale, true);
  v.setFloat32(offset + 24, m.threshold, true);
  let p = offset + 32;
  for (let i = 0; i < D; i++, p += 4) v.setFloat32(p, m.inMul[i], true);
  for (const k of m.knots) {
    v.setFloat32(p, k.rpm, true);
    p += 4;
    for (let i = 0; i < D; i++, p += 4) v.setFloat32(p, k.mean[i], true);
  }
  for (const b of m.blocks) {
    for (let i = 0; i < D; i++, p += 4) v.setFloat32(p, b.rowScale[i], true);
    for (let i = 0; i < D; i++, p += 4) v.setFloat32(p, b.lambda[i], true);
    if (b.w.length !== D * D || (i8 ? !(b.w instanceof Int8Array) : !(b.w instanceof Int16Array))) fail(`speed block weights are not ${D} x ${D} ${m.weights}`);
    if (i8) for (let i = 0; i < D * D; i++, p += 1) v.setInt8(p, b.w[i]);
    else for (let i = 0; i < D * D; i++, p += 2) v.setInt16(p, b.w[i], true);
    for (; p & 3; p++) out[p] = 0;
  }
  const size = p - offset;
  if (size !== speedSectionSize(D, K, m.weights)) fail('speed section size mismatch');
  return size;
}

const finite = (x: number) => Number.isFinite(x);

/** Reads and checks the section at [offset, end); `bad` throws the reader's plain-words error. */
export function readSpeedSection(b: Uint8Array, offset: number, end: number, inputDim: number, bad: (what: string) => never): NodeSpeedDetector {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (end - offset < 32) bad('the speed section is too short');
  for (let i = 0; i < 4; i++) if (b[offset + i] !== MAGIC[i]) bad('the speed section does not start with VSPD');
  const D = v.getUint16(offset + 4, true);
  const K = v.getUint8(offset + 6);
  const code = v.getUint8(offset + 7);
  const weights = (Object.keys(WEIGHT_FORMAT_CODE) as SpeedWeightFormat[]).find((f) => WEIGHT_FORMAT_CODE[f] === code);
  if (!weights) bad(`the speed section's weight format ${code} is unknown (0 = int16, 1 = int8)`);
  const i8 = weights === 'i8';
  const wMax = W_MAX[weights];
  if (D !== inputDim) bad(`the speed section is for ${D} features, the model has ${inputDim}`);
  if (K < 1 || K > MAX_KNOTS) bad(`the speed section has ${K} trained speeds (1..${MAX_KNOTS})`);
  if (end - offset !== speedSectionSize(D, K, weights)) bad(`the speed section is ${end - offset} bytes, ${speedSectionSize(D, K, weights)} expected for ${K} speeds x ${D} features (${weights} weights)`);
  if (v.getUint16(offset + 14, true) !== 0 || v.getUint32(offset + 28, true) !== 0) bad('speed section reserved bytes are not zero');
  const smoothing = v.getFloat32(offset + 8, true);
  const warmup = v.getUint16(offset + 12, true);
  const spanTolerance = v.getFloat32(offset + 16, true);
  const interpolationScale = v.getFloat32(offset + 20, true);
  const threshold = v.getFloat32(offset + 24, true);
  if (!(smoothing > 0 && smoothing <= 1)) bad(`speed smoothing ${smoothing} outside (0, 1]`);
  if (!(spanTolerance >= 0 && finite(spanTolerance))) bad(`span tolerance ${spanTolerance} is not a number >= 0`);
  if (!(interpolationScale >= 0 && finite(interpolationScale))) bad(`interpolation scale ${interpolationScale} is not a number >= 0`);
  if (!(threshold > 0 && finite(threshold))) bad(`speed threshold ${threshold} is not a positive number`);
  let p = offset + 32;
  const inMul = new Float32Array(D);
  for (let i = 0; i < D; i++, p += 4) {
    inMul[i] = v.getFloat32(p, true);
    if (!(inMul[i] > 0 && finite(inMul[i]))) bad(`speed feature ${i} has a multiplier that is not a positive number`);
  }
  const knots: NodeSpeedDetector['knots'] = [];
  for (let k = 0; k < K; k++) {
    const rpm = v.getFloat32(p, true);
    p += 4;
    if (!(rpm > 0 && finite(rpm))) bad(`trained speed ${k} (${rpm} rpm) is not a positive number`);
    if (k > 0 && !(rpm > knots[k - 1].rpm)) bad('the trained speeds are not in increasing order');
    const mean = new Float32Array(D);
    for (let i = 0; i < D; i++, p += 4) {
      mean[i] = v.getFloat32(p, true);
      if (!finite(mean[i])) bad(`trained speed ${k} has a mean that is not a finite number`);
    }
    knots.push({ rpm, mean });
  }
  const blocks: SpeedBlock[] = [];
  for (let j = 0; j < Math.max(1, K - 1); j++) {
    const rowScale = new Float32Array(D);
    const lambda = new Float32Array(D);
    const w = i8 ? new Int8Array(D * D) : new Int16Array(D * D);
    for (let i = 0; i < D; i++, p += 4) {
      rowScale[i] = v.getFloat32(p, true);
      if (!(rowScale[i] > 0 && finite(rowScale[i]))) bad(`speed block ${j} row ${i} has a scale that is not a positive number`);
    }
    for (let i = 0; i < D; i++, p += 4) {
      lambda[i] = v.getFloat32(p, true);
      if (!(lambda[i] >= 0 && finite(lambda[i]))) bad(`speed block ${j} eigenvalue ${i} is not a number >= 0`);
    }
    for (let i = 0; i < D * D; i++, p += i8 ? 1 : 2) {
      w[i] = i8 ? v.getInt8(p) : v.getInt16(p, true);
      if (w[i] < -wMax) bad(`speed block ${j} holds the weight ${w[i]} (weights are -${wMax}..${wMax})`);
    }
    for (; p & 3; p++) if (b[p] !== 0) bad('non-zero padding in the speed section');
    blocks.push({ rowScale, lambda, w });
  }
  return { dim: D, weights, smoothing, warmup, spanTolerance, interpolationScale, threshold, inMul, knots, blocks };
}
