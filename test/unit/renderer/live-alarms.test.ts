// The Live page's alarms: main's word (NodeInfo.condition.alarm) says which alarm is on, so a page
// that opened or reloaded during an alarm, and never received its EVENT, still lists it as on.
import type { FunctionComponent } from 'react';
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

// The alarm line in a technician's words (renderer/src/live/LiveExtras.tsx AlarmList): what happened
// and what to do, in English and Spanish; the engineering detail (windows, score, k of n) in its title.
describe('the alarm line on the Live card', () => {
  it('says what happened and what to do, with the detail kept for the analyst', async () => {
    const { createElement } = await import('react');
    const { renderToStaticMarkup } = await import('react-dom/server');
    const { setLanguage } = await import('../../../renderer/src/i18n');
    const { LinkStore } = await import('../../../renderer/src/live/linkStore');
    // The root tsconfig compiles no JSX: the component is loaded at run time (vitest transforms it).
    const COMPONENT = '../../../renderer/src/live/LiveExtras.tsx';
    const store = new LinkStore(() => {});
    const { AlarmList } = (await import(/* @vite-ignore */ COMPONENT)) as { AlarmList: FunctionComponent<{ node: NodeInfo; store: typeof store }> };
    const html = (n: NodeInfo) => renderToStaticMarkup(createElement(AlarmList, { node: n, store }));
    try {
      const on = html(node(held(true)));
      expect(on).toMatch(/Anomaly alarm on since \d\d:\d\d:\d\d \(model 1\): the vibration does not look like what the model learned as normal, at worst 8.8 times the alarm level\. Check the machine/);
      expect(on).not.toMatch(/>[^<]*(ACTIVE|windows|peak score)[^<]*</);
      expect(on).toContain('title="Alarm 3: windows 40–42, peak score 14.500, threshold 1.650, raised when 3 of 5 windows are over it"');
      expect(html(node(held(false, { endTUs: 40_000 + 95_000_000 })))).toContain('Anomaly alarm ended (model 1): for 1 min 35 s the vibration did not look like what the model learned as normal, at worst 8.8 times the alarm level.');
      setLanguage('es');
      const es = html(node(held(true)));
      expect(es).toMatch(/Alarma de anomalía activa desde las \d\d:\d\d:\d\d \(modelo 1\): .* 8,8 veces el nivel de alarma\. Revise la máquina/);
    } finally {
      setLanguage('en');
    }
  });
});
