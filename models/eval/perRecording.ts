/**
 * The evaluation per held-out recording and per operating condition (docs/detection.md,
 * docs/training.md): for the node model and, when the normal recordings carry their shaft speed,
 * for the speed-aware detector fitted on the same training windows. Per recording: the windows
 * scored, the fraction over the threshold, the k-of-n debounced alarms and the state a technician
 * is shown (fault / unseen condition / healthy, models/detect/evaluate.ts). A healthy recording's
 * flagged fraction is its achieved false-alarm rate, printed beside the target rate.
 */
import { evaluateScores, type RecordingState } from '../detect/evaluate';
import { fitSpeedDetector, scoreGroup, windowsSinceRestart, type SpeedDetector, type SpeedGroup, type ValidationScheme } from '../detect/speedDetector';
import { nodeScoreGroup, type NodeSpeedDetector } from '../detect/speedNode';
import { int8SumsqBatch } from '../nn/int8';
import type { Int8Autoencoder } from '../nn/types';
import { NORMAL_LABEL, type WindowSet } from '../train/dataset';

/** A recording's operating condition as the manifest gives it (absent = not known). */
export interface OperatingCondition {
  rpm?: number;
  load?: number;
}

export interface DetectorOnRecording {
  windows: number;
  /** Windows over the threshold. */
  flagged_windows: number;
  /** Fraction of windows over the threshold (NaN-scored windows never count). */
  flagged: number;
  /** k-of-n debounced alarm onsets. */
  alarms: number;
  state: RecordingState;
}

export interface RecordingRow {
  recording: string;
  label: string;
  /** 'held-out normal': the held-out end of a normal recording; 'anomaly': every window, never trained on. */
  role: 'held-out normal' | 'anomaly';
  rpm: number | null;
  load: number | null;
  node: DetectorOnRecording;
  speed_aware: DetectorOnRecording | null;
  /** Healthy recordings only: the node model's achieved per-window false-alarm rate and the target. */
  false_alarm_rate?: number;
  speed_aware_false_alarm_rate?: number | null;
  target_rate?: number;
}

export interface ConditionSummary {
  windows: number;
  flagged: number;
  alarms: number;
  states: Record<RecordingState, number>;
}

export interface ConditionRow {
  label: string;
  rpm: number | null;
  load: number | null;
  recordings: number;
  node: ConditionSummary;
  speed_aware: ConditionSummary | null;
}

export interface PerRecordingReport {
  target_rate: number;
  debounce: { k: number; n: number };
  /** Why the speed-aware detector was not evaluated, or null when it was. */
  speed_aware_unavailable: string | null;
  speed_aware_threshold: number | null;
  /** Trained speeds of the speed-aware detector, rpm ascending. */
  speed_aware_knots: number[];
  /**
   * 'model file': the speed section the model carries, scored as the node scores it (node form,
   * its own threshold); 'fitted': fitted here on the split's training windows; null when not evaluated.
   */
  speed_aware_source?: 'model file' | 'fitted' | null;
  /**
   * Where a fitted detector's threshold scores came from (docs/detection.md §3.4):
   * 'leave-one-recording-out' (every trained speed has two normal recordings or more) or
   * 'separate' (the validation windows); null for a model file's section or when not evaluated.
   */
  speed_aware_threshold_scores?: ValidationScheme | null;
  per_recording: RecordingRow[];
  per_condition: ConditionRow[];
}

export interface PerRecordingInput {
  train: WindowSet;
  val: WindowSet;
  testNormal: WindowSet;
  anomalies: Map<string, WindowSet>;
  /** By recording name (WindowSet.sources); absent names have no known condition. */
  conditions: Map<string, OperatingCondition>;
  /** The node model's score per window and the threshold it is compared with (same units). */
  nodeScore: (rows: Float32Array[]) => ArrayLike<number>;
  nodeThreshold: number;
  targetRate: number;
  debounceK: number;
  debounceN: number;
  /**
   * Fit the speed-aware detector only on the normal recordings at these speeds (rpm); the others
   * are tested, never trained on. Absent: every normal recording, each of which must carry its rpm.
   */
  fitSpeeds?: number[];
  /** The speed section of the model file (node form): evaluated as it is instead of fitting one. */
  stored?: NodeSpeedDetector;
}

/** What the per-recording table needs of a speed-aware detector, fitted or stored. */
interface SpeedScorer {
  scores: (g: Group, rpm: number | undefined) => number[];
  threshold: number;
  knots: number[];
}

