/**
 * The node's alarms as the Live page lists and draws them: the EVENTs this page received, and the
 * alarm main holds for the node (NodeInfo.condition.alarm), which a page that opened or reloaded
 * during the alarm never received as an EVENT. Whether an alarm is on is main's word (it follows
 * the node's start and end, docs/protocol.md §3.3), not what this page happened to see. Pure.
 */
import { alarmEventFields, type NodeAlarmState, type NodeEventInfo, type NodeInfo } from '../../../models/api/contract';

export interface AlarmEntry {
  eventId: number;
  modelVersion: number;
  startWindow: number;
  endWindow: number;
  startTUs: number;
  endTUs: number;
  peakScore: number;
  threshold: number;
  debounceK: number;
  debounceN: number;
  active: boolean;
  /** Why an alarm is over (NodeAlarmState.endedBy); null while it is on. */
  ended: NonNullable<NodeAlarmState['endedBy']> | null;
}

type Keyed = Pick<NodeAlarmState, 'eventId' | 'modelVersion' | 'startWindow'>;

export const alarmKey = (e: Keyed): string => `${e.eventId}:${e.modelVersion}:${e.startWindow}`;

/** The node's alarms, oldest first: the events seen here, and main's held alarm when this page never saw it. */
export function alarmEntries(node: NodeInfo, events: readonly NodeEventInfo[]): AlarmEntry[] {
  const held = node.condition?.alarm ?? null;
  const heldKey = held ? alarmKey(held) : '';
  const running = node.hello?.info?.modelVersion;
  const out: AlarmEntry[] = events.map((e) => {
    const isHeld = held !== null && alarmKey(e) === heldKey;
    // An older host sends no condition: then an alarm started by the running model counts as on.
    const active = node.condition ? isHeld && held.active : e.state === 'started' && (running === undefined || e.modelVersion === running);
    // A start this page saw whose end never came: another alarm or detector took its place.
    const why = held && isHeld ? (held.endedBy ?? 'node') : e.state === 'started' ? 'detector' : 'node';
    return { ...alarmEventFields(held && isHeld ? held : e), active, ended: active ? null : why };
  });
  if (held && !events.some((e) => alarmKey(e) === heldKey)) {
    out.push({ ...alarmEventFields(held), active: held.active, ended: held.active ? null : (held.endedBy ?? 'node') });
  }
  return out;
}

/** The alarm main says is on for this node, if any. */
export function activeAlarm(node: NodeInfo): NodeAlarmState | null {
  const a = node.condition?.alarm;
  return a?.active ? a : null;
}
