import { describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeAlarmState, NodeCondition } from '../../../models/api/contract';
import { pointState, worstState, zoneOf, type PointInput } from '../../../renderer/src/fleet/machineState';

const frame = (velocity: number[], extra: Partial<FeatureFrame> = {}): FeatureFrame => ({
  windowIndex: 1,
  tUs: 1e6,
  shaftHz: 29.95,
  rmsG: velocity.map(() => 0.1),
  velocityMmS: velocity,
  anomalyScore: 0.01,
  detector: { kind: 'model', learnPercent: 100 },
  ...extra,
});

/** The condition main keeps for a node (NodeInfo.condition), with its alarm on or ended. */
const held = (active: boolean | null, extra: Partial<NodeCondition> = {}): NodeCondition => ({
  alarm:
    active === null
      ? null
      : ({ eventId: 1, startWindow: 10, endWindow: 20, startTUs: 0, endTUs: 0, peakScore: 9, threshold: 1.6, debounceK: 3, debounceN: 5, modelVersion: 1, active, sinceMs: 1, ...(active ? {} : { endedMs: 2, endedBy: 'node' }) } as NodeAlarmState),
  detector: { kind: 'model', learnPercent: 0, modelVersion: 1 },
  lastSeenMs: 1,
  ...extra,
});

const base: PointInput = { status: 'online', group: 2, foundation: 'rigid' };

describe('fleet point state', () => {
  it('zones follow ISO 20816-3 for the machine group and foundation', () => {
    expect(zoneOf(1.4, 2, 'rigid')).toBe('A');
    expect(zoneOf(1.41, 2, 'rigid')).toBe('B');
    expect(zoneOf(3, 2, 'rigid')).toBe('C');
    expect(zoneOf(4.6, 2, 'rigid')).toBe('D');
    // The same 3 mm/s on a flexible foundation, and on a group 1 machine.
    expect(zoneOf(3, 2, 'flexible')).toBe('B');
    expect(zoneOf(3, 1, 'rigid')).toBe('B');
    expect(zoneOf(8, 1, 'flexible')).toBe('C');
    expect(zoneOf(NaN, 2, 'rigid')).toBeNull();
  });

  it('a healthy node in zone A reads healthy, with its zone', () => {
    const s = pointState({ ...base, latest: frame([0.5, 0.9]) });
    expect(s).toMatchObject({ kind: 'healthy', tone: 'ok', zone: 'A', velocityMmS: 0.9, alarmActive: false });
  });

  it('an active alarm wins over a green zone and is still reported with the zone', () => {
    const s = pointState({ ...base, latest: frame([0.5]), condition: held(true) });
    expect(s).toMatchObject({ kind: 'alarm', tone: 'bad', zone: 'A', alarmActive: true });
    // Once the node ended it, the node is healthy again.
    expect(pointState({ ...base, latest: frame([0.5]), condition: held(false) }).kind).toBe('healthy');
    expect(pointState({ ...base, latest: frame([0.5]), condition: held(null) }).kind).toBe('healthy');
  });

  it('after a reload (no frame, no event seen yet) the alarm and the zone come from the condition main keeps', () => {
    const s = pointState({ ...base, condition: held(true, { latest: { windowIndex: 5, tUs: 5, atMs: 1, shaftHz: 29.95, velocityMmS: [0.4, 3.2] } }) });
    expect(s).toMatchObject({ kind: 'alarm', alarmActive: true, zone: 'C', velocityMmS: 3.2 });
    // Its detector too: learning, before any frame reached this page.
    expect(pointState({ ...base, condition: held(null, { detector: { kind: 'learning', learnPercent: 41 } }) })).toMatchObject({ kind: 'learning', learnPercent: 41 });
  });

  it('zone C and D are named from the worst axis', () => {
    expect(pointState({ ...base, latest: frame([0.5, 3.1]) })).toMatchObject({ kind: 'zone-c', tone: 'warn', zone: 'C' });
    expect(pointState({ ...base, latest: frame([5, 0.1]) })).toMatchObject({ kind: 'zone-d', tone: 'bad', zone: 'D' });
    expect(pointState({ ...base, foundation: 'flexible', latest: frame([3.1]) }).kind).toBe('healthy');
  });

  it('offline, connecting and a node known only from recordings', () => {
    expect(pointState({ ...base, status: 'offline', latest: frame([9]) }).kind).toBe('offline');
    expect(pointState({ ...base, status: 'reconnecting' }).kind).toBe('offline');
    expect(pointState({ ...base, status: null }).kind).toBe('offline');
    expect(pointState({ ...base, status: 'connecting' }).kind).toBe('connecting');
  });

  it('learning, no model and an unseen condition come from the detector', () => {
    expect(pointState({ ...base, latest: frame([0.5], { detector: { kind: 'learning', learnPercent: 37 }, anomalyScore: null }) })).toMatchObject({ kind: 'learning', learnPercent: 37 });
    expect(pointState({ ...base, latest: frame([0.5], { detector: { kind: 'none', learnPercent: 0 }, anomalyScore: null }) }).kind).toBe('no-model');
    expect(pointState({ ...base, latest: frame([0.5], { detector: undefined, anomalyScore: null }) }).kind).toBe('no-model');
    expect(pointState({ ...base, latest: frame([0.5], { detector: { kind: 'unseen-condition', learnPercent: 100 } }) }).kind).toBe('unseen');
    // Before any frame: HELLO says model version 0.
    expect(pointState({ ...base, helloModelVersion: 0 }).kind).toBe('no-model');
    expect(pointState({ ...base, helloModelVersion: 3 }).kind).toBe('healthy');
  });

  it('a machine takes its worst point', () => {
    const ok = pointState({ ...base, latest: frame([0.5]) });
    const off = pointState({ ...base, status: 'offline' });
    const alarm = pointState({ ...base, latest: frame([0.5]), condition: held(true) });
    expect(worstState([ok, off])!.kind).toBe('offline');
    expect(worstState([ok, alarm, off])!.kind).toBe('alarm');
    expect(worstState([])).toBeNull();
  });
});
