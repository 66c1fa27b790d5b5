/**
 * The canonical byte encoding of a feature specification and its SHA-256 (docs/model-format.md
 * 2.2). A node hashes the same 24 + 2(B+1) bytes built from its own configuration and refuses a
 * model whose hash differs: a model built for other features never runs.
 */
import { validateFeatureSpec, type FeatureSpec } from '../features/spec';
import { sha256 } from '../crypto/sha256';

/**
 * docs/features.md definitions version (Welch PSD, log10(E + 1e-12), ...). 2: velocity RMS is
 * measured in time (models/features/velocity.ts) and a constant window's crest and kurtosis are 0;
 * version 1 summed velocity from FFT bins.
 */
export const FEATURE_SPEC_VERSION = 2;

export function featureSpecBytes(spec: FeatureSpec): Uint8Array {
  validateFeatureSpec(spec);
  const bands = spec.bandEdges.length - 1;
  if (bands > 512) throw new RangeError(`${bands} bands: a model file holds at most 512`);
  if (spec.windowLen > 0xffff || spec.hop > 0xffff || spec.segmentLen > 0xffff) throw new RangeError('window, hop and segment must fit in 16 bits');
  const out = new Uint8Array(24 + 2 * (bands + 1));
  const v = new DataView(out.buffer);
  v.setUint16(0, FEATURE_SPEC_VERSION, true);
  v.setUint16(2, bands, true);
  v.setUint16(4, spec.windowLen, true);
  v.setUint16(6, spec.hop, true);
  v.setUint16(8, spec.segmentLen, true);
  v.setUint16(10, 0, true);
  v.setFloat32(12, spec.sampleRateHz, true);
  v.setFloat32(16, spec.velocityBandHz[0], true);
  v.setFloat32(20, spec.velocityBandHz[1], true);
  for (let i = 0; i <= bands; i++) v.setUint16(24 + 2 * i, spec.bandEdges[i], true);
  return out;
}

export function featureSpecHash(spec: FeatureSpec): Uint8Array {
  return sha256(featureSpecBytes(spec));
}

/** Decodes canonical spec bytes (the inverse of featureSpecBytes, float fields as stored in f32). */
export function parseFeatureSpecBytes(bytes: Uint8Array): FeatureSpec {
  if (bytes.length < 24) throw new RangeError('feature spec is shorter than 24 bytes');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint16(0, true);
  if (version === 1) {
    throw new RangeError(
      `this model was trained for feature specification 1 (velocity RMS from FFT bins), which nodes no longer compute; its band-energy inputs are unchanged, so train it again from the stored recordings`,
    );
  }
  if (version !== FEATURE_SPEC_VERSION) throw new RangeError(`feature specification version ${version} is not supported (this app computes version ${FEATURE_SPEC_VERSION})`);
  const bands = v.getUint16(2, true);
  if (bytes.length !== 24 + 2 * (bands + 1)) throw new RangeError(`feature spec with ${bands} bands must be ${24 + 2 * (bands + 1)} bytes`);
  const bandEdges = new Uint16Array(bands + 1);
  for (let i = 0; i <= bands; i++) bandEdges[i] = v.getUint16(24 + 2 * i, true);
  const spec: FeatureSpec = {
    windowLen: v.getUint16(4, true),
    hop: v.getUint16(6, true),
    segmentLen: v.getUint16(8, true),
    sampleRateHz: v.getFloat32(12, true),
    velocityBandHz: [v.getFloat32(16, true), v.getFloat32(20, true)],
    bandEdges,
  };
  validateFeatureSpec(spec);
  return spec;
}
