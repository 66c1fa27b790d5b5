/**
 * The node's detector state in plain words, for the Live and Nodes pages: one home for the words
 * the renderer shows (docs/detection.md §3, docs/protocol.md §3.1, §3.2).
 */
import type { DetectorStatus } from './contract';

const KINDS: readonly DetectorStatus['kind'][] = ['none', 'model', 'learning', 'baseline', 'unseen-condition'];

/**
 * The wire's detector byte and learning percent (protocol 1.3) and threshold (1.4: negative or NaN
 * for none now; undefined from an older node) as the API shows them.
 */
export function detectorStatus(detector: number, learnPercent: number, threshold?: number): DetectorStatus {
  const d: DetectorStatus = { kind: KINDS[detector] ?? 'unknown', learnPercent: Math.max(0, Math.min(100, learnPercent)) };
  if (threshold !== undefined) d.threshold = Number.isFinite(threshold) && threshold >= 0 ? threshold : null;
  return d;
}

/**
 * Words for the state, or null for 'model' and 'unknown' (the caller shows the model's version).
 * 'learning 37 %', 'learned baseline', 'condition not seen in training', 'no detector'.
 */
export function detectorText(d: DetectorStatus | undefined): string | null {
  switch (d?.kind) {
    case 'learning':
      return `learning ${d.learnPercent} %`;
    case 'baseline':
      return 'learned baseline';
    case 'unseen-condition':
      return 'condition not seen in training';
    case 'none':
      return 'no detector';
    default:
      return null;
  }
}
