/**
 * Message payloads of protocol version 1: HELLO_REQ, HELLO, FEATURES.
 * Spec: docs/protocol.md section 3. The C twin is firmware/src/proto/msg.c.
 *
 * Decoders follow the extension rule: they read the fields they know, ignore trailing bytes, and
 * throw PayloadError (never anything else) when a payload is shorter than its known minimum.
 */

import { utf8Decode, utf8Encode } from './utf8';

export const MSG_HELLO_REQ = 0x01;
export const MSG_HELLO = 0x02;
export const MSG_FEATURES = 0x10;

export const BOARD_NAMES = ['host', 'qemu', 'stm32f405'] as const;
export type BoardName = (typeof BOARD_NAMES)[number] | 'unknown';

export const HELLO_MIN_LEN = 28;
export const HELLO_MAX_NAME = 32;
export const HELLO_MAX_CHANNELS = 64;
export const FEATURES_HEADER_LEN = 18;
/** Names of the per-axis FEATURES fields this decoder knows, in wire order. */
export const FEATURE_FIELDS = ['rms'] as const;

export class PayloadError extends Error {}

export interface Hello {
  protocolVersion: number;
  firmware: { major: number; minor: number; patch: number };
  /** 12 bytes. */
  uid: Uint8Array;
  board: number;
  axisCount: number;
  windowLen: number;
  hop: number;
  sampleRateHz: number;
  name: string;
  /** One name per axis (may be empty when the node sent none). */
  channels: string[];
}

export interface Features {
  windowIndex: number;
  /** Microseconds; a Number is exact up to 2^53 us (285 years of uptime). */
  tUs: number;
  shaftHz: number;
  axisCount: number;
  fieldsPerAxis: number;
  /** rms[axis], in g. */
  rms: number[];
}


export function boardName(board: number): BoardName {
  return BOARD_NAMES[board] ?? 'unknown';
}

export function uidHex(uid: Uint8Array): string {
  let s = '';
  for (const b of uid) s += b.toString(16).padStart(2, '0');
  return s;
}

export function decodeHello(p: Uint8Array): Hello {
  if (p.length < HELLO_MIN_LEN) throw new PayloadError(`HELLO payload is ${p.length} bytes, shorter than ${HELLO_MIN_LEN}`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const nameLen = p[26];
  if (nameLen > HELLO_MAX_NAME) throw new PayloadError(`HELLO name length ${nameLen} exceeds ${HELLO_MAX_NAME}`);
  const chanLenAt = 27 + nameLen;
  if (p.length < chanLenAt + 1) throw new PayloadError('HELLO payload ends inside the node name');
  const chanLen = p[chanLenAt];
  if (chanLen > HELLO_MAX_CHANNELS) throw new PayloadError(`HELLO channel list length ${chanLen} exceeds ${HELLO_MAX_CHANNELS}`);
  if (p.length < chanLenAt + 1 + chanLen) throw new PayloadError('HELLO payload ends inside the channel list');
  const axisCount = p[17];
  if (axisCount < 1 || axisCount > 3) throw new PayloadError(`HELLO axis count ${axisCount} is not 1 to 3`);
  const channelsText = utf8Decode(p.subarray(chanLenAt + 1, chanLenAt + 1 + chanLen));
  return {
    protocolVersion: p[0],
    firmware: { major: p[1], minor: p[2], patch: p[3] },
    uid: p.slice(4, 16),
    board: p[16],
    axisCount,
    windowLen: dv.getUint16(18, true),
    hop: dv.getUint16(20, true),
    sampleRateHz: dv.getUint32(22, true),
    name: utf8Decode(p.subarray(27, 27 + nameLen)),
    channels: channelsText.length === 0 ? [] : channelsText.split(','),
  };
}

export function encodeHello(h: Omit<Hello, 'channels'> & { channels: string[] }): Uint8Array {
  const name = utf8Encode(h.name);
  const channels = utf8Encode(h.channels.join(','));
  if (name.length > HELLO_MAX_NAME) throw new PayloadError(`node name is ${name.length} bytes, more than ${HELLO_MAX_NAME}`);
  if (channels.length > HELLO_MAX_CHANNELS) throw new PayloadError(`channel list is ${channels.length} bytes, more than ${HELLO_MAX_CHANNELS}`);
  if (h.uid.length !== 12) throw new PayloadError('node uid must be 12 bytes');
  const p = new Uint8Array(HELLO_MIN_LEN + name.length + channels.length);
  const dv = new DataView(p.buffer);
  p[0] = h.protocolVersion;
  p[1] = h.firmware.major;
  p[2] = h.firmware.minor;
  p[3] = h.firmware.patch;
  p.set(h.uid, 4);
  p[16] = h.board;
  p[17] = h.axisCount;
  dv.setUint16(18, h.windowLen, true);
  dv.setUint16(20, h.hop, true);
  dv.setUint32(22, h.sampleRateHz, true);
  p[26] = name.length;
  p.set(name, 27);
  p[27 + name.length] = channels.length;
  p.set(channels, 28 + name.length);
  return p;
}

export function decodeFeatures(p: Uint8Array): Features {
  if (p.length < FEATURES_HEADER_LEN) {
    throw new PayloadError(`FEATURES payload is ${p.length} bytes, shorter than ${FEATURES_HEADER_LEN}`);
  }
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const axisCount = p[16];
  const fieldsPerAxis = p[17];
  if (axisCount < 1 || axisCount > 3) throw new PayloadError(`FEATURES axis count ${axisCount} is not 1 to 3`);
  if (fieldsPerAxis < 1) throw new PayloadError('FEATURES carries no field per axis');
  const need = FEATURES_HEADER_LEN + 4 * axisCount * fieldsPerAxis;
  if (p.length < need) throw new PayloadError(`FEATURES payload is ${p.length} bytes, ${need} expected`);
  const rms = new Array<number>(axisCount);
  for (let a = 0; a < axisCount; a++) rms[a] = dv.getFloat32(FEATURES_HEADER_LEN + 4 * a * fieldsPerAxis, true);
  const lo = dv.getUint32(4, true);
  const hi = dv.getUint32(8, true);
  return {
    windowIndex: dv.getUint32(0, true),
    tUs: hi * 4294967296 + lo,
    shaftHz: dv.getFloat32(12, true),
    axisCount,
    fieldsPerAxis,
    rms,
  };
}

/** Encodes FEATURES with `values[axis][field]` (every axis the same number of fields). */
export function encodeFeatures(f: { windowIndex: number; tUs: number; shaftHz: number; values: number[][] }): Uint8Array {
  const axisCount = f.values.length;
  const fields = axisCount > 0 ? f.values[0].length : 0;
  if (axisCount < 1 || axisCount > 3) throw new PayloadError('FEATURES needs 1 to 3 axes');
  if (fields < 1 || f.values.some((v) => v.length !== fields)) throw new PayloadError('FEATURES needs the same field count (>= 1) on every axis');
  const p = new Uint8Array(FEATURES_HEADER_LEN + 4 * axisCount * fields);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, f.windowIndex >>> 0, true);
  dv.setUint32(4, f.tUs % 4294967296, true);
  dv.setUint32(8, Math.floor(f.tUs / 4294967296), true);
  dv.setFloat32(12, f.shaftHz, true);
  p[16] = axisCount;
  p[17] = fields;
  for (let a = 0; a < axisCount; a++) {
    for (let k = 0; k < fields; k++) dv.setFloat32(FEATURES_HEADER_LEN + 4 * (a * fields + k), f.values[a][k], true);
  }
  return p;
}
