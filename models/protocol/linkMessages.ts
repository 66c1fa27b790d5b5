/**
 * The protocol 1.1 messages of the link: PAIR, ACK/NACK, PING/PONG, CONFIG_GET/CONFIG/CONFIG_SET,
 * STREAM, TIME_REQ/TIME, SECURE, RAW_BLOCK, LOG (HELLO and its INFO block are in messages.ts).
 * Spec: docs/protocol.md sections 3.5 to 3.13. The C twin is firmware/src/proto/.
 *
 * Decoders follow the extension rule (read the known fields, ignore trailing bytes) and throw
 * PayloadError, and nothing else, for a payload shorter than its minimum or a value the spec calls
 * invalid. Where the spec has a node answer OUT_OF_RANGE (STREAM, CONFIG_SET values), the error is
 * a PayloadRangeError carrying that NACK reason and detail; every other PayloadError is BAD_PAYLOAD.
 */
import { equalBytes, hmacSha256, sha256 } from '../crypto/sha256';
import {
  decodeEvent,
  decodeFeatures,
  decodeHello,
  decodeSamplesIn,
  MSG_EVENT,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  MSG_SAMPLES_IN,
  PayloadError,
  type AnomalyEvent,
  type Features,
  type Hello,
  type SamplesIn,
} from './messages';
import { CONFIG_NAME_MAX, HOP_MAX, isRangeG, isShaftHz, RAW_DECIMATION_MAX } from './bounds';
import { MAX_PAYLOAD } from './frame';
import { utf8Decode, utf8Encode } from './utf8';

// ---- Message types (section 3) ----
export const MSG_PAIR = 0x03;
export const MSG_ACK = 0x04;
export const MSG_NACK = 0x05;
export const MSG_PING = 0x06;
export const MSG_PONG = 0x07;
export const MSG_CONFIG_GET = 0x08;
export const MSG_CONFIG = 0x09;
export const MSG_CONFIG_SET = 0x0a;
export const MSG_STREAM = 0x0b;
export const MSG_TIME_REQ = 0x0c;
export const MSG_TIME = 0x0d;
export const MSG_SECURE = 0x0e;
export const MSG_RAW_BLOCK = 0x12;
export const MSG_LOG = 0x14;

/** The node's protocol minor version this codec speaks (HELLO INFO protocol_minor). */
export const PROTOCOL_MINOR = 2;

// ---- Capabilities (HELLO INFO, section 3.1) ----
export const CAP_PAIR = 1 << 0;
export const CAP_CONFIG = 1 << 1;
export const CAP_STREAM = 1 << 2;
export const CAP_RAW_BLOCK = 1 << 3;
export const CAP_TIME = 1 << 4;
export const CAP_PING = 1 << 5;
export const CAP_LOG = 1 << 6;
export const CAP_SAMPLES_IN = 1 << 7;
export const CAP_SECURE = 1 << 8;
export const CAP_BLE = 1 << 9;
export const CAP_MODEL_UPDATE = 1 << 10;

// ---- ACK / NACK (section 3.5) ----
export const NACK_UNKNOWN_TYPE = 1;
export const NACK_BAD_PAYLOAD = 2;
export const NACK_OUT_OF_RANGE = 3;
export const NACK_READ_ONLY = 4;
export const NACK_UNKNOWN_KEY = 5;
export const NACK_NOT_PAIRED = 6;
export const NACK_AUTH_REQUIRED = 7;
export const NACK_AUTH_FAILED = 8;
export const NACK_REPLAY = 9;
export const NACK_WIRED_ONLY = 10;
export const NACK_STORAGE = 11;
export const NACK_UNSUPPORTED = 12;
export const ACK_LEN = 1;
export const NACK_LEN = 4;

/** Spec names of the NACK reasons, by number. */
export const NACK_NAMES: Readonly<Record<number, string>> = {
  [NACK_UNKNOWN_TYPE]: 'UNKNOWN_TYPE',
  [NACK_BAD_PAYLOAD]: 'BAD_PAYLOAD',
  [NACK_OUT_OF_RANGE]: 'OUT_OF_RANGE',
  [NACK_READ_ONLY]: 'READ_ONLY',
  [NACK_UNKNOWN_KEY]: 'UNKNOWN_KEY',
  [NACK_NOT_PAIRED]: 'NOT_PAIRED',
  [NACK_AUTH_REQUIRED]: 'AUTH_REQUIRED',
  [NACK_AUTH_FAILED]: 'AUTH_FAILED',
  [NACK_REPLAY]: 'REPLAY',
  [NACK_WIRED_ONLY]: 'WIRED_ONLY',
  [NACK_STORAGE]: 'STORAGE',
  [NACK_UNSUPPORTED]: 'UNSUPPORTED',
};

