/**
 * A node's condition as main keeps it (main/node/condition.ts) and the UI reads it: its alarm, its
 * detector, when it was last heard and its latest levels. Part of the API contract (re-exported by
 * contract.ts).
 */
import type { AnomalyEvent } from '../protocol/messages';
import type { DetectorStatus, NodeLinkInfo } from './contract';

/**
 * The node's anomaly alarm as main last heard it (EVENT, docs/protocol.md §3.3): active from the
 * EVENT that started it until the EVENT that ended it (same event_id), or until main learns it
 * cannot still be on (see `endedBy`). The fields of the last EVENT of that alarm.
 */
export interface NodeAlarmState extends Omit<AnomalyEvent, 'state'> {
  active: boolean;
  /** When main first heard the alarm start (ms since the epoch, main's clock). */
  sinceMs: number;
  /** When main heard it end, for an alarm no longer active. */
  endedMs?: number;
  /**
   * Why it is no longer active: 'node' the node's EVENT ended it; 'restart' the node restarted
   * (its detector starts afresh); 'detector' a HELLO showed the node detecting with something else
   * than what raised it (another model, learning, none); 'unconfirmed' the node did not repeat it
   * after a new link's HELLO, as it does for an alarm still on (it ended while no one listened).
   */
  endedBy?: 'node' | 'restart' | 'detector' | 'unconfirmed';
}

/** What detects on the node now (FEATURES state, else HELLO), with the model it runs (HELLO INFO). */
export interface NodeDetectorState extends DetectorStatus {
  /** The model version the node runs (HELLO INFO); 0 for none; absent from a 1.0 node. */
  modelVersion?: number;
  modelSource?: NodeLinkInfo['modelSource'];
}

/**
 * A node's current condition as main keeps it (main/node/condition.ts), so a page that opens or
 * reloads shows what the node said before it was there: its alarm, its detector, when it was last
 * heard and its latest window's levels. The ISO 20816 zone is not here: it depends on the machine
 * group and foundation the Fleet page keeps, so the renderer works it out from `latest.velocityMmS`.
 */
export interface NodeCondition {
  /** The last alarm this session heard of (active or ended); null when none. */
  alarm: NodeAlarmState | null;
  detector: NodeDetectorState;
  /** When main last received a frame from the node (ms since the epoch); null before any. */
  lastSeenMs: number | null;
  /** The newest FEATURES window: its index and node time, when main got it, shaft speed, velocity RMS per axis (mm/s), anomaly score. */
  latest?: { windowIndex: number; tUs: number; atMs: number; shaftHz: number; velocityMmS?: number[]; anomalyScore?: number | null };
}

/** The fields an alarm keeps from its EVENT (NodeEventInfo or NodeAlarmState), and nothing else. */
export function alarmEventFields(e: Omit<AnomalyEvent, 'state'>): Omit<AnomalyEvent, 'state'> {
  const { eventId, debounceK, debounceN, startWindow, endWindow, startTUs, endTUs, peakScore, threshold, modelVersion } = e;
  return { eventId, debounceK, debounceN, startWindow, endWindow, startTUs, endTUs, peakScore, threshold, modelVersion };
}
