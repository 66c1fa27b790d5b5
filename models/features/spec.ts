/**
 * The feature specification: everything that decides what numbers a window turns into. A node
 * and a model must agree on it exactly (a model records the hash of the spec it was trained on).
 * Definitions: docs/features.md.
 */

export interface FeatureSpec {
  /** Sensor rate per axis, Hz. */
  sampleRateHz: number;
  /** Samples per feature window. A power of two (the PSD segment defaults to the whole window). */
  windowLen: number;
  /** Samples between consecutive windows. */
  hop: number;
  /** Welch segment length (power of two, <= windowLen); segments overlap by half. */
  segmentLen: number;
  /** Log band edges as FFT bin indices of the segment: band b covers bins [edges[b], edges[b+1]). */
  bandEdges: Uint16Array;
  /** Velocity RMS band, Hz (ISO 20816 uses 10 to 1000 Hz for machines above 600 rpm). */
  velocityBandHz: [number, number];
}

export const STANDARD_GRAVITY = 9.80665; // m/s^2 per g

const isPow2 = (n: number) => Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;

/**
 * Log-spaced band edges over bins 1 .. segmentLen/2 (DC excluded), every band at least one bin
 * wide: e_0 = 1, e_b = max(e_{b-1} + 1, round(r^b)), r = (segmentLen/2 + 1)^(1/B), e_B = segmentLen/2 + 1.
 */
export function logBandEdges(segmentLen: number, bandCount: number): Uint16Array {
  const kHi = segmentLen / 2;
  if (!Number.isInteger(bandCount) || bandCount < 1 || bandCount > kHi) {
    throw new RangeError(`${bandCount} bands do not fit in ${kHi} frequency bins`);
  }
  const edges = new Uint16Array(bandCount + 1);
  const r = Math.pow(kHi + 1, 1 / bandCount);
  edges[0] = 1;
  for (let b = 1; b < bandCount; b++) {
    const want = Math.round(Math.pow(r, b));
    const room = kHi + 1 - (bandCount - b); // leave one bin for every band still to come
    edges[b] = Math.min(room, Math.max(edges[b - 1] + 1, want));
  }
  edges[bandCount] = kHi + 1;
  return edges;
}

export function defaultFeatureSpec(sampleRateHz: number, windowLen = 1024, hop = 512, bandCount = 32): FeatureSpec {
  const spec: FeatureSpec = {
    sampleRateHz,
    windowLen,
    hop,
    segmentLen: windowLen,
    bandEdges: logBandEdges(windowLen, bandCount),
    velocityBandHz: [10, 1000],
  };
  validateFeatureSpec(spec);
  return spec;
}

/** Throws a RangeError naming the first thing wrong with a spec. */
export function validateFeatureSpec(s: FeatureSpec): void {
  if (!(s.sampleRateHz > 0) || !Number.isFinite(s.sampleRateHz)) throw new RangeError(`sample rate ${s.sampleRateHz} Hz is not a positive number`);
  if (!isPow2(s.windowLen) || s.windowLen > 8192) throw new RangeError(`window length ${s.windowLen} must be a power of two from 2 to 8192`);
  if (!Number.isInteger(s.hop) || s.hop < 1 || s.hop > s.windowLen) throw new RangeError(`hop ${s.hop} must be 1 to the window length`);
  if (!isPow2(s.segmentLen) || s.segmentLen > s.windowLen) throw new RangeError(`segment length ${s.segmentLen} must be a power of two up to the window length`);
  const e = s.bandEdges;
  if (e.length < 2 || e[0] < 1 || e[e.length - 1] > s.segmentLen / 2 + 1) throw new RangeError('band edges must lie within bins 1 .. segmentLen/2 + 1');
  for (let b = 1; b < e.length; b++) if (e[b] <= e[b - 1]) throw new RangeError('band edges must increase');
  const [lo, hi] = s.velocityBandHz;
  if (!(lo > 0 && hi > lo)) throw new RangeError('velocity band must be 0 < low < high');
}

/** A stable text form of the spec (for hashing and for model files). */
export function featureSpecKey(s: FeatureSpec): string {
  return JSON.stringify({
    v: 2, // docs/features.md specification 2 (models/nn/specHash.ts FEATURE_SPEC_VERSION)
    fs: s.sampleRateHz,
    n: s.windowLen,
    hop: s.hop,
    seg: s.segmentLen,
    bands: Array.from(s.bandEdges),
    vel: s.velocityBandHz,
  });
}