// ---- CONFIG keys (section 3.7) ----
export const CONFIG_KEY_NAME = 1;
export const CONFIG_KEY_RANGE_G = 2;
export const CONFIG_KEY_HOP = 3;
export const CONFIG_KEY_SHAFT_HZ = 4;
export const CONFIG_KEY_SEND_BANDS = 5;
export const CONFIG_KEY_AXIS_COUNT = 6;
export const CONFIG_KEY_WINDOW_LEN = 7;
export const CONFIG_KEY_SAMPLE_RATE_HZ = 8;

/** Every key of section 3.7: spec name, value size in bytes (0: 1 to 32, the name), writable. */
export const CONFIG_KEYS: Readonly<Record<number, { name: string; size: number; writable: boolean }>> = {
  [CONFIG_KEY_NAME]: { name: 'name', size: 0, writable: true },
  [CONFIG_KEY_RANGE_G]: { name: 'range_g', size: 1, writable: true },
  [CONFIG_KEY_HOP]: { name: 'hop', size: 2, writable: true },
  [CONFIG_KEY_SHAFT_HZ]: { name: 'shaft_hz', size: 4, writable: true },
  [CONFIG_KEY_SEND_BANDS]: { name: 'send_bands', size: 1, writable: true },
  [CONFIG_KEY_AXIS_COUNT]: { name: 'axis_count', size: 1, writable: false },
  [CONFIG_KEY_WINDOW_LEN]: { name: 'window_len', size: 2, writable: false },
  [CONFIG_KEY_SAMPLE_RATE_HZ]: { name: 'sample_rate_hz', size: 4, writable: false },
};

// ---- STREAM (section 3.8) ----
export const STREAM_FEATURES = 1;
export const STREAM_RAW = 2;
export const STREAM_LEN = 2;

// ---- PAIR (3.6), TIME (3.10), PING (3.11), LOG (3.12), SECURE (3.13), RAW_BLOCK (3.9) ----
export const PAIR_KEY_LEN = 32;
export const PAIR_MIN_LEN = 33;
export const TIME_REQ_LEN = 8;
export const TIME_LEN = 24;
export const PING_MAX = 64;
export const LOG_HEADER_LEN = 4;
export const LOG_TEXT_MAX = 96;
export const LOG_DEBUG = 0;
export const LOG_INFO = 1;
export const LOG_WARNING = 2;
export const LOG_ERROR = 3;
export const LOG_CODE_BOOT = 1;
export const LOG_CODE_PAIRED = 2;
export const LOG_CODE_UNPAIRED = 3;
export const LOG_CODE_CONFIG_CHANGED = 4;
export const LOG_CODE_AUTH_FAILURE = 5;
export const LOG_CODE_STREAM_CHANGED = 6;
export const LOG_CODE_FRAMES_DROPPED = 7;
export const LOG_CODE_MODEL_LOADED = 8;
export const LOG_CODE_MODEL_REFUSED = 9;
export const SECURE_KEY_LEN = 32;
export const SECURE_NONCE_LEN = 8;
export const SECURE_TAG_LEN = 16;
export const SECURE_HEADER_LEN = 5;
export const SECURE_MIN_LEN = SECURE_HEADER_LEN + SECURE_TAG_LEN; // 21
/** The 6 ASCII bytes that begin every SECURE MAC input: "VGSEC1". */
export const SECURE_DOMAIN: Uint8Array = Uint8Array.of(0x56, 0x47, 0x53, 0x45, 0x43, 0x31);
export const RAW_HEADER_LEN = 14;
export const RAW_FORMAT_I16 = 0;

/** A value the spec calls out of range: the node answers NACK `reason` with `detail`. */
export class PayloadRangeError extends PayloadError {
  constructor(
    message: string,
    readonly reason: number,
    readonly detail: number,
  ) {
    super(message);
  }
}

const view = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset, p.byteLength);
const u64At = (dv: DataView, o: number) => dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
function setU64(dv: DataView, o: number, v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new PayloadError(`${what} ${v} is not an integer from 0 to 2^53 - 1`);
  dv.setUint32(o, v % 4294967296, true);
  dv.setUint32(o + 4, Math.floor(v / 4294967296), true);
}
function checkInt(what: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new PayloadError(`${what} ${v} is not an integer from ${lo} to ${hi}`);
}
function tooShort(name: string, len: number, min: number): never {
  throw new PayloadError(`${name} payload is ${len} bytes, shorter than ${min}`);
}

