/**
 * The protocol 1.1 messages of the link: PAIR, ACK/NACK, PING/PONG, CONFIG_GET/CONFIG/CONFIG_SET,
 * STREAM, TIME_REQ/TIME, LOG (HELLO and its INFO block are in messages.ts; CONFIG in configMessages.ts,
 * SECURE in secureMessages.ts, RAW_BLOCK in rawBlock.ts, what they share in linkCommon.ts, any
 * message by type in anyMessage.ts).
 * Spec: docs/protocol.md sections 3.5 to 3.13. The C twin is firmware/src/proto/.
 *
 * Decoders follow the extension rule (read the known fields, ignore trailing bytes) and throw
 * PayloadError, and nothing else, for a payload shorter than its minimum or a value the spec calls
 * invalid. Where the spec has a node answer OUT_OF_RANGE (STREAM, CONFIG_SET values), the error is
 * a PayloadRangeError carrying that NACK reason and detail; every other PayloadError is BAD_PAYLOAD.
 */
import { sha256 } from '../crypto/sha256';
import { PayloadError } from './messages';
import { CONFIG_NAME_MAX, RAW_DECIMATION_MAX } from './bounds';
import { utf8Decode, utf8Encode } from './utf8';
import { NACK_UNKNOWN_TYPE, NACK_BAD_PAYLOAD, NACK_OUT_OF_RANGE, NACK_READ_ONLY, NACK_UNKNOWN_KEY, NACK_NOT_PAIRED, NACK_AUTH_REQUIRED, NACK_AUTH_FAILED, NACK_REPLAY, NACK_WIRED_ONLY, NACK_STORAGE, NACK_UNSUPPORTED, ACK_LEN, NACK_LEN, CONFIG_KEYS, STREAM_LEN, PAIR_KEY_LEN, PAIR_MIN_LEN, TIME_REQ_LEN, TIME_LEN, PING_MAX, LOG_HEADER_LEN, LOG_TEXT_MAX, PayloadRangeError, view, u64At, setU64, checkInt, tooShort } from './linkCommon';
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

