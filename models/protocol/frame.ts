/**
 * Frame layer: header + payload + CRC-32, COBS-encoded, 0x00-delimited.
 * Spec: docs/protocol.md section 1. The C twin is firmware/src/proto/frame.c.
 */
import { cobsDecodeInto, cobsEncodeInto, cobsMaxEncodedLength } from './cobs';
import { crc32 } from './crc32';

export const PROTOCOL_VERSION = 1;
export const HEADER_LEN = 6;
export const CRC_LEN = 4;
export const MAX_PAYLOAD = 1024;
export const MAX_DECODED = HEADER_LEN + MAX_PAYLOAD + CRC_LEN; // 1034
export const MAX_ENCODED = cobsMaxEncodedLength(MAX_DECODED); // 1039

export interface Frame {
  version: number;
  type: number;
  seq: number;
  /** A copy the receiver may keep. */
  payload: Uint8Array;
}

/** Error counters, named as in docs/protocol.md "Receiver rules". */
export interface FrameStats {
  bytes: number;
  frames: number;
  badCobs: number;
  badCrc: number;
  badLength: number;
  badVersion: number;
  oversize: number;
}

export function emptyFrameStats(): FrameStats {
  return { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0 };
}

export class FrameError extends Error {}

/** Builds the wire bytes of one frame: COBS(header | payload | crc32) followed by 0x00. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new FrameError(`frame type ${type} is not a byte`);
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) throw new FrameError(`sequence number ${seq} is not a u16`);
  if (payload.length > MAX_PAYLOAD) {
    throw new FrameError(`payload of ${payload.length} bytes exceeds the ${MAX_PAYLOAD}-byte maximum`);
  }
  const raw = new Uint8Array(HEADER_LEN + payload.length + CRC_LEN);
  const dv = new DataView(raw.buffer);
  raw[0] = PROTOCOL_VERSION;
  raw[1] = type;
  dv.setUint16(2, seq, true);
  dv.setUint16(4, payload.length, true);
  raw.set(payload, HEADER_LEN);
  dv.setUint32(HEADER_LEN + payload.length, crc32(raw, 0, HEADER_LEN + payload.length), true);
  const wire = new Uint8Array(cobsMaxEncodedLength(raw.length) + 1);
  const n = cobsEncodeInto(raw, wire, 0);
  wire[n] = 0;
  return wire.slice(0, n + 1);
}

/**
 * Streaming receiver. Feed it whatever bytes arrive, in any chunking; it calls `onFrame` for every
 * frame that passes the checks of docs/protocol.md, counts and skips the rest, and resynchronises
 * at the next 0x00. Memory is bounded: at most MAX_ENCODED bytes are held between chunks.
 */
export class Deframer {
  readonly stats: FrameStats = emptyFrameStats();
  private readonly pending = new Uint8Array(MAX_ENCODED);
  private pendingLen = 0;
  /** True while skipping an oversized frame up to its delimiter. */
  private overflow = false;
  // Sized for the largest decodable block so an over-long frame is reported as badLength.
  private readonly decoded = new Uint8Array(MAX_ENCODED);

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      const z = chunk.indexOf(0, pos);
      if (z < 0) {
        this.stash(chunk, pos, n);
        return;
      }
      if (this.overflow) {
        this.overflow = false;
        this.pendingLen = 0;
      } else if (this.pendingLen === 0) {
        // The whole frame is inside this chunk: decode it in place.
        if (z - pos > MAX_ENCODED) this.stats.oversize++;
        else if (z > pos) this.finish(chunk, pos, z);
      } else {
        this.stash(chunk, pos, z);
        if (this.overflow) {
          this.overflow = false;
        } else {
          this.finish(this.pending, 0, this.pendingLen);
        }
        this.pendingLen = 0;
      }
      pos = z + 1;
    }
  }

  /** Forgets any partial frame (e.g. after the port was reopened). */
  reset(): void {
    this.pendingLen = 0;
    this.overflow = false;
  }

  private stash(src: Uint8Array, start: number, end: number): void {
    if (this.overflow) return;
    const len = end - start;
    if (this.pendingLen + len > MAX_ENCODED) {
      this.overflow = true;
      this.pendingLen = 0;
      this.stats.oversize++;
      return;
    }
    this.pending.set(src.subarray(start, end), this.pendingLen);
    this.pendingLen += len;
  }

  private finish(src: Uint8Array, start: number, end: number): void {
    const d = this.decoded;
    const len = cobsDecodeInto(src, start, end, d);
    if (len < 0) {
      this.stats.badCobs++;
      return;
    }
    if (len < HEADER_LEN + CRC_LEN || len > MAX_DECODED) {
      this.stats.badLength++;
      return;
    }
    const payloadLen = d[4] | (d[5] << 8);
    if (payloadLen !== len - HEADER_LEN - CRC_LEN) {
      this.stats.badLength++;
      return;
    }
    const crcAt = len - CRC_LEN;
    const got = (d[crcAt] | (d[crcAt + 1] << 8) | (d[crcAt + 2] << 16) | (d[crcAt + 3] << 24)) >>> 0;
    if (crc32(d, 0, crcAt) !== got) {
      this.stats.badCrc++;
      return;
    }
    if (d[0] !== PROTOCOL_VERSION) {
      this.stats.badVersion++;
      return;
    }
    this.stats.frames++;
    this.onFrame({
      version: d[0],
      type: d[1],
      seq: d[2] | (d[3] << 8),
      payload: d.slice(HEADER_LEN, crcAt),
    });
  }
}