// ---------------------------------------------------------------------------------------------
// ACK / NACK

export interface Ack {
  /** The type of the accepted request (the inner type for SECURE). */
  reqType: number;
}
export interface Nack {
  /** The type of the refused request (the inner type for SECURE, or 0x0E for the wrapper). */
  reqType: number;
  /** NACK_* */
  reason: number;
  /** The CONFIG key for reasons 3 to 5, otherwise 0 (u16). */
  detail: number;
}

export function encodeAck(reqType: number): Uint8Array {
  checkInt('ACK req_type', reqType, 0, 0xff);
  return Uint8Array.of(reqType);
}
export function decodeAck(p: Uint8Array): Ack {
  if (p.length < ACK_LEN) tooShort('ACK', p.length, ACK_LEN);
  return { reqType: p[0] };
}

export function encodeNack(n: Nack): Uint8Array {
  checkInt('NACK req_type', n.reqType, 0, 0xff);
  checkInt('NACK reason', n.reason, 0, 0xff);
  checkInt('NACK detail', n.detail, 0, 0xffff);
  return Uint8Array.of(n.reqType, n.reason, n.detail & 0xff, n.detail >> 8);
}
export function decodeNack(p: Uint8Array): Nack {
  if (p.length < NACK_LEN) tooShort('NACK', p.length, NACK_LEN);
  return { reqType: p[0], reason: p[1], detail: p[2] | (p[3] << 8) };
}

function configKeyWords(key: number): string {
  const k = CONFIG_KEYS[key];
  return k ? `setting "${k.name}" (key ${key})` : `setting key ${key}`;
}

/** The plain-words sentence of the spec's NACK table, for the technician. */
export function nackReasonText(reason: number, detail = 0): string {
  switch (reason) {
    case NACK_UNKNOWN_TYPE:
      return 'The node does not handle this request: its firmware is older than this app.';
    case NACK_BAD_PAYLOAD:
      return 'The node could not read the request (its contents did not decode).';
    case NACK_OUT_OF_RANGE:
      return detail === 0 ? 'A value is outside its allowed range.' : `The value of the ${configKeyWords(detail)} is outside its allowed range.`;
    case NACK_READ_ONLY:
      return `The ${configKeyWords(detail)} cannot be changed: it is read only.`;
    case NACK_UNKNOWN_KEY:
      return `The node has no ${configKeyWords(detail)}.`;
    case NACK_NOT_PAIRED:
      return 'The node is not paired: pair it over the cable first.';
    case NACK_AUTH_REQUIRED:
      return 'Over Bluetooth LE this command must be authenticated with the pairing key.';
    case NACK_AUTH_FAILED:
      return 'The node refused the command: it was not signed with the key the node is paired with.';
    case NACK_REPLAY:
      return 'The node refused the command as a replay (its counter was not above the last one accepted).';
    case NACK_WIRED_ONLY:
      return 'Pairing is accepted over the cable only.';
    case NACK_STORAGE:
      return 'The node could not store the change; it is in effect until the node restarts.';
    case NACK_UNSUPPORTED:
      return 'The node cannot do this (not on this link, or not with its hardware).';
    default:
      return `The node refused the request (reason ${reason}${detail ? `, detail ${detail}` : ''}).`;
  }
}

// ---------------------------------------------------------------------------------------------
// PAIR

export interface Pair {
  /** 32 bytes; all zero means unpair. */
  key: Uint8Array;
  /** The node's new name; empty keeps the current name. */
  name: string;
}

export function encodePair(m: Pair): Uint8Array {
  if (m.key.length !== PAIR_KEY_LEN) throw new PayloadError(`PAIR key must be ${PAIR_KEY_LEN} bytes`);
  const name = utf8Encode(m.name);
  if (name.length > CONFIG_NAME_MAX) throw new PayloadError(`PAIR name is ${name.length} bytes, more than ${CONFIG_NAME_MAX}`);
  const p = new Uint8Array(PAIR_MIN_LEN + name.length);
  p.set(m.key, 0);
  p[32] = name.length;
  p.set(name, 33);
  return p;
}
export function decodePair(p: Uint8Array): Pair {
  if (p.length < PAIR_MIN_LEN) tooShort('PAIR', p.length, PAIR_MIN_LEN);
  const n = p[32];
  if (n > CONFIG_NAME_MAX) throw new PayloadError(`PAIR name length ${n} exceeds ${CONFIG_NAME_MAX}`);
  if (p.length < PAIR_MIN_LEN + n) throw new PayloadError('PAIR payload ends inside the name');
  return { key: p.slice(0, PAIR_KEY_LEN), name: utf8Decode(p.subarray(33, 33 + n)) };
}
/** True for the all-zero key of an unpair request. */
export function isUnpairKey(key: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < key.length; i++) acc |= key[i];
  return acc === 0;
}
/** key_id of HELLO INFO: the first 4 bytes of SHA-256(key). */
export function keyId(key: Uint8Array): Uint8Array {
  return sha256(key).slice(0, 4);
}

