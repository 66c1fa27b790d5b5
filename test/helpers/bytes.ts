// One byte buffer from many: the wire streams the tests, vector generator and benchmarks assemble.
// Takes an array (not rest arguments): the benchmarks join tens of thousands of frames.
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
