/**
 * Frame layer: header + payload + CRC-32, COBS-encoded, 0x00-delimited.
 * Spec: docs/protocol.md section 1. The C twin is firmware/src/proto/frame.c.
 */
import { cobsEncodeInto, cobsMaxEncodedLength } from './cobs';
import { crc32, CRC32_TABLE } from './crc32';

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

/** CRC-32 of any message followed by its own CRC (little-endian): the "residue" of this CRC. */
const CRC32_RESIDUE = 0x2144df1c;
const SLAB_BYTES = 64 * 1024; // >= MAX_PAYLOAD

/**
 * Streaming receiver. Feed it whatever bytes arrive, in any chunking; it calls `onFrame` for every
 * frame that passes the checks of docs/protocol.md, counts and skips the rest, and resynchronises
 * at the next 0x00. Memory is bounded: one MAX_ENCODED-byte buffer.
 *
 * One pass per byte: COBS decoding and the CRC run together, and the CRC is checked through its
 * residue (the CRC of a message followed by its CRC is a constant), so no byte is read twice.
 */
export class Deframer {
  readonly stats: FrameStats = emptyFrameStats();
  private readonly decoded = new Uint8Array(MAX_ENCODED);
  private len = 0;
  /** Encoded bytes of the current frame so far (for the oversize rule). */
  private encoded = 0;
  /** Data bytes left in the current COBS block; 0 means the next byte is a code byte. */
  private remaining = 0;
  private code = 0;
  private crc = 0xffffffff;
  /** True while skipping an oversized frame up to its delimiter. */
  private overflow = false;
  private slab = new Uint8Array(SLAB_BYTES);
  private slabUsed = 0;
  /** The next frame may be the tail of one sent before this receiver started listening. */
  private joining = false;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  /**
   * The link was just opened: the bytes before the first delimiter may be the tail of a frame the
   * node sent before anyone listened (docs/protocol.md section 1, "joins mid-stream"). That first
   * frame is delivered if it passes every check, and dropped without counting an error if not.
   */
  joinMidStream(): void {
    this.reset();
    this.joining = true;
  }

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    const n = chunk.length;
    const d = this.decoded;
    const T = CRC32_TABLE;
    let len = this.len;
    let encoded = this.encoded;
    let remaining = this.remaining;
    let code = this.code;
    let crc = this.crc;
    let i = 0;
    while (i < n) {
      if (this.overflow) {
        const z = chunk.indexOf(0, i);
        if (z < 0) break;
        i = z + 1;
        this.overflow = false;
        len = encoded = remaining = code = 0;
        crc = 0xffffffff;
        continue;
      }
      const b = chunk[i++];
      if (b === 0) {
        if (encoded > 0) {
          if (remaining !== 0) this.fault('badCobs');
          else this.deliver(len, crc);
        }
        this.joining = false; // in step with the sender from here on
        len = encoded = remaining = code = 0;
        crc = 0xffffffff;
        continue;
      }
      if (++encoded > MAX_ENCODED) {
        this.fault('oversize');
        this.joining = false;
        this.overflow = true;
        continue;
      }
      if (remaining === 0) {
        // A code byte: the block before it (unless it was a full 0xFF block) ended with a zero.
        if (code !== 0 && code !== 0xff) {
          d[len++] = 0;
          crc = T[crc & 0xff] ^ (crc >>> 8);
        }
        code = b;
        remaining = b - 1;
        continue;
      }
      // Data bytes of the current block: copy as many as this chunk holds, stopping at a zero.
      d[len++] = b;
      crc = T[(crc ^ b) & 0xff] ^ (crc >>> 8);
      remaining--;
      let take = remaining < n - i ? remaining : n - i;
      if (encoded + take > MAX_ENCODED) take = MAX_ENCODED - encoded;
      let k = 0;
      for (; k < take; k++) {
        const c = chunk[i + k];
        if (c === 0) break;
        d[len++] = c;
        crc = T[(crc ^ c) & 0xff] ^ (crc >>> 8);
      }
      i += k;
      encoded += k;
      remaining -= k;
    }
    this.len = len;
    this.encoded = encoded;
    this.remaining = remaining;
    this.code = code;
    this.crc = crc;
  }

  /**
   * Decoded bytes of the partial frame held right now (0 between frames). Never more than
   * MAX_ENCODED: the decode buffer is allocated once, at that size, and never grows.
   */
  get pending(): number {
    return this.len;
  }

  /** Size of the one decode buffer (MAX_ENCODED bytes): the receiver's whole frame memory. */
  get capacity(): number {
    return this.decoded.length;
  }

  /** Forgets any partial frame (e.g. after the port was reopened). */
  reset(): void {
    this.len = this.encoded = this.remaining = this.code = 0;
    this.crc = 0xffffffff;
    this.overflow = false;
    this.joining = false;
  }

  /** Counts a damaged frame, unless it is the fragment a receiver that just joined expects. */
  private fault(counter: 'badCobs' | 'badLength' | 'badCrc' | 'badVersion' | 'oversize'): void {
    if (!this.joining) this.stats[counter]++;
  }

  private deliver(len: number, crc: number): void {
    const d = this.decoded;
    if (len < HEADER_LEN + CRC_LEN || len > MAX_DECODED) {
      this.fault('badLength');
      return;
    }
    const payloadLen = d[4] | (d[5] << 8);
    if (payloadLen !== len - HEADER_LEN - CRC_LEN) {
      this.fault('badLength');
      return;
    }
    if ((crc ^ 0xffffffff) >>> 0 !== CRC32_RESIDUE) {
      this.fault('badCrc');
      return;
    }
    if (d[0] !== PROTOCOL_VERSION) {
      this.fault('badVersion');
      return;
    }
    this.stats.frames++;
    this.onFrame({
      version: d[0],
      type: d[1],
      seq: d[2] | (d[3] << 8),
      payload: this.copyOut(HEADER_LEN, len - CRC_LEN),
    });
  }

  /**
   * Copies a payload out of the decode buffer into a slab shared by consecutive frames: a view
   * into a 64 KiB slab costs far less than a fresh ArrayBuffer per frame (which dominated the
   * decode time). A slab is freed by the garbage collector once no payload view refers to it.
   */
  private copyOut(start: number, end: number): Uint8Array {
    const n = end - start;
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    view.set(this.decoded.subarray(start, end));
    this.slabUsed += n;
    return view;
  }
}