// ---------------------------------------------------------------------------------------------
// PING / PONG: 0 to 64 bytes of any content, echoed.

export function encodePing(data: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (data.length > PING_MAX) throw new PayloadError(`PING carries at most ${PING_MAX} bytes, not ${data.length}`);
  return data.slice();
}
export function decodePing(p: Uint8Array): Uint8Array {
  if (p.length > PING_MAX) throw new PayloadError(`PING payload is ${p.length} bytes, more than ${PING_MAX}`);
  return p.slice();
}
export const encodePong = encodePing;
export const decodePong = decodePing;

// ---------------------------------------------------------------------------------------------
// CONFIG / CONFIG_SET

export interface ConfigEntry {
  key: number;
  value: Uint8Array;
}
/** The writable settings, by name (configToEntries). */
export interface ConfigChanges {
  name?: string;
  rangeG?: number;
  hop?: number;
  shaftHz?: number;
  sendBands?: boolean;
}
/** Every known setting, by name; the keys the payload lacked are absent. */
export interface ConfigValues extends ConfigChanges {
  axisCount?: number;
  windowLen?: number;
  sampleRateHz?: number;
}

export function encodeConfigEntries(entries: ConfigEntry[]): Uint8Array {
  if (entries.length > 0xff) throw new PayloadError('CONFIG carries at most 255 entries');
  let n = 1;
  for (const e of entries) {
    checkInt('CONFIG key', e.key, 0, 0xff);
    if (e.value.length > 0xff) throw new PayloadError(`CONFIG value of key ${e.key} is longer than 255 bytes`);
    n += 2 + e.value.length;
  }
  if (n > MAX_PAYLOAD) throw new PayloadError(`CONFIG payload would be ${n} bytes, more than ${MAX_PAYLOAD}`);
  const p = new Uint8Array(n);
  p[0] = entries.length;
  let o = 1;
  for (const e of entries) {
    p[o] = e.key;
    p[o + 1] = e.value.length;
    p.set(e.value, o + 2);
    o += 2 + e.value.length;
  }
  return p;
}

/**
 * Decodes CONFIG / CONFIG_SET entries. A payload that ends inside an entry, a repeated key, or a
 * known key whose `len` is not its size (1 to 32 for the name) is a PayloadError (BAD_PAYLOAD).
 * Unknown keys are kept (a newer node's CONFIG may carry them); values are not range-checked here.
 */
export function decodeConfigEntries(p: Uint8Array): ConfigEntry[] {
  if (p.length < 1) tooShort('CONFIG', p.length, 1);
  const count = p[0];
  const out: ConfigEntry[] = [];
  const seen = new Set<number>();
  let o = 1;
  for (let i = 0; i < count; i++) {
    if (o + 2 > p.length) throw new PayloadError(`CONFIG ends inside entry ${i + 1} of ${count}`);
    const key = p[o];
    const len = p[o + 1];
    if (o + 2 + len > p.length) throw new PayloadError(`CONFIG value of key ${key} overruns the payload`);
    if (seen.has(key)) throw new PayloadError(`CONFIG key ${key} appears twice`);
    seen.add(key);
    const k = CONFIG_KEYS[key];
    if (k && (k.size === 0 ? len < 1 || len > CONFIG_NAME_MAX : len !== k.size)) {
      throw new PayloadError(`CONFIG value of key ${key} (${k.name}) is ${len} bytes, ${k.size === 0 ? `1 to ${CONFIG_NAME_MAX}` : k.size} expected`);
    }
    out.push({ key, value: p.slice(o + 2, o + 2 + len) });
    o += 2 + len;
  }
  return out;
}

const outOfRange = (key: number, what: string): never => {
  throw new PayloadRangeError(`${what} is out of range`, NACK_OUT_OF_RANGE, key);
};

