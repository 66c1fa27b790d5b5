/**
 * CRC-32 as IEEE 802.3 / zlib define it (reflected polynomial 0xEDB88320, init and final XOR
 * 0xFFFFFFFF). Check value: crc32("123456789") = 0xCBF43926. Spec: docs/protocol.md section 1.
 */

/** The byte-wise lookup table, shared with the Deframer's one-pass decode-and-check loop. */
export const CRC32_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC over `bytes[start, end)`. Pass the previous result as `crc` (0 to begin). */
export function crc32Update(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32Update(0, bytes, start, end);
}
