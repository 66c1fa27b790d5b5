// The node's detector state from the wire to the words the Live and Nodes pages show.
import { describe, expect, it } from 'vitest';
import { featuresToApi } from '../../../main/node/wireToApi';
import { detectorText } from '../../../models/api/detector';
import { decodeFeatures, DETECTOR_BASELINE, DETECTOR_LEARNING, DETECTOR_UNSEEN, encodeFeatures, FEATURES_NO_MODEL_SCORE } from '../../../models/protocol/index';

const frame = (detector: number, learnPercent: number, anomalyScore: number) =>
  featuresToApi(decodeFeatures(encodeFeatures({ windowIndex: 1, tUs: 1, shaftHz: 20, values: [[0.1]], anomalyScore, logBands: [[-6]], state: { detector, learnPercent } })));

describe('the detector state in the app', () => {
  it('says learning N %, learned baseline, or condition not seen in training; never shows a score it does not have', () => {
    const learning = frame(DETECTOR_LEARNING, 37, FEATURES_NO_MODEL_SCORE);
    expect(learning.anomalyScore).toBeNull();
    expect(detectorText(learning.detector)).toBe('learning 37 %');
    const learned = frame(DETECTOR_BASELINE, 100, 0.8);
    expect(learned.anomalyScore).toBeCloseTo(0.8, 6);
    expect(detectorText(learned.detector)).toBe('learned baseline');
    const unseen = frame(DETECTOR_UNSEEN, 100, FEATURES_NO_MODEL_SCORE);
    expect(unseen.anomalyScore).toBeNull();
    expect(detectorText(unseen.detector)).toBe('condition not seen in training');
    expect(detectorText(frame(9, 100, 1).detector)).toBeNull();
    expect(detectorText(undefined)).toBeNull();
  });

  it('carries the threshold the node states (1.4): a score, null for none now (−1 or NaN), absent from an older node', () => {
    const at = (threshold: number | undefined) =>
      featuresToApi(decodeFeatures(encodeFeatures({ windowIndex: 1, tUs: 1, shaftHz: 20, values: [[0.1]], anomalyScore: 0.5, logBands: [[-6]], state: { detector: DETECTOR_BASELINE, learnPercent: 100, threshold } }))).detector!;
    expect(at(Math.fround(2.75)).threshold).toBe(Math.fround(2.75));
    expect(at(-1).threshold).toBeNull();
    expect(at(NaN).threshold).toBeNull();
    expect('threshold' in at(undefined)).toBe(false);
  });
});