function checkValue(key: number, v: number | string, windowLen?: number): void {
  switch (key) {
    case CONFIG_KEY_NAME: {
      const n = utf8Encode(v as string).length;
      if (n < 1 || n > CONFIG_NAME_MAX) throw new PayloadError(`the node name must be 1 to ${CONFIG_NAME_MAX} bytes of UTF-8, not ${n}`);
      return;
    }
    case CONFIG_KEY_RANGE_G:
      if (!isRangeG(v)) outOfRange(key, `range_g ${v} (2, 4, 8 or 16)`);
      return;
    case CONFIG_KEY_HOP:
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > HOP_MAX || (windowLen !== undefined && (v as number) > windowLen)) {
        outOfRange(key, `hop ${v} (1 to ${windowLen ?? 'window_len'})`);
      }
      return;
    case CONFIG_KEY_SHAFT_HZ: {
      if (!isShaftHz(v as number)) outOfRange(key, `shaft_hz ${v} (0, or 0.1 to 1000 Hz)`);
      return;
    }
    case CONFIG_KEY_SEND_BANDS:
      if (v !== 0 && v !== 1) outOfRange(key, `send_bands ${v} (0 or 1)`);
      return;
  }
}

/** Entries for a CONFIG_SET, in key order; throws PayloadError for a value out of its range. */
export function configToEntries(changes: ConfigChanges): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  if (changes.name !== undefined) {
    checkValue(CONFIG_KEY_NAME, changes.name);
    out.push({ key: CONFIG_KEY_NAME, value: utf8Encode(changes.name) });
  }
  if (changes.rangeG !== undefined) {
    checkValue(CONFIG_KEY_RANGE_G, changes.rangeG);
    out.push({ key: CONFIG_KEY_RANGE_G, value: Uint8Array.of(changes.rangeG) });
  }
  if (changes.hop !== undefined) {
    checkValue(CONFIG_KEY_HOP, changes.hop);
    out.push({ key: CONFIG_KEY_HOP, value: Uint8Array.of(changes.hop & 0xff, changes.hop >> 8) });
  }
  if (changes.shaftHz !== undefined) {
    checkValue(CONFIG_KEY_SHAFT_HZ, changes.shaftHz);
    const v = new Uint8Array(4);
    view(v).setFloat32(0, changes.shaftHz, true);
    out.push({ key: CONFIG_KEY_SHAFT_HZ, value: v });
  }
  if (changes.sendBands !== undefined) out.push({ key: CONFIG_KEY_SEND_BANDS, value: Uint8Array.of(changes.sendBands ? 1 : 0) });
  return out;
}

/** Reads a known key's value (its length already checked by decodeConfigEntries). */
function entryValue(e: ConfigEntry): number | string {
  const dv = view(e.value);
  switch (e.key) {
    case CONFIG_KEY_NAME:
      return utf8Decode(e.value);
    case CONFIG_KEY_HOP:
    case CONFIG_KEY_WINDOW_LEN:
      return dv.getUint16(0, true);
    case CONFIG_KEY_SHAFT_HZ:
      return dv.getFloat32(0, true);
    case CONFIG_KEY_SAMPLE_RATE_HZ:
      return dv.getUint32(0, true);
    default:
      return e.value[0];
  }
}

/**
 * The settings of a CONFIG, by name (partial when keys are missing; unknown keys ignored). A value
 * the spec calls out of range is a PayloadRangeError; a wrong size a PayloadError.
 */
export function entriesToConfig(entries: ConfigEntry[]): ConfigValues {
  const out: ConfigValues = {};
  const wl = entries.find((e) => e.key === CONFIG_KEY_WINDOW_LEN);
  for (const e of entries) {
    const k = CONFIG_KEYS[e.key];
    if (!k) continue;
    if (k.size === 0 ? e.value.length < 1 || e.value.length > CONFIG_NAME_MAX : e.value.length !== k.size) {
      throw new PayloadError(`CONFIG value of key ${e.key} (${k.name}) has the wrong size`);
    }
    const v = entryValue(e);
    checkValue(e.key, v, wl && wl.value.length === 2 ? (entryValue(wl) as number) : undefined);
    switch (e.key) {
      case CONFIG_KEY_NAME:
        out.name = v as string;
        break;
      case CONFIG_KEY_RANGE_G:
        out.rangeG = v as number;
        break;
      case CONFIG_KEY_HOP:
        out.hop = v as number;
        break;
      case CONFIG_KEY_SHAFT_HZ:
        out.shaftHz = v as number;
        break;
      case CONFIG_KEY_SEND_BANDS:
        out.sendBands = v === 1;
        break;
      case CONFIG_KEY_AXIS_COUNT:
        out.axisCount = v as number;
        break;
      case CONFIG_KEY_WINDOW_LEN:
        out.windowLen = v as number;
        break;
      case CONFIG_KEY_SAMPLE_RATE_HZ:
        out.sampleRateHz = v as number;
        break;
    }
  }
  return out;
}

