/**
 * Model transfer messages (docs/protocol.md section 3.14, types 0x20–0x26): the codec shared by the
 * app's sender (main/ota/sender.ts) and held to the C codec (firmware/src/proto/msg_transfer.c) by
 * the golden vectors of scripts/gen-transfer-vectors.ts.
 */
import { hmacSha256 } from '../crypto/sha256';
import { PayloadError } from './messages';
import { utf8Encode } from './utf8';

export const MSG_MODEL_BEGIN = 0x20;
export const MSG_MODEL_CHUNK = 0x21;
export const MSG_MODEL_COMMIT = 0x22;
export const MSG_MODEL_ABORT = 0x23;
export const MSG_MODEL_STATUS_REQ = 0x24;
export const MSG_MODEL_ROLLBACK = 0x25;
export const MSG_MODEL_STATUS = 0x26;

export const MODEL_BEGIN_LEN = 56;
export const MODEL_CHUNK_HEADER_LEN = 4;
/** The largest chunk data a frame can carry: MAX_PAYLOAD − the chunk header. */
export const MODEL_CHUNK_DATA_MAX = 1020;
/** The largest chunk data inside SECURE (3.13: 21 bytes of its own), a multiple of 4. */
export const MODEL_CHUNK_DATA_MAX_SECURE = 996;
export const MODEL_COMMIT_LEN = 32;
/** The protocol minor version from which a node takes MODEL_CHUNK in the clear over Bluetooth LE (3.14). */
export const CLEAR_CHUNK_MINOR = 3;
export const MODEL_ROLLBACK_LEN = 4;
export const MODEL_STATUS_LEN = 56;
export const MODEL_HASH_LEN = 32;
export const MODEL_BEGIN_TAG_LEN = 16;
/** The ASCII prefix of the BEGIN tag's message. */
export const MODEL_BEGIN_TAG_CONTEXT = 'VGOTA1';

export const TRANSFER_IDLE = 0;
export const TRANSFER_RECEIVING = 1;
export const TRANSFER_TRIAL = 2;

/** NACK reasons of the model transfer (section 3.5, 13–23). */
export const NACK_TOO_LARGE = 13;
export const NACK_NO_TRANSFER = 14;
export const NACK_INCOMPLETE = 15;
export const NACK_IMAGE_HASH = 16;
export const NACK_MODEL_CORRUPT = 17;
export const NACK_MODEL_KEY = 18;
export const NACK_MODEL_SPEC = 19;
export const NACK_MODEL_OLDER = 20;
export const NACK_MODEL_SELFTEST = 21;
export const NACK_MODEL_PENDING = 22;
export const NACK_NO_ROLLBACK = 23;

/** The reason's name and what the app tells the technician. */
export const TRANSFER_NACK_TEXT: Readonly<Record<number, readonly [string, string]>> = {
  [NACK_TOO_LARGE]: ['TOO_LARGE', 'the model does not fit this node'],
  [NACK_NO_TRANSFER]: ['NO_TRANSFER', 'the node holds no transfer of this model (it may have restarted)'],
  [NACK_INCOMPLETE]: ['INCOMPLETE', 'the node has not received the whole model'],
  [NACK_IMAGE_HASH]: ['IMAGE_HASH', 'the model arrived damaged (its SHA-256 differs)'],
  [NACK_MODEL_CORRUPT]: ['MODEL_CORRUPT', 'the file is not a valid model (format, CRC or size)'],
  [NACK_MODEL_KEY]: ['MODEL_KEY', 'the model is not signed with this node\u2019s pairing key'],
  [NACK_MODEL_SPEC]: ['MODEL_SPEC', 'the model was built for other features or axes than this node\u2019s'],
  [NACK_MODEL_OLDER]: ['MODEL_OLDER', 'the model is not newer than the one running (use rollback for an older one)'],
  [NACK_MODEL_SELFTEST]: ['MODEL_SELFTEST', 'the model failed its self-test on the node'],
  [NACK_MODEL_PENDING]: ['MODEL_PENDING', 'a new model is on trial: wait until the node confirms it'],
  [NACK_NO_ROLLBACK]: ['NO_ROLLBACK', 'the node holds no confirmed model of that version to return to'],
};

/** What the app tells the technician for any refusal of a model transfer request. */
export function transferRefusalText(reason: number): string {
  const own = TRANSFER_NACK_TEXT[reason];
  if (own) return own[1];
  switch (reason) {
    case 1:
      return 'the node\u2019s firmware does not take model updates';
    case 2:
    case 3:
      return 'the node could not read the request (an app bug: please report it)';
    case 6:
      return 'the node is not paired: pair it over the cable before updating its model';
    case 7:
      return 'over Bluetooth LE a model update must be authenticated (SECURE)';
    case 8:
      return 'the node\u2019s pairing key is not the one this app holds for it';
    case 11:
      return 'the node could not write its model slot (flash)';
    default:
      return `the node refused it (reason ${reason})`;
  }
}

export interface ModelBegin {
  size: number;
  version: number;
  sha256: Uint8Array;
  tag: Uint8Array;
}

export interface ModelChunk {
  offset: number;
  data: Uint8Array;
}

export interface TransferStatus {
  state: number;
  trialWindows: number;
  confirmAfter: number;
  maxChunk: number;
  offset: number;
  size: number;
  version: number;
  runningVersion: number;
  sha256: Uint8Array;
}

