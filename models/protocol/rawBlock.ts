/**
 * RAW_BLOCK of protocol 1.1 (docs/protocol.md §3.11): raw samples, decimated and scaled to int16.
 * The C twin is firmware/src/proto/msg.c.
 */
import { PayloadError } from './messages';
import { RAW_DECIMATION_MAX } from './bounds';
import { MAX_PAYLOAD } from './frame';
import { RAW_HEADER_LEN, RAW_FORMAT_I16, view, checkInt, tooShort } from './linkCommon';
// ---------------------------------------------------------------------------------------------
// RAW_BLOCK

export interface RawBlockMessage {
  firstFrame: number;
  axisCount: number;
  /** D, 1 to 64. */
  decimation: number;
  /** RAW_FORMAT_I16 (0). */
  format: number;
  /** g per LSB (f32): range_g / 32768. */
  scaleG: number;
  frameCount: number;
  /** Interleaved int16: x0 y0 z0 x1 ... */
  samples: Int16Array;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Frames of a full block: floor((1024 - 14) / (2 axisCount)): 505, 252 or 168. */
export function rawBlockMaxFrames(axisCount: number): number {
  return Math.floor((MAX_PAYLOAD - RAW_HEADER_LEN) / (2 * axisCount));
}

/** RAW_BLOCK scale for a full scale of ±rangeG g: rangeG / 32768 g per LSB (as float32). */
export function rawScaleG(rangeG: number): number {
  return Math.fround(rangeG / 32768);
}

/**
 * Sample quantisation of section 3.9 in float32 as the node computes it:
 * floor(m / scale_g + 0.5) clamped to -32768 .. 32767.
 */
export function quantizeRawSample(m: number, scaleG: number): number {
  const q = Math.floor(Math.fround(Math.fround(Math.fround(m) / Math.fround(scaleG)) + 0.5));
  if (!(q > -32768)) return Number.isNaN(q) ? 0 : -32768;
  return q > 32767 ? 32767 : q;
}

export function encodeRawBlock(b: { firstFrame: number; axisCount: number; decimation: number; scaleG: number; samples: ArrayLike<number> }): Uint8Array {
  checkInt('RAW_BLOCK axis_count', b.axisCount, 1, 3);
  checkInt('RAW_BLOCK decimation', b.decimation, 1, RAW_DECIMATION_MAX);
  checkInt('RAW_BLOCK first_frame', b.firstFrame, 0, 0xffffffff);
  if (b.samples.length % b.axisCount !== 0) throw new PayloadError('RAW_BLOCK needs whole frames');
  const frames = b.samples.length / b.axisCount;
  if (frames > rawBlockMaxFrames(b.axisCount)) throw new PayloadError(`RAW_BLOCK carries at most ${rawBlockMaxFrames(b.axisCount)} frames of ${b.axisCount} axes`);
  const p = new Uint8Array(RAW_HEADER_LEN + 2 * b.samples.length);
  const dv = view(p);
  dv.setUint32(0, b.firstFrame, true);
  p[4] = b.axisCount;
  p[5] = b.decimation;
  p[6] = RAW_FORMAT_I16;
  p[7] = 0;
  dv.setFloat32(8, b.scaleG, true);
  dv.setUint16(12, frames, true);
  for (let i = 0; i < b.samples.length; i++) {
    const s = b.samples[i];
    if (!Number.isInteger(s) || s < -32768 || s > 32767) throw new PayloadError(`RAW_BLOCK sample ${s} is not an int16`);
    dv.setInt16(RAW_HEADER_LEN + 2 * i, s, true);
  }
  return p;
}

/** Axis count outside 1 to 3, decimation outside 1 to 64 or format other than 0 are a PayloadError. */
export function decodeRawBlock(p: Uint8Array): RawBlockMessage {
  if (p.length < RAW_HEADER_LEN) tooShort('RAW_BLOCK', p.length, RAW_HEADER_LEN);
  const dv = view(p);
  const axisCount = p[4];
  const decimation = p[5];
  const format = p[6];
  if (axisCount < 1 || axisCount > 3) throw new PayloadError(`RAW_BLOCK axis count ${axisCount} is not 1 to 3`);
  if (decimation < 1 || decimation > RAW_DECIMATION_MAX) throw new PayloadError(`RAW_BLOCK decimation ${decimation} is not 1 to ${RAW_DECIMATION_MAX}`);
  if (format !== RAW_FORMAT_I16) throw new PayloadError(`RAW_BLOCK format ${format} is unknown`);
  const frameCount = dv.getUint16(12, true);
  const n = axisCount * frameCount;
  if (p.length < RAW_HEADER_LEN + 2 * n) throw new PayloadError(`RAW_BLOCK payload is ${p.length} bytes, ${RAW_HEADER_LEN + 2 * n} expected`);
  let samples: Int16Array;
  if (LITTLE_ENDIAN) {
    // One copy of the sample bytes (ArrayBuffer.slice) instead of a DataView read per sample.
    const at = p.byteOffset + RAW_HEADER_LEN;
    samples = new Int16Array(p.buffer.slice(at, at + 2 * n));
  } else {
    samples = new Int16Array(n);
    for (let i = 0; i < n; i++) samples[i] = dv.getInt16(RAW_HEADER_LEN + 2 * i, true);
  }
  return { firstFrame: dv.getUint32(0, true), axisCount, decimation, format, scaleG: dv.getFloat32(8, true), frameCount, samples };
}

