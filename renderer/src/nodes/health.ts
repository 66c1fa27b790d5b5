/**
 * A node's health beside its link status, for the Live card and the Nodes page: "Online · alarm",
 * "Online · learning 40 %", "Online · healthy" (issue 13, point 7: every node was a green "Online"
 * whatever its health). The state is the Fleet page's (fleet/machineState.ts) for the ISO class of
 * the machine the node is placed on (fleet/machineClass.ts; group 2 on a rigid foundation when it
 * is not placed), the zones the Live card shows; and words that reconcile the ISO zone (the
 * vibration level) with the anomaly alarm (its pattern). Pure but for the catalogue.
 */
import type { FeatureFrame, NodeInfo } from '../../../models/api/contract';
import { pointState, type Foundation, type MachineGroup, type StateKind, type Tone, type Zone } from '../fleet/machineState';
import { STATUS_LABEL } from '../format';
import { t } from '../i18n';

export interface NodeHealth {
  /** null while the link is not up: the status word alone says it. */
  kind: StateKind | 'waiting' | null;
  tone: Tone;
  text: string;
}

export function nodeHealth(node: NodeInfo, latest?: FeatureFrame, cls: { group: MachineGroup; foundation: Foundation } = { group: 2, foundation: 'rigid' }): NodeHealth {
  const status = STATUS_LABEL[node.status];
  if (node.status !== 'online') return { kind: null, tone: 'idle', text: status };
  const s = pointState({
    status: node.status,
    latest,
    condition: node.condition,
    helloDetector: node.hello?.info?.detector,
    helloModelVersion: node.hello?.info?.modelVersion,
    group: cls.group,
    foundation: cls.foundation,
  });
  // Nothing heard yet about the detector or the level: say so rather than "healthy".
  const known = s.alarmActive || latest !== undefined || node.condition?.latest !== undefined || (node.condition?.detector && node.condition.detector.kind !== 'unknown') || node.hello?.info !== undefined;
  if (!known) return { kind: 'waiting', tone: 'idle', text: t('nodes.health.waiting', { status }) };
  const kind = s.kind;
  return { kind, tone: s.tone, text: t(`nodes.health.${kind}`, { status, percent: Math.round(s.learnPercent ?? 0) }) };
}

/**
 * Words that reconcile the ISO zone with the anomaly alarm, or null when they agree (a low level
 * and no alarm). The zone judges the vibration's level, the anomaly detector its pattern.
 */
export function zoneAlarmWords(zone: Zone | null, alarmActive: boolean): string | null {
  if (zone === null) return null;
  const high = zone === 'C' || zone === 'D';
  if (alarmActive) return t(high ? 'live.reconcile.alarmHigh' : zone === 'A' ? 'live.reconcile.alarmLow' : 'live.reconcile.alarmOk', { zone });
  return high ? t('live.reconcile.highNoAlarm', { zone }) : null;
}