const u32 = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${what} must be an integer from 0 to 4294967295, got ${n}`);
  return n;
};

const need = (p: Uint8Array, len: number, what: string): DataView => {
  if (p.length < len) throw new PayloadError(`${what} payload is ${p.length} bytes, at least ${len} expected`);
  return new DataView(p.buffer, p.byteOffset, p.byteLength);
};

const hash32 = (h: Uint8Array, what: string): Uint8Array => {
  if (h.length !== MODEL_HASH_LEN) throw new RangeError(`${what} is a 32-byte SHA-256, got ${h.length} bytes`);
  return h;
};

/** The message the BEGIN tag is computed over: "VGOTA1" ‖ size ‖ version ‖ sha256. */
export function modelBeginMacInput(size: number, version: number, sha256: Uint8Array): Uint8Array {
  const m = new Uint8Array(6 + 8 + MODEL_HASH_LEN);
  m.set(utf8Encode(MODEL_BEGIN_TAG_CONTEXT), 0);
  const v = new DataView(m.buffer);
  v.setUint32(6, u32(size, 'size'), true);
  v.setUint32(10, u32(version, 'version'), true);
  m.set(hash32(sha256, 'the image hash'), 14);
  return m;
}

/** The first 16 bytes of HMAC-SHA256(key, modelBeginMacInput(...)). */
export function modelBeginTag(key: Uint8Array, size: number, version: number, sha256: Uint8Array): Uint8Array {
  return hmacSha256(key, modelBeginMacInput(size, version, sha256)).slice(0, MODEL_BEGIN_TAG_LEN);
}

export function encodeModelBegin(b: ModelBegin): Uint8Array {
  if (b.tag.length !== MODEL_BEGIN_TAG_LEN) throw new RangeError(`the BEGIN tag is 16 bytes, got ${b.tag.length}`);
  const p = new Uint8Array(MODEL_BEGIN_LEN);
  const v = new DataView(p.buffer);
  v.setUint32(0, u32(b.size, 'size'), true);
  v.setUint32(4, u32(b.version, 'version'), true);
  p.set(hash32(b.sha256, 'the image hash'), 8);
  p.set(b.tag, 40);
  return p;
}

export function decodeModelBegin(p: Uint8Array): ModelBegin {
  const v = need(p, MODEL_BEGIN_LEN, 'MODEL_BEGIN');
  return { size: v.getUint32(0, true), version: v.getUint32(4, true), sha256: p.slice(8, 40), tag: p.slice(40, 56) };
}

export function encodeModelChunk(c: ModelChunk): Uint8Array {
  if (c.data.length < 1 || c.data.length > MODEL_CHUNK_DATA_MAX) {
    throw new RangeError(`a chunk carries 1 to ${MODEL_CHUNK_DATA_MAX} bytes, got ${c.data.length}`);
  }
  const p = new Uint8Array(MODEL_CHUNK_HEADER_LEN + c.data.length);
  new DataView(p.buffer).setUint32(0, u32(c.offset, 'offset'), true);
  p.set(c.data, MODEL_CHUNK_HEADER_LEN);
  return p;
}

export function decodeModelChunk(p: Uint8Array): ModelChunk {
  const v = need(p, MODEL_CHUNK_HEADER_LEN + 1, 'MODEL_CHUNK');
  return { offset: v.getUint32(0, true), data: p.slice(MODEL_CHUNK_HEADER_LEN) };
}

export function encodeModelCommit(sha256: Uint8Array): Uint8Array {
  return hash32(sha256, 'the image hash').slice();
}

export function decodeModelCommit(p: Uint8Array): Uint8Array {
  need(p, MODEL_COMMIT_LEN, 'MODEL_COMMIT');
  return p.slice(0, MODEL_COMMIT_LEN);
}

export function encodeModelRollback(version: number): Uint8Array {
  const p = new Uint8Array(MODEL_ROLLBACK_LEN);
  new DataView(p.buffer).setUint32(0, u32(version, 'version'), true);
  return p;
}

export function decodeModelRollback(p: Uint8Array): number {
  return need(p, MODEL_ROLLBACK_LEN, 'MODEL_ROLLBACK').getUint32(0, true);
}

export function encodeTransferStatus(s: TransferStatus): Uint8Array {
  const p = new Uint8Array(MODEL_STATUS_LEN);
  const v = new DataView(p.buffer);
  p[0] = s.state;
  p[1] = s.trialWindows;
  p[2] = s.confirmAfter;
  v.setUint16(4, s.maxChunk, true);
  v.setUint32(8, u32(s.offset, 'offset'), true);
  v.setUint32(12, u32(s.size, 'size'), true);
  v.setUint32(16, u32(s.version, 'version'), true);
  v.setUint32(20, u32(s.runningVersion, 'running version'), true);
  p.set(hash32(s.sha256, 'the image hash'), 24);
  return p;
}

export function decodeTransferStatus(p: Uint8Array): TransferStatus {
  const v = need(p, MODEL_STATUS_LEN, 'MODEL_STATUS');
  if (p[0] > TRANSFER_TRIAL) throw new PayloadError(`MODEL_STATUS state ${p[0]} is not 0, 1 or 2`);
  return {
    state: p[0],
    trialWindows: p[1],
    confirmAfter: p[2],
    maxChunk: v.getUint16(4, true),
    offset: v.getUint32(8, true),
    size: v.getUint32(12, true),
    version: v.getUint32(16, true),
    runningVersion: v.getUint32(20, true),
    sha256: p.slice(24, 56),
  };
}