interface Group {
  name: string;
  rows: Float32Array[];
  segmentStarts: number[];
}

/** The windows of each source of a set, in time order, with the EMA restarts at segment changes. */
function bySource(set: WindowSet): Group[] {
  const groups = set.sources.map((name) => ({ name, rows: [] as Float32Array[], segments: [] as number[] }));
  for (let i = 0; i < set.rows.length; i++) {
    const g = groups[set.sourceIndex[i]];
    g.rows.push(set.rows[i]);
    g.segments.push(set.segment[i]);
  }
  return groups
    .filter((g) => g.rows.length > 0)
    .map((g) => ({ name: g.name, rows: g.rows, segmentStarts: g.segments.flatMap((s, k) => (k > 0 && s !== g.segments[k - 1] ? [k] : [])) }));
}

function onRecording(scores: ArrayLike<number>, threshold: number, k: number, n: number): DetectorOnRecording {
  const r = evaluateScores(scores, threshold, 0, k, n);
  return { windows: r.windows, flagged_windows: Math.round(r.flagged * r.windows), flagged: r.flagged, alarms: r.alarms, state: r.state };
}

/** The normal recordings' training and validation windows grouped by recording with their rpm, or why there are none. */
export function speedGroupsFromSplit(input: Pick<PerRecordingInput, 'train' | 'val' | 'conditions' | 'fitSpeeds'>): { train: SpeedGroup[]; val: SpeedGroup[] } | string {
  const speeds = input.fitSpeeds;
  const groups = (set: WindowSet): SpeedGroup[] | string => {
    const out: SpeedGroup[] = [];
    for (const g of bySource(set)) {
      const rpm = input.conditions.get(g.name)?.rpm;
      if (speeds) {
        if (rpm !== undefined && speeds.includes(rpm)) out.push({ rpm, rows: g.rows, segmentStarts: g.segmentStarts, recording: g.name });
        continue;
      }
      if (rpm === undefined) return `the normal recording ${g.name} has no rpm in the manifest`;
      out.push({ rpm, rows: g.rows, segmentStarts: g.segmentStarts, recording: g.name });
    }
    return out.length ? out : speeds ? `no normal recording at ${speeds.join(', ')} rpm` : 'no normal windows';
  };
  const train = groups(input.train);
  const val = groups(input.val);
  if (typeof train === 'string') return train;
  if (typeof val === 'string') return val;
  return { train, val };
}

/** Fits the speed-aware detector on the normal recordings' training and validation windows, or says why it cannot. */
export function fitFromSplit(input: Pick<PerRecordingInput, 'train' | 'val' | 'conditions' | 'targetRate' | 'fitSpeeds'>): SpeedDetector | string {
  const groups = speedGroupsFromSplit(input);
  if (typeof groups === 'string') return groups;
  try {
    return fitSpeedDetector(groups.train, groups.val, { targetRate: input.targetRate });
  } catch (e) {
    return (e as Error).message;
  }
}

/** The same with the node form a model file carries (models/detect/speedNode.ts, what the node computes). */
function nodeScores(det: NodeSpeedDetector, g: Group, rpm: number | undefined): number[] {
  const s = nodeScoreGroup(det, { rpm: rpm ?? NaN, rows: g.rows, segmentStarts: g.segmentStarts });
  const age = windowsSinceRestart(s.length, g.segmentStarts);
  return Array.from(s).filter((_, i) => age[i] >= det.warmup);
}

/** Speed-aware scores of one recording with the unsettled EMA windows left out (NaN outside the span or without rpm). */
function speedScores(det: SpeedDetector, g: Group, rpm: number | undefined): number[] {
  const s = scoreGroup(det, { rpm: rpm ?? NaN, rows: g.rows, segmentStarts: g.segmentStarts });
  const age = windowsSinceRestart(s.length, g.segmentStarts);
  return Array.from(s).filter((_, i) => age[i] >= det.warmup);
}

const emptySummary = (): ConditionSummary => ({ windows: 0, flagged: 0, alarms: 0, states: { fault: 0, 'unseen condition': 0, healthy: 0 } });

function addTo(sum: ConditionSummary, r: DetectorOnRecording): void {
  sum.windows += r.windows;
  sum.flagged += r.flagged_windows;
  sum.alarms += r.alarms;
  sum.states[r.state]++;
}