/**
 * How a node answers a CONFIG_SET payload (section 3.7), for virtual nodes and the shared vectors:
 * null when every entry is acceptable, else the NACK. First the payload must decode (BAD_PAYLOAD,
 * detail 0: overrun, repeated key, wrong size); then the first bad entry in payload order decides:
 * UNKNOWN_KEY, READ_ONLY, or OUT_OF_RANGE, with its key as detail.
 */
export function checkConfigSet(p: Uint8Array, windowLen: number): Nack | null {
  let entries: ConfigEntry[];
  try {
    entries = decodeConfigEntries(p);
  } catch {
    return { reqType: MSG_CONFIG_SET, reason: NACK_BAD_PAYLOAD, detail: 0 };
  }
  for (const e of entries) {
    const k = CONFIG_KEYS[e.key];
    if (!k) return { reqType: MSG_CONFIG_SET, reason: NACK_UNKNOWN_KEY, detail: e.key };
    if (!k.writable) return { reqType: MSG_CONFIG_SET, reason: NACK_READ_ONLY, detail: e.key };
    try {
      checkValue(e.key, entryValue(e), windowLen);
    } catch (err) {
      if (err instanceof PayloadRangeError) return { reqType: MSG_CONFIG_SET, reason: err.reason, detail: err.detail };
      return { reqType: MSG_CONFIG_SET, reason: NACK_BAD_PAYLOAD, detail: 0 };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// STREAM

export interface StreamRequest {
  /** Bit 0 (STREAM_FEATURES): FEATURES and EVENT; bit 1 (STREAM_RAW): RAW_BLOCK. */
  mode: number;
  /** D, 1 to 64. */
  rawDecimation: number;
}

export function encodeStream(s: StreamRequest): Uint8Array {
  checkInt('STREAM mode', s.mode, 0, 3);
  checkInt('STREAM raw_decimation', s.rawDecimation, 1, RAW_DECIMATION_MAX);
  return Uint8Array.of(s.mode, s.rawDecimation);
}
/** Mode bits above 1, or a decimation outside 1 to 64, are a PayloadRangeError (OUT_OF_RANGE, detail 0). */
export function decodeStream(p: Uint8Array): StreamRequest {
  if (p.length < STREAM_LEN) tooShort('STREAM', p.length, STREAM_LEN);
  const mode = p[0];
  const rawDecimation = p[1];
  if (mode & ~3) throw new PayloadRangeError(`STREAM mode 0x${mode.toString(16)} sets unknown bits`, NACK_OUT_OF_RANGE, 0);
  if (rawDecimation < 1 || rawDecimation > RAW_DECIMATION_MAX) {
    throw new PayloadRangeError(`STREAM raw decimation ${rawDecimation} is not 1 to ${RAW_DECIMATION_MAX}`, NACK_OUT_OF_RANGE, 0);
  }
  return { mode, rawDecimation };
}

// ---------------------------------------------------------------------------------------------
// TIME_REQ / TIME. u64 microseconds as Numbers: exact up to 2^53 (285 years).

export interface TimeReply {
  hostTimeUs: number;
  uptimeUs: number;
  streamTUs: number;
}

export function encodeTimeReq(hostTimeUs: number): Uint8Array {
  const p = new Uint8Array(TIME_REQ_LEN);
  setU64(view(p), 0, hostTimeUs, 'TIME_REQ host_time_us');
  return p;
}
export function decodeTimeReq(p: Uint8Array): number {
  if (p.length < TIME_REQ_LEN) tooShort('TIME_REQ', p.length, TIME_REQ_LEN);
  return u64At(view(p), 0);
}
export function encodeTime(t: TimeReply): Uint8Array {
  const p = new Uint8Array(TIME_LEN);
  const dv = view(p);
  setU64(dv, 0, t.hostTimeUs, 'TIME host_time_us');
  setU64(dv, 8, t.uptimeUs, 'TIME uptime_us');
  setU64(dv, 16, t.streamTUs, 'TIME stream_t_us');
  return p;
}
export function decodeTime(p: Uint8Array): TimeReply {
  if (p.length < TIME_LEN) tooShort('TIME', p.length, TIME_LEN);
  const dv = view(p);
  return { hostTimeUs: u64At(dv, 0), uptimeUs: u64At(dv, 8), streamTUs: u64At(dv, 16) };
}

// ---------------------------------------------------------------------------------------------
// LOG

export interface LogMessage {
  /** LOG_DEBUG .. LOG_ERROR (other levels are shown as they come). */
  level: number;
  /** LOG_CODE_* or any other u16. */
  code: number;
  text: string;
}

export function encodeLog(m: LogMessage): Uint8Array {
  checkInt('LOG level', m.level, 0, 0xff);
  checkInt('LOG code', m.code, 0, 0xffff);
  const text = utf8Encode(m.text);
  if (text.length > LOG_TEXT_MAX) throw new PayloadError(`LOG text is ${text.length} bytes, more than ${LOG_TEXT_MAX}`);
  const p = new Uint8Array(LOG_HEADER_LEN + text.length);
  p[0] = m.level;
  p[1] = m.code & 0xff;
  p[2] = m.code >> 8;
  p[3] = text.length;
  p.set(text, LOG_HEADER_LEN);
  return p;
}
export function decodeLog(p: Uint8Array): LogMessage {
  if (p.length < LOG_HEADER_LEN) tooShort('LOG', p.length, LOG_HEADER_LEN);
  const n = p[3];
  if (n > LOG_TEXT_MAX) throw new PayloadError(`LOG text length ${n} exceeds ${LOG_TEXT_MAX}`);
  if (p.length < LOG_HEADER_LEN + n) throw new PayloadError('LOG payload ends inside the text');
  return { level: p[0], code: p[1] | (p[2] << 8), text: utf8Decode(p.subarray(LOG_HEADER_LEN, LOG_HEADER_LEN + n)) };
}

// ---------------------------------------------------------------------------------------------
// SECURE

export interface SecureFields {
  /** The pairing key, 32 bytes. */
  key: Uint8Array;
  /** The link_nonce of this link's latest HELLO, 8 bytes. */
  nonce: Uint8Array;
  /** The seq of the SECURE frame itself (the caller frames the payload with this seq). */
  seq: number;
  /** u32, strictly increasing on the link since its nonce was issued (first >= 1). */
  counter: number;
  innerType: number;
  innerPayload: Uint8Array;
}
export interface SecureMessage {
  counter: number;
  innerType: number;
  innerPayload: Uint8Array;
  /** 16 bytes. */
  tag: Uint8Array;
}

/** The MAC input m of section 3.13: "VGSEC1" | nonce | seq (u16) | counter (u32) | inner_type | inner_payload. */
export function secureMacInput(nonce: Uint8Array, seq: number, counter: number, innerType: number, innerPayload: Uint8Array): Uint8Array {
  if (nonce.length !== SECURE_NONCE_LEN) throw new PayloadError(`SECURE nonce must be ${SECURE_NONCE_LEN} bytes`);
  checkInt('SECURE seq', seq, 0, 0xffff);
  checkInt('SECURE counter', counter, 0, 0xffffffff);
  checkInt('SECURE inner_type', innerType, 0, 0xff);
  const m = new Uint8Array(6 + 8 + 2 + 4 + 1 + innerPayload.length);
  const dv = view(m);
  m.set(SECURE_DOMAIN, 0);
  m.set(nonce, 6);
  dv.setUint16(14, seq, true);
  dv.setUint32(16, counter, true);
  m[20] = innerType;
  m.set(innerPayload, 21);
  return m;
}

/** The first 16 bytes of HMAC-SHA256(key, m). */
export function secureTag(key: Uint8Array, nonce: Uint8Array, seq: number, counter: number, innerType: number, innerPayload: Uint8Array): Uint8Array {
  if (key.length !== SECURE_KEY_LEN) throw new PayloadError(`SECURE key must be ${SECURE_KEY_LEN} bytes`);
  return hmacSha256(key, secureMacInput(nonce, seq, counter, innerType, innerPayload)).slice(0, SECURE_TAG_LEN);
}

/** The SECURE payload; frame it with `s.seq` (the tag covers it). */
export function encodeSecure(s: SecureFields): Uint8Array {
  const n = s.innerPayload.length;
  if (SECURE_MIN_LEN + n > MAX_PAYLOAD) throw new PayloadError(`SECURE inner payload of ${n} bytes does not fit a frame`);
  const tag = secureTag(s.key, s.nonce, s.seq, s.counter, s.innerType, s.innerPayload);
  const p = new Uint8Array(SECURE_MIN_LEN + n);
  view(p).setUint32(0, s.counter, true);
  p[4] = s.innerType;
  p.set(s.innerPayload, SECURE_HEADER_LEN);
  p.set(tag, SECURE_HEADER_LEN + n);
  return p;
}

/** Splits a SECURE payload: the tag is its last 16 bytes (nothing may follow it). */
export function decodeSecure(p: Uint8Array): SecureMessage {
  if (p.length < SECURE_MIN_LEN) tooShort('SECURE', p.length, SECURE_MIN_LEN);
  const end = p.length - SECURE_TAG_LEN;
  return {
    counter: view(p).getUint32(0, true),
    innerType: p[4],
    innerPayload: p.slice(SECURE_HEADER_LEN, end),
    tag: p.slice(end),
  };
}

/** True when the tag verifies under key, nonce and the frame's seq (constant-time comparison). */
export function verifySecure(key: Uint8Array, nonce: Uint8Array, seq: number, m: SecureMessage): boolean {
  if (key.length !== SECURE_KEY_LEN || nonce.length !== SECURE_NONCE_LEN || m.tag.length !== SECURE_TAG_LEN) return false;
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) return false;
  return equalBytes(secureTag(key, nonce, seq, m.counter >>> 0, m.innerType & 0xff, m.innerPayload), m.tag);
}

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

// ---------------------------------------------------------------------------------------------
// Any message by type

export type DecodedMessage =
  | { type: typeof MSG_HELLO_REQ | typeof MSG_CONFIG_GET }
  | { type: typeof MSG_HELLO; hello: Hello }
  | { type: typeof MSG_PAIR; pair: Pair }
  | { type: typeof MSG_ACK; ack: Ack }
  | { type: typeof MSG_NACK; nack: Nack }
  | { type: typeof MSG_PING | typeof MSG_PONG; data: Uint8Array }
  | { type: typeof MSG_CONFIG | typeof MSG_CONFIG_SET; entries: ConfigEntry[] }
  | { type: typeof MSG_STREAM; stream: StreamRequest }
  | { type: typeof MSG_TIME_REQ; hostTimeUs: number }
  | { type: typeof MSG_TIME; time: TimeReply }
  | { type: typeof MSG_SECURE; secure: SecureMessage }
  | { type: typeof MSG_FEATURES; features: Features }
  | { type: typeof MSG_EVENT; event: AnomalyEvent }
  | { type: typeof MSG_RAW_BLOCK; raw: RawBlockMessage }
  | { type: typeof MSG_SAMPLES_IN; samples: SamplesIn }
  | { type: typeof MSG_LOG; log: LogMessage };

/** Every message type of section 3 this codec knows. */
export const KNOWN_TYPES: readonly number[] = [
  MSG_HELLO_REQ, MSG_HELLO, MSG_PAIR, MSG_ACK, MSG_NACK, MSG_PING, MSG_PONG, MSG_CONFIG_GET, MSG_CONFIG, MSG_CONFIG_SET,
  MSG_STREAM, MSG_TIME_REQ, MSG_TIME, MSG_SECURE, MSG_FEATURES, MSG_EVENT, MSG_RAW_BLOCK, MSG_SAMPLES_IN, MSG_LOG,
];

/**
 * Decodes the payload of a frame of any known type; null for a type this codec does not know (the
 * session counts it as unknownType). Throws PayloadError, and nothing else, for a bad payload.
 * HELLO_REQ and CONFIG_GET are empty: trailing bytes are ignored (extension rule).
 */
export function decodeMessage(type: number, p: Uint8Array): DecodedMessage | null {
  switch (type) {
    case MSG_HELLO_REQ:
    case MSG_CONFIG_GET:
      return { type };
    case MSG_HELLO:
      return { type, hello: decodeHello(p) };
    case MSG_PAIR:
      return { type, pair: decodePair(p) };
    case MSG_ACK:
      return { type, ack: decodeAck(p) };
    case MSG_NACK:
      return { type, nack: decodeNack(p) };
    case MSG_PING:
    case MSG_PONG:
      return { type, data: decodePing(p) };
    case MSG_CONFIG:
    case MSG_CONFIG_SET:
      return { type, entries: decodeConfigEntries(p) };
    case MSG_STREAM:
      return { type, stream: decodeStream(p) };
    case MSG_TIME_REQ:
      return { type, hostTimeUs: decodeTimeReq(p) };
    case MSG_TIME:
      return { type, time: decodeTime(p) };
    case MSG_SECURE:
      return { type, secure: decodeSecure(p) };
    case MSG_FEATURES:
      return { type, features: decodeFeatures(p) };
    case MSG_EVENT:
      return { type, event: decodeEvent(p) };
    case MSG_RAW_BLOCK:
      return { type, raw: decodeRawBlock(p) };
    case MSG_SAMPLES_IN:
      return { type, samples: decodeSamplesIn(p) };
    case MSG_LOG:
      return { type, log: decodeLog(p) };
    default:
      return null;
  }
}
