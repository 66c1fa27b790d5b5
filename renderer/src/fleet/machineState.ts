/**
 * A measurement point's (and a machine's) state for the Fleet page, from what the host and the node
 * said: the node's status, the condition main keeps for it (alarm, detector, latest velocity), its
 * latest features, and the machine's ISO 20816-3 class. Pure (no DOM, no i18n): the page turns `kind` and its fields into colour and words.
 */
import type { DetectorStatus, FeatureFrame, NodeCondition, NodeStatus } from '../../../models/api/contract';

export type MachineGroup = 1 | 2;
export type Foundation = 'rigid' | 'flexible';
export type Zone = 'A' | 'B' | 'C' | 'D';

/**
 * ISO 20816-3 zone boundaries, velocity RMS in mm/s (10–1000 Hz): A/B, B/C, C/D. Group 1 is large
 * machines (over 300 kW), group 2 medium ones (15–300 kW).
 */
export const ISO_20816_LIMITS: Record<MachineGroup, Record<Foundation, readonly [number, number, number]>> = {
  1: { rigid: [2.3, 4.5, 7.1], flexible: [3.5, 7.1, 11] },
  2: { rigid: [1.4, 2.8, 4.5], flexible: [2.3, 4.5, 7.1] },
};

export function zoneOf(mmS: number, group: MachineGroup, foundation: Foundation): Zone | null {
  if (!Number.isFinite(mmS) || mmS < 0) return null;
  const [ab, bc, cd] = ISO_20816_LIMITS[group][foundation];
  if (mmS <= ab) return 'A';
  if (mmS <= bc) return 'B';
  if (mmS <= cd) return 'C';
  return 'D';
}

/**
 * Worst first: 'alarm' (the node's anomaly alarm is on), 'zone-d', 'zone-c' (vibration restricts
 * operation), 'offline' (no data now), 'learning', 'no-model', 'unseen', then 'healthy'. A point
 * with no node placed is 'unplaced'. 'connecting' is a node whose link is coming up.
 */
export type StateKind = 'alarm' | 'zone-d' | 'zone-c' | 'offline' | 'connecting' | 'learning' | 'unseen' | 'no-model' | 'healthy' | 'unplaced';

export type Tone = 'bad' | 'warn' | 'idle' | 'ok';

export const TONE: Record<StateKind, Tone> = {
  alarm: 'bad',
  'zone-d': 'bad',
  'zone-c': 'warn',
  offline: 'idle',
  connecting: 'idle',
  learning: 'warn',
  unseen: 'warn',
  'no-model': 'warn',
  healthy: 'ok',
  unplaced: 'idle',
};

const RANK: readonly StateKind[] = ['alarm', 'zone-d', 'zone-c', 'offline', 'connecting', 'learning', 'unseen', 'no-model', 'healthy', 'unplaced'];

export interface PointState {
  kind: StateKind;
  tone: Tone;
  /** The worst axis's velocity RMS and its zone, when the node sends velocity and is online. */
  velocityMmS: number | null;
  zone: Zone | null;
  /** Learning progress, 0–100, for 'learning'. */
  learnPercent: number | null;
  /** Also true when the state shown is worse (an alarm in zone A is still "alarm, zone A"). */
  alarmActive: boolean;
}

export interface PointInput {
  /** The node's status from the host, or null for a node known only from stored recordings. */
  status: NodeStatus | null;
  latest?: FeatureFrame;
  /**
   * The node's condition as main keeps it (NodeInfo.condition): whether its alarm is on comes from
   * here, not from the events one page happened to receive, so a reload keeps an active alarm.
   */
  condition?: NodeCondition;
  /** Detector state from HELLO when main says none and no frame has arrived yet. */
  helloDetector?: DetectorStatus;
  helloModelVersion?: number;
  group: MachineGroup;
  foundation: Foundation;
}

export function pointState(p: PointInput): PointState {
  const base = { velocityMmS: null, zone: null, learnPercent: null, alarmActive: false };
  const make = (kind: StateKind, extra: Partial<PointState> = {}): PointState => ({ ...base, kind, tone: TONE[kind], ...extra });
  if (p.status === null || p.status === 'offline' || p.status === 'error' || p.status === 'reconnecting') return make('offline');
  if (p.status === 'connecting') return make('connecting');
  // The zone is worked out here: it depends on the machine's group and foundation, which only this page knows.
  const v = (p.latest?.velocityMmS ?? p.condition?.latest?.velocityMmS)?.filter((x) => Number.isFinite(x));
  const velocityMmS = v && v.length > 0 ? Math.max(...v) : null;
  const zone = velocityMmS === null ? null : zoneOf(velocityMmS, p.group, p.foundation);
  const alarm = p.condition?.alarm?.active === true;
  const extra = { velocityMmS, zone, alarmActive: alarm };
  if (alarm) return make('alarm', extra);
  if (zone === 'D') return make('zone-d', extra);
  if (zone === 'C') return make('zone-c', extra);
  const held = p.condition?.detector;
  const detector = held && held.kind !== 'unknown' ? held : (p.latest?.detector ?? p.helloDetector);
  if (detector?.kind === 'learning') return make('learning', { ...extra, learnPercent: detector.learnPercent });
  if (detector?.kind === 'unseen-condition') return make('unseen', extra);
  const noModel = detector ? detector.kind === 'none' : p.latest ? p.latest.anomalyScore === null : p.helloModelVersion === 0;
  if (noModel) return make('no-model', extra);
  return make('healthy', extra);
}

/** A machine's state: its worst point's. A machine with no point placed is 'unplaced'. */
export function worstState(states: readonly PointState[]): PointState | null {
  let worst: PointState | null = null;
  for (const s of states) if (!worst || RANK.indexOf(s.kind) < RANK.indexOf(worst.kind)) worst = s;
  return worst;
}
