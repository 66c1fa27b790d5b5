// Protocol 1.3: the node's detector state in FEATURES and HELLO, and CONFIG key 10 (the learning
// period), against the C twin's layout (firmware/src/proto/msg.c); the shared payload checks in
// test/vectors/frames.json cover the same bytes from both languages.
import { describe, expect, it } from 'vitest';
import {
  configToEntries,
  decodeConfigEntries,
  decodeFeatures,
  DETECTOR_BASELINE,
  DETECTOR_LEARNING,
  encodeConfigEntries,
  encodeFeatures,
  entriesToConfig,
  PayloadError,
} from '../../../models/protocol/index';

const base = { windowIndex: 3, tUs: 64000, shaftHz: 20, values: [[0.5, 1, 2, 3, 4]], anomalyScore: 0.25, logBands: [[-6, -5]] };

describe('the detector state (protocol 1.3)', () => {
  it('closes FEATURES after the band energies, all or nothing', () => {
    const p = encodeFeatures({ ...base, state: { detector: DETECTOR_LEARNING, learnPercent: 42 } });
    const plain = encodeFeatures(base);
    expect(p.length).toBe(plain.length + 2);
    expect(Array.from(p.subarray(-2))).toEqual([DETECTOR_LEARNING, 42]);
    expect(decodeFeatures(p).state).toEqual({ detector: DETECTOR_LEARNING, learnPercent: 42 });
    expect(decodeFeatures(plain).state).toBeUndefined();
    expect(() => decodeFeatures(p.subarray(0, p.length - 1))).toThrow(PayloadError);
    expect(() => encodeFeatures({ ...base, state: { detector: DETECTOR_BASELINE, learnPercent: 101 } })).toThrow(/learn_percent/);
  });

  it('carries the learning period in CONFIG key 10, in range', () => {
    const e = configToEntries({ learnWindows: 2600 });
    expect(e).toEqual([{ key: 10, value: Uint8Array.of(0x28, 0x0a, 0, 0) }]);
    expect(entriesToConfig(decodeConfigEntries(encodeConfigEntries(e))).learnWindows).toBe(2600);
    expect(() => configToEntries({ learnWindows: 63 })).toThrow(/learn_windows 63/);
    expect(() => configToEntries({ learnWindows: 2 ** 31 })).toThrow(/out of range/);
  });
});
