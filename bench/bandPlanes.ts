/**
 * How far the band energies a node sends (send_bands: 32 log10 band energies per axis and window,
 * stored as float32 in each feature chunk's `bands`, column-major: one band's series of windows after
 * another) shrink losslessly with what the browser already has: CompressionStream ('deflate-raw'),
 * after rearranging the float32 bytes. Measured by the storage benchmark on bands computed from real
 * recordings (docs/storage.md, "Band energies"); not used by the stored layout.
 *
 * Forms tried, each exact (the benchmark checks the round trip bit for bit):
 * - `plain`: the float32 bytes as stored;
 * - `planes`: byte planes, all the values' byte 3 (sign and exponent), then byte 2, 1, 0;
 * - `xor-planes`: each value's bits XOR the previous window's same band (row 0 of a series as it is), then planes;
 * - `delta-planes`: each value's bits minus the previous window's same band (mod 2³²), then planes.
 */

export const BAND_FORMS = ['plain', 'planes', 'xor-planes', 'delta-planes'] as const;
export type BandForm = (typeof BAND_FORMS)[number];

/** The bytes of `bands` (column-major series of `count` windows) in form `form`, before compression. */
export function arrangeBands(bands: Float32Array, count: number, form: BandForm): Uint8Array<ArrayBuffer> {
  const n = bands.length;
  const bits = Uint32Array.from(new Uint32Array(bands.buffer, bands.byteOffset, n));
  if (form === 'plain') return new Uint8Array(bits.buffer);
  const v = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const first = i % count === 0;
    v[i] = form === 'planes' || first ? bits[i] : form === 'xor-planes' ? (bits[i] ^ bits[i - 1]) >>> 0 : (bits[i] - bits[i - 1]) >>> 0;
  }
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    out[i] = x >>> 24;
    out[n + i] = (x >>> 16) & 0xff;
    out[2 * n + i] = (x >>> 8) & 0xff;
    out[3 * n + i] = x & 0xff;
  }
  return out;
}

/** The inverse of `arrangeBands`. */
export function restoreBands(bytes: Uint8Array, count: number, form: BandForm): Float32Array {
  const n = bytes.length / 4;
  if (form === 'plain') return new Float32Array(bytes.slice().buffer);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const x = ((bytes[i] << 24) | (bytes[n + i] << 16) | (bytes[2 * n + i] << 8) | bytes[3 * n + i]) >>> 0;
    const first = i % count === 0;
    bits[i] = form === 'planes' || first ? x : form === 'xor-planes' ? (x ^ bits[i - 1]) >>> 0 : (x + bits[i - 1]) >>> 0;
  }
  return new Float32Array(bits.buffer);
}

async function through(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream): Promise<Uint8Array<ArrayBuffer>> {
  const out = await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer();
  return new Uint8Array(out);
}

export const deflateRaw = (bytes: Uint8Array<ArrayBuffer>) => through(bytes, new CompressionStream('deflate-raw'));
export const inflateRaw = (bytes: Uint8Array<ArrayBuffer>) => through(bytes, new DecompressionStream('deflate-raw'));

export interface BandMeasure {
  chunks: number;
  windows: number;
  /** Bytes of the bands as stored now (float32). */
  rawBytes: number;
  /** Bytes after each form and deflate-raw, summed over the chunks (each chunk compressed alone). */
  compressedBytes: Record<BandForm, number>;
  /** Every form gave back every band value bit for bit. */
  exact: boolean;
}

/** Compresses each chunk's bands in every form, alone, and checks the way back. */
export async function measureBands(chunks: { bands: Float32Array | null; count: number }[]): Promise<BandMeasure> {
  const m: BandMeasure = { chunks: 0, windows: 0, rawBytes: 0, compressedBytes: { plain: 0, planes: 0, 'xor-planes': 0, 'delta-planes': 0 }, exact: true };
  for (const c of chunks) {
    if (!c.bands || c.bands.length === 0) continue;
    m.chunks++;
    m.windows += c.count;
    m.rawBytes += c.bands.byteLength;
    const want = new Uint32Array(c.bands.buffer, c.bands.byteOffset, c.bands.length);
    for (const form of BAND_FORMS) {
      const z = await deflateRaw(arrangeBands(c.bands, c.count, form));
      m.compressedBytes[form] += z.byteLength;
      const back = new Uint32Array(restoreBands(await inflateRaw(z), c.count, form).buffer);
      if (back.length !== want.length || back.some((x, i) => x !== want[i])) m.exact = false;
    }
  }
  return m;
}

/**
 * How finely a band energy needs to be stored, measured on real windows (each `Float32Array` one
 * window's log band energies, axis-major, as models/features computes them), in log10 energy:
 * - `w2w`: per band, the median |change| from one window to the next (`series` breaks the chain:
 *   windows of different series, like FEMTO's snapshots, are not compared);
 * - `int8Step`: per band, the step a node model's int8 input quantization gives it when trained on
 *   these windows: the band's standard deviation (population, floored at 0.01 as training does,
 *   DEFAULT_TRAIN_OPTIONS.minStd) times the input scale models/nn/quantize.ts `activationParams`
 *   chooses for the standardized inputs widened by the default headroom 2 (QuantizeOptions.inputHeadroom).
 * Returns the smallest and the median over the bands of each.
 */
export const TRAIN_MIN_STD = 0.01;
export const INPUT_HEADROOM = 2;

export interface BandPrecision {
  windows: number;
  w2wMin: number;
  w2wMedian: number;
  int8StepMin: number;
  int8StepMedian: number;
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

export function bandPrecision(windows: Float32Array[], series: number[], activationScale: (lo: number, hi: number) => number): BandPrecision {
  const n = windows.length;
  const d = n ? windows[0].length : 0;
  const w2w: number[] = [];
  const steps: number[] = [];
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const w of windows) for (let i = 0; i < d; i++) mean[i] += w[i] / n;
  for (const w of windows) for (let i = 0; i < d; i++) std[i] += (w[i] - mean[i]) ** 2 / n;
  for (let i = 0; i < d; i++) std[i] = Math.max(TRAIN_MIN_STD, Math.sqrt(std[i]));
  let zLo = Infinity;
  let zHi = -Infinity;
  for (const w of windows) {
    for (let i = 0; i < d; i++) {
      const z = (w[i] - mean[i]) / std[i];
      if (z < zLo) zLo = z;
      if (z > zHi) zHi = z;
    }
  }
  const scale = activationScale(zLo * INPUT_HEADROOM, zHi * INPUT_HEADROOM);
  for (let i = 0; i < d; i++) {
    const diffs: number[] = [];
    for (let t = 1; t < n; t++) if (series[t] === series[t - 1]) diffs.push(Math.abs(windows[t][i] - windows[t - 1][i]));
    w2w.push(medianOf(diffs));
    steps.push(std[i] * scale);
  }
  return { windows: n, w2wMin: Math.min(...w2w), w2wMedian: medianOf(w2w), int8StepMin: Math.min(...steps), int8StepMedian: medianOf(steps) };
}
