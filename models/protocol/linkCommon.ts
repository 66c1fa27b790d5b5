/**
 * What every protocol 1.1 link message shares: the message types, capability bits, NACK reasons,
 * CONFIG keys, sizes and log codes (docs/protocol.md §3.5 to §3.13), the range error, and the little
 * helpers the decoders use. The C twin is firmware/src/proto/msg.h.
 */
import { PayloadError } from './messages';
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
export const PROTOCOL_MINOR = 4;

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
/** 1: velocity RMS over 2-1000 Hz (ISO 20816, machines below 600 rpm); 0: 10-1000 Hz. */
export const CONFIG_KEY_SLOW_MACHINE = 9;
/** protocol 1.3: writing it starts the node's own learning period of that many windows. */
export const CONFIG_KEY_LEARN_WINDOWS = 10;

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
  [CONFIG_KEY_SLOW_MACHINE]: { name: 'slow_machine', size: 1, writable: true },
  [CONFIG_KEY_LEARN_WINDOWS]: { name: 'learn_windows', size: 4, writable: true },
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

export const view = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset, p.byteLength);
export const u64At = (dv: DataView, o: number) => dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
export function setU64(dv: DataView, o: number, v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new PayloadError(`${what} ${v} is not an integer from 0 to 2^53 - 1`);
  dv.setUint32(o, v % 4294967296, true);
  dv.setUint32(o + 4, Math.floor(v / 4294967296), true);
}
export function checkInt(what: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new PayloadError(`${what} ${v} is not an integer from ${lo} to ${hi}`);
}
export function tooShort(name: string, len: number, min: number): never {
  throw new PayloadError(`${name} payload is ${len} bytes, shorter than ${min}`);
}
