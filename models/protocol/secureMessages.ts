/**
 * SECURE of protocol 1.1 (docs/protocol.md §3.13): the HMAC-SHA256 wrapper of commands over
 * Bluetooth LE. The C twin is firmware/src/node/node_secure.c and firmware/src/proto/msg.c.
 */
import { equalBytes, hmacSha256 } from '../crypto/sha256';
import { PayloadError } from './messages';
import { MAX_PAYLOAD } from './frame';
import { SECURE_KEY_LEN, SECURE_NONCE_LEN, SECURE_TAG_LEN, SECURE_HEADER_LEN, SECURE_MIN_LEN, SECURE_DOMAIN, view, checkInt, tooShort } from './linkCommon';
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

