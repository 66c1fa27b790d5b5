/**
 * The WebSocket host's binary frame for a `node.raw` event (docs/architecture.md, "Raw samples on the
 * wire"). Every other message of the browser-mode API is JSON text; raw samples are not, so that
 * 26.667 kHz × 3 axes per node does not travel as decimal text and is not parsed number by number.
 *
 * Layout, all integers little-endian:
 *
 *   offset 0   4 bytes   magic "VRAW" (0x56 0x52 0x41 0x57)
 *   offset 4   u32       H: length in bytes of the header that follows
 *   offset 8   H bytes   header, UTF-8 JSON:
 *                        {"event":"node.raw","path":P,"blocks":[{"firstFrame":f,"axisCount":a,
 *                          "decimation":d,"scaleG":s,"frameCount":n,"sampleCount":c[,"gapReason":"link-lost"]}, …]}
 *              0–3 zero bytes, so that the samples start at a multiple of 4 from the frame's start
 *              Σc × 4 bytes: every block's samples in block order, IEEE 754 float32 little-endian,
 *                        g (count × scaleG), interleaved by axis (frame k, axis j at k × a + j)
 *
 * The frame's length is exactly that: a decoder refuses anything shorter, longer or malformed.
 * Only the host sends this frame; a client's binary message is refused (main/host/server.ts).
 * Decoding gives a Float32Array per block that is a view on the received buffer (no copy) when the
 * buffer is 4-aligned and the machine little-endian, as every browser's is; a copy otherwise.
 */
import { utf8Decode, utf8Encode } from '../protocol/utf8';
import type { RawBatch, RawBlock } from './contract';

export const RAW_WIRE_MAGIC = 0x57415256; // "VRAW" read as a little-endian u32
const PREFIX = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface WireBlockHeader {
  firstFrame: number;
  axisCount: number;
  decimation: number;
  scaleG: number;
  frameCount: number;
  sampleCount: number;
  gapReason?: 'link-lost';
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** The binary frame of one node.raw batch. */
export function encodeRawBatch(batch: RawBatch): Uint8Array {
  const blocks: WireBlockHeader[] = batch.blocks.map((b) => ({
    firstFrame: b.firstFrame,
    axisCount: b.axisCount,
    decimation: b.decimation,
    scaleG: b.scaleG,
    frameCount: b.frameCount,
    sampleCount: b.samples.length,
    ...(b.gapReason ? { gapReason: b.gapReason } : {}),
  }));
  const header = utf8Encode(JSON.stringify({ event: 'node.raw', path: batch.path, blocks }));
  const start = PREFIX + header.length + pad4(PREFIX + header.length);
  const total = blocks.reduce((n, b) => n + b.sampleCount, 0);
  const out = new Uint8Array(start + 4 * total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, RAW_WIRE_MAGIC, true);
  dv.setUint32(4, header.length, true);
  out.set(header, PREFIX);
  let at = start;
  for (const b of batch.blocks) {
    const s = b.samples;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    else for (let i = 0; i < s.length; i++) dv.setFloat32(at + 4 * i, s[i], true);
    at += s.byteLength;
  }
  return out;
}

/** Whether a binary message starts like a raw frame (the magic), before decoding it. */
export function isRawFrame(bytes: Uint8Array): boolean {
  return bytes.length >= PREFIX && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) === RAW_WIRE_MAGIC;
}

const isCount = (v: unknown, max = 0xffffffff): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

function blockHeader(v: unknown): WireBlockHeader {
  const b = v as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null) throw new Error('a raw block header is not an object');
  const { firstFrame, axisCount, decimation, scaleG, frameCount, sampleCount, gapReason } = b;
  if (!isCount(firstFrame) || !isCount(axisCount, 255) || !isCount(decimation, 0xffff) || !isCount(frameCount) || !isCount(sampleCount)) {
    throw new Error('a raw block header has a field that is not a whole number in range');
  }
  if (typeof scaleG !== 'number' || !Number.isFinite(scaleG)) throw new Error('a raw block header has no scaleG');
  if (gapReason !== undefined && gapReason !== 'link-lost') throw new Error('a raw block header has an unknown gapReason');
  return { firstFrame, axisCount, decimation, scaleG, frameCount, sampleCount, ...(gapReason ? { gapReason } : {}) };
}

/**
 * Decodes a raw frame; throws an Error saying what is wrong with a malformed one. `data` is the
 * WebSocket's ArrayBuffer (binaryType 'arraybuffer') or a view on one.
 */
export function decodeRawBatch(data: ArrayBuffer | Uint8Array): RawBatch {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (!isRawFrame(bytes)) throw new Error('not a raw frame (no VRAW magic)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getUint32(4, true);
  if (PREFIX + headerLen > bytes.length) throw new Error('a raw frame shorter than its header');
  let head: unknown;
  try {
    head = JSON.parse(utf8Decode(bytes.subarray(PREFIX, PREFIX + headerLen)));
  } catch {
    throw new Error('a raw frame whose header is not JSON');
  }
  const h = head as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null || h.event !== 'node.raw' || typeof h.path !== 'string' || !Array.isArray(h.blocks)) {
    throw new Error('a raw frame header without event "node.raw", a path and blocks');
  }
  const headers = h.blocks.map(blockHeader);
  const start = PREFIX + headerLen + pad4(PREFIX + headerLen);
  const total = headers.reduce((n, b) => n + b.sampleCount, 0);
  if (start + 4 * total !== bytes.length) throw new Error(`a raw frame of ${bytes.length} bytes where its header says ${start + 4 * total}`);
  const aligned = LITTLE_ENDIAN && (bytes.byteOffset + start) % 4 === 0;
  let at = start;
  const blocks: RawBlock[] = headers.map(({ sampleCount, gapReason, ...rest }) => {
    let samples: Float32Array;
    if (aligned) samples = new Float32Array(bytes.buffer, bytes.byteOffset + at, sampleCount);
    else if (LITTLE_ENDIAN) samples = new Float32Array(bytes.slice(at, at + 4 * sampleCount).buffer);
    else {
      samples = new Float32Array(sampleCount);
      for (let i = 0; i < sampleCount; i++) samples[i] = dv.getFloat32(at + 4 * i, true);
    }
    at += 4 * sampleCount;
    return { ...rest, samples, ...(gapReason ? { gapReason } : {}) };
  });
  return { path: h.path, blocks };
}
