/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999), canonical form: a block of 254
 * non-zero bytes that ends the input gets no trailing code byte. The encoded form holds no 0x00, so
 * 0x00 delimits frames on the wire. Spec: docs/protocol.md section 1.
 */

/** Worst-case encoded size of `n` bytes (without the delimiter). */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.ceil(n / 254) + (n === 0 ? 1 : 0);
}

/**
 * Encodes `src` into `dst` starting at `dstOffset`; returns the number of bytes written (no
 * delimiter). `dst` must have room for cobsMaxEncodedLength(src.length) bytes.
 */
export function cobsEncodeInto(src: Uint8Array, dst: Uint8Array, dstOffset = 0): number {
  let codeIdx = dstOffset;
  let out = dstOffset + 1;
  let code = 1;
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    if (b === 0) {
      dst[codeIdx] = code;
      codeIdx = out++;
      code = 1;
    } else {
      dst[out++] = b;
      code++;
      if (code === 0xff) {
        dst[codeIdx] = code;
        // A full block that ends the input needs no further code byte (canonical COBS: 254
        // non-zero bytes encode as FF + 254 bytes).
        if (i + 1 === src.length) return out - dstOffset;
        codeIdx = out++;
        code = 1;
      }
    }
  }
  dst[codeIdx] = code;
  return out - dstOffset;
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(cobsMaxEncodedLength(src.length));
  const n = cobsEncodeInto(src, dst);
  return dst.slice(0, n);
}

/**
 * Decodes `src[start, end)` (no delimiter inside) into `dst` from offset 0. Returns the decoded
 * length, or -1 when the code bytes do not land exactly on the end (a corrupt frame), or -2 when
 * `dst` is too small.
 */
export function cobsDecodeInto(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  let i = start;
  let out = 0;
  while (i < end) {
    const code = src[i++];
    if (code === 0) return -1;
    const blockEnd = i + code - 1;
    if (blockEnd > end) return -1;
    if (out + (blockEnd - i) > dst.length) return -2;
    while (i < blockEnd) {
      const b = src[i++];
      if (b === 0) return -1;
      dst[out++] = b;
    }
    if (code !== 0xff && i < end) {
      if (out >= dst.length) return -2;
      dst[out++] = 0;
    }
  }
  return out;
}

/** Decodes a whole encoded block (without delimiter); throws on corrupt input. */
export function cobsDecode(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(src.length);
  const n = cobsDecodeInto(src, 0, src.length, dst);
  if (n < 0) throw new Error('corrupt COBS data');
  return dst.slice(0, n);
}