/** Per held-out recording and per (label, rpm, load): the node model and the speed-aware detector side by side. */
export function evaluatePerRecording(input: PerRecordingInput): PerRecordingReport {
  const { debounceK: k, debounceN: n } = input;
  const det = input.stored ?? fitFromSplit(input);
  const speed: SpeedScorer | null =
    typeof det === 'string'
      ? null
      : 'blocks' in det
        ? { scores: (g, rpm) => nodeScores(det, g, rpm), threshold: det.threshold, knots: det.knots.map((x) => x.rpm) }
        : { scores: (g, rpm) => speedScores(det, g, rpm), threshold: det.threshold.threshold, knots: det.knots.map((x) => x.rpm) };
  const rows: RecordingRow[] = [];
  const sets: [string, WindowSet][] = [[NORMAL_LABEL, input.testNormal], ...input.anomalies];
  for (const [label, set] of sets) {
    for (const g of bySource(set)) {
      const cond = input.conditions.get(g.name) ?? {};
      const node = onRecording(input.nodeScore(g.rows), input.nodeThreshold, k, n);
      const sa = speed ? onRecording(speed.scores(g, cond.rpm), speed.threshold, k, n) : null;
      const healthy = label === NORMAL_LABEL;
      rows.push({
        recording: g.name,
        label,
        role: healthy ? 'held-out normal' : 'anomaly',
        rpm: cond.rpm ?? null,
        load: cond.load ?? null,
        node,
        speed_aware: sa,
        ...(healthy ? { false_alarm_rate: node.flagged, speed_aware_false_alarm_rate: sa && sa.state !== 'unseen condition' ? sa.flagged : null, target_rate: input.targetRate } : {}),
      });
    }
  }
  const conditions = new Map<string, ConditionRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.label, r.rpm, r.load]);
    let c = conditions.get(key);
    if (!c) {
      c = { label: r.label, rpm: r.rpm, load: r.load, recordings: 0, node: emptySummary(), speed_aware: speed ? emptySummary() : null };
      conditions.set(key, c);
    }
    c.recordings++;
    addTo(c.node, r.node);
    if (c.speed_aware && r.speed_aware) addTo(c.speed_aware, r.speed_aware);
  }
  for (const c of conditions.values()) {
    c.node.flagged = c.node.windows ? c.node.flagged / c.node.windows : 0;
    if (c.speed_aware) c.speed_aware.flagged = c.speed_aware.windows ? c.speed_aware.flagged / c.speed_aware.windows : 0;
  }
  const order = (a: ConditionRow, b: ConditionRow) => (a.label === b.label ? 0 : a.label === NORMAL_LABEL ? -1 : b.label === NORMAL_LABEL ? 1 : a.label < b.label ? -1 : 1) || (a.rpm ?? -1) - (b.rpm ?? -1) || (a.load ?? -1) - (b.load ?? -1);
  return {
    target_rate: input.targetRate,
    debounce: { k, n },
    speed_aware_unavailable: typeof det === 'string' ? det : null,
    speed_aware_threshold: speed ? speed.threshold : null,
    speed_aware_knots: speed ? speed.knots : [],
    speed_aware_source: speed ? (input.stored ? 'model file' : 'fitted') : null,
    speed_aware_threshold_scores: speed && typeof det !== 'string' && !('blocks' in det) ? (det.validation ?? 'separate') : null,
    per_recording: rows,
    per_condition: [...conditions.values()].sort(order),
  };
}

/** The same for a node model (int8, its own threshold and debounce), as `vigil eval` and the Training page run it. */
export function perRecordingForModel(
  data: Pick<PerRecordingInput, 'train' | 'val' | 'testNormal' | 'anomalies'>,
  model: Int8Autoencoder,
  targetRate: number,
  conditions: Map<string, OperatingCondition> = new Map(),
  fitSpeeds?: number[],
): PerRecordingReport {
  return evaluatePerRecording({
    ...data,
    conditions,
    nodeScore: (rows) => int8SumsqBatch(model, rows),
    nodeThreshold: model.detector.thresholdSumsq,
    targetRate,
    debounceK: model.detector.debounceK,
    debounceN: model.detector.debounceN,
    ...(fitSpeeds ? { fitSpeeds } : {}),
    // the model's own speed section, unless --speeds asks for one fitted at other speeds
    ...(model.speed && !fitSpeeds ? { stored: model.speed } : {}),
  });
}
