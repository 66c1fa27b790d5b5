/**
 * The alarm threshold of the detector a node runs, known before its first alarm. In order:
 *
 *  - the node's own statement (protocol 1.4: HELLO and every FEATURES carry the threshold of what
 *    detects, docs/protocol.md §3.1), which main keeps in NodeInfo.condition.detector.threshold:
 *    the baseline the node learned ('node-baseline') or the model it runs ('node-model'), whoever
 *    deployed it;
 *
 * and for a node before 1.4 (or one that says it has none now), as before: the node states its
 * threshold only in an EVENT (docs/protocol.md §3.3), but a model's threshold is in its file
 * (docs/model-format.md §2.5: a window is over when its sum of squares exceeds `threshold_sumsq`,
 * i.e. its score exceeds `threshold_sumsq · s_in² / D`). So:
 *
 *  - a node running its built-in model: the app's copy of that model (renderer/public/models/
 *    default.vgm, written by scripts/gen-default-model.ts with the firmware's array), when the
 *    versions match;
 *  - a node running a model from its store: the model of that version that this app deployed to
 *    this node (its deployments, confirmed or on trial: renderer/src/db/deployments.ts) — not any
 *    stored model of that number, which another laptop may have given to another model;
 *  - otherwise (the node's own learned baseline, whose threshold depends on the speed, or a model
 *    this app does not hold): the threshold of the node's last alarm from the same detector, which
 *    main keeps (NodeInfo.condition.alarm), or none yet.
 */
import type { NodeInfo } from '../../../models/api/contract';
import { readVgmFile } from '../../../models/nn/modelFile';
import { sumsqToScore } from '../../../models/nn/int8';
import type { VigilDb } from '../db/db';
import { nodeDeployments } from '../db/deployments';

export type ThresholdSource = 'node-baseline' | 'node-model' | 'built-in' | 'model-store' | 'alarm';
export interface KnownThreshold {
  value: number;
  source: ThresholdSource;
  modelVersion: number;
}

/** A model file's version and its threshold as a score (what FEATURES' anomaly_score is compared with). */
export function modelThreshold(file: Uint8Array): { modelVersion: number; score: number } {
  const m = readVgmFile(file).model;
  return { modelVersion: m.modelVersion, score: sumsqToScore(m, m.detector.thresholdSumsq) };
}

export interface ThresholdLookups {
  /** The app's copy of the built-in model (null when it cannot be read). */
  builtIn: () => Promise<Uint8Array | null>;
  /** The model file of that version this app deployed to the node (null when none).  */
  byVersion: (version: number) => Promise<Uint8Array | null>;
}

/** The threshold of what the node runs now, and where it was learned from; null when nothing says it. */
export async function knownThreshold(node: NodeInfo, look: ThresholdLookups): Promise<KnownThreshold | null> {
  const info = node.hello?.info;
  const d = node.condition?.detector;
  const version = d?.modelVersion ?? info?.modelVersion ?? 0;
  const source = d?.modelSource ?? info?.modelSource;
  const kind = d?.kind ?? (version > 0 ? 'model' : 'none');
  // The node says it (1.4): nothing to look up. null (none now) and absent (older firmware) fall through.
  const stated = d?.threshold;
  if (typeof stated === 'number' && Number.isFinite(stated) && stated >= 0) {
    if (kind === 'baseline') return { value: stated, source: 'node-baseline', modelVersion: 0 };
    if (kind === 'model' || kind === 'unknown') return { value: stated, source: 'node-model', modelVersion: version };
  }
  if ((kind === 'model' || kind === 'unknown') && version > 0) {
    try {
      const file = source === 'built-in' ? await look.builtIn() : await look.byVersion(version);
      if (file) {
        const m = modelThreshold(file);
        if (m.modelVersion === version && Number.isFinite(m.score)) return { value: m.score, source: source === 'built-in' ? 'built-in' : 'model-store', modelVersion: version };
      }
    } catch {
      // An unreadable file says nothing: fall back to the last alarm.
    }
  }
  const a = node.condition?.alarm;
  const sameDetector = a && (a.modelVersion === 0 ? kind === 'baseline' || kind === 'unseen-condition' : a.modelVersion === version && kind !== 'none' && kind !== 'learning');
  if (a && sameDetector && Number.isFinite(a.threshold)) return { value: a.threshold, source: 'alarm', modelVersion: a.modelVersion };
  return null;
}

/**
 * The file of model version `version` that this app deployed to node `nodeId` (confirmed or on
 * trial), newest deployment first; null when it deployed none: a stored model of the same number
 * never sent to this node could be another laptop's.
 */
export async function deployedModelFile(db: VigilDb, nodeId: string, version: number): Promise<Uint8Array | null> {
  for (const d of await nodeDeployments(db, nodeId)) {
    if (d.modelVersion !== version || (d.status !== 'confirmed' && d.status !== 'trial')) continue;
    const m = await db.models.get(d.modelId);
    if (m) return m.blob;
  }
  return null;
}
