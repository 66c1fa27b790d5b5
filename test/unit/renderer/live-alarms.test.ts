// The Live page's alarms: main's word (NodeInfo.condition.alarm) says which alarm is on, so a page
// that opened or reloaded during an alarm, and never received its EVENT, still lists it as on.
import { describe, expect, it } from 'vitest';
import type { NodeAlarmState, NodeEventInfo, NodeInfo } from '../../../models/api/contract';
import { activeAlarm, alarmEntries } from '../../../renderer/src/live/alarms';

const ev = { eventId: 3, debounceK: 3, debounceN: 5, startWindow: 40, endWindow: 42, startTUs: 40_000, endTUs: 42_000, peakScore: 14.5, threshold: 1.65, modelVersion: 1 };
const event = (state: 'started' | 'ended', over: Partial<NodeEventInfo> = {}): NodeEventInfo => ({ path: '/dev/x', state, ...ev, ...over });
const held = (active: boolean, over: Partial<NodeAlarmState> = {}): NodeAlarmState => ({ ...ev, active, sinceMs: 1000, ...(active ? {} : { endedMs: 2000, endedBy: 'node' as const }), ...over });
const node = (alarm: NodeAlarmState | null, modelVersion = 1): NodeInfo =>
  ({ path: '/dev/x', status: 'online', hello: { info: { modelVersion } }, condition: { alarm, detector: { kind: 'model', learnPercent: 0, modelVersion }, lastSeenMs: 1 } }) as unknown as NodeInfo;

describe('Live page alarms', () => {
  it('lists the alarm main holds as on although this page saw no EVENT (opened or reloaded during it)', () => {
    const n = node(held(true));
    expect(activeAlarm(n)).toMatchObject({ eventId: 3, sinceMs: 1000 });
    expect(alarmEntries(n, [])).toEqual([expect.objectContaining({ eventId: 3, active: true, ended: null, peakScore: 14.5 })]);
  });

  it('an event this page saw is on only while main says so, and says why it is over', () => {
    expect(alarmEntries(node(held(true)), [event('started')]).map((e) => [e.eventId, e.active])).toEqual([[3, true]]);
    expect(alarmEntries(node(held(false)), [event('ended')])).toEqual([expect.objectContaining({ active: false, ended: 'node' })]);
    // The node restarted, or ended it while no one listened: main cleared it, the page's "started" does not keep it on.
    expect(alarmEntries(node(held(false, { endedBy: 'unconfirmed' })), [event('started')])).toEqual([expect.objectContaining({ active: false, ended: 'unconfirmed' })]);
    expect(activeAlarm(node(held(false)))).toBeNull();
    // An older model's started alarm the page saw, replaced by the new model's that main holds.
    const entries = alarmEntries(node(held(true, { eventId: 4, modelVersion: 2, startWindow: 90 }), 2), [event('started')]);
    expect(entries.map((e) => [e.eventId, e.modelVersion, e.active, e.ended])).toEqual([
      [3, 1, false, 'detector'],
      [4, 2, true, null],
    ]);
  });

  it('without a condition (an older host) falls back to the events: a start of the running model is on', () => {
    const n = { path: '/dev/x', status: 'online', hello: { info: { modelVersion: 1 } } } as unknown as NodeInfo;
    expect(alarmEntries(n, [event('started')])[0].active).toBe(true);
    expect(alarmEntries(n, [event('started', { modelVersion: 9 })])[0].active).toBe(false);
    expect(activeAlarm(n)).toBeNull();
  });
});
