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

describe('the detector state (protocol 1.3) and its threshold (1.4)', () => {
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

  it('carries the threshold after the state (1.4): 6 bytes, all or nothing, a 1.3 state still read', () => {
    const p = encodeFeatures({ ...base, state: { detector: DETECTOR_BASELINE, learnPercent: 100, threshold: 3.5 } });
    const plain = encodeFeatures(base);
    expect(p.length).toBe(plain.length + 6);
    expect(Array.from(p.subarray(-6))).toEqual([DETECTOR_BASELINE, 100, 0x00, 0x00, 0x60, 0x40]); // 3.5 as f32 LE
    expect(decodeFeatures(p).state).toEqual({ detector: DETECTOR_BASELINE, learnPercent: 100, threshold: 3.5 });
    for (const cut of [1, 2, 3, 5]) expect(() => decodeFeatures(p.subarray(0, p.length - cut)), `cut ${cut}`).toThrow(PayloadError);
    expect(decodeFeatures(p.subarray(0, p.length - 4)).state).toEqual({ detector: DETECTOR_BASELINE, learnPercent: 100 });
    // Later bytes are ignored (the extension rule); "none now" travels as −1.
    expect(decodeFeatures(Uint8Array.from([...p, 0xee])).state?.threshold).toBe(3.5);
    const none = encodeFeatures({ ...base, anomalyScore: -1, state: { detector: DETECTOR_LEARNING, learnPercent: 5, threshold: -1 } });
    expect(decodeFeatures(none).state?.threshold).toBe(-1);
  });

  it('carries the learning period in CONFIG key 10, in range', () => {
    const e = configToEntries({ learnWindows: 2600 });
    expect(e).toEqual([{ key: 10, value: Uint8Array.of(0x28, 0x0a, 0, 0) }]);
    expect(entriesToConfig(decodeConfigEntries(encodeConfigEntries(e))).learnWindows).toBe(2600);
    expect(() => configToEntries({ learnWindows: 63 })).toThrow(/learn_windows 63/);
    expect(() => configToEntries({ learnWindows: 2 ** 31 })).toThrow(/out of range/);
  });
});
