// A node's alarm linked to the label made for it (issue 13, point 7): the range a technician labels
// on the Live chart is matched to the alarm it overlaps (renderer/src/live/alarms.ts), the label
// records the alarm's events row (LabelRow.eventId, written by the recorder even for an alarm this
// page only knows from main), and the alarm list says it is labelled, and with what.
import 'fake-indexeddb/auto';
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeAlarmState, NodeInfo } from '../../../models/api/contract';
import { VigilDb } from '../../../renderer/src/db/db';
import { createLabel } from '../../../renderer/src/db/labels';
import type { LabelRow } from '../../../renderer/src/db/types';
import { alarmEntries, alarmEventRowId, alarmForRange, labelsForAlarm, type AlarmEntry } from '../../../renderer/src/live/alarms';
import { LiveRecorder } from '../../../renderer/src/record/recorder';

const EXTRAS = '../../../renderer/src/live/LiveExtras.tsx';
let AlarmList: FunctionComponent<{ node: NodeInfo; store: unknown; labels?: LabelRow[]; t0Ms?: number }>;
beforeAll(async () => {
  ({ AlarmList } = (await import(/* @vite-ignore */ EXTRAS)) as { AlarmList: typeof AlarmList });
});

const UID = '00112233445566778899aabb';
const PATH = '/dev/pts/3';
const held: NodeAlarmState = { eventId: 4, debounceK: 3, debounceN: 5, startWindow: 900, endWindow: 904, startTUs: 10e6, endTUs: 10.05e6, peakScore: 9, threshold: 2, modelVersion: 1, active: true, sinceMs: Date.UTC(2024, 4, 2, 8, 0, 10) };
const node = (alarm: NodeAlarmState | null = held): NodeInfo =>
  ({
    path: PATH,
    status: 'online',
    demo: true,
    link: 'serial',
    hello: { uid: UID, name: 'demo-cwru-inner-race', board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 1, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['DE'] },
    stats: { missedWindows: 0 },
    condition: { alarm, detector: { kind: 'model', learnPercent: 0, modelVersion: 1 }, lastSeenMs: null },
  }) as unknown as NodeInfo;
const entry = (o: Partial<AlarmEntry>): AlarmEntry => ({ eventId: 1, modelVersion: 1, startWindow: 0, endWindow: 0, startTUs: 0, endTUs: 0, peakScore: 3, threshold: 2, debounceK: 3, debounceN: 5, active: false, ended: 'node', ...o });

describe('the alarm a labelled range is about', () => {
  const early = entry({ eventId: 1, startTUs: 2e6, endTUs: 5e6 });
  const on = entry({ eventId: 2, startTUs: 8e6, endTUs: 8.1e6, active: true, ended: null });

  it('is the one the range overlaps most; an alarm still on runs to the latest window', () => {
    expect(alarmForRange([early, on], 4, 20, 30)?.eventId).toBe(2); // 1 s of the first, 12 s of the one on
    expect(alarmForRange([early, on], 1, 6, 30)?.eventId).toBe(1);
    expect(alarmForRange([early, on], 5.5, 7.5, 30)).toBeNull();
    expect(alarmForRange([], 0, 10, 10)).toBeNull();
  });

  it('finds the alarm main holds, which this page never got as an EVENT', () => {
    expect(alarmForRange(alarmEntries(node(), []), 5, 15, 20)?.eventId).toBe(4);
  });
});

describe('a label made on an alarm records its event, and the alarm shows the label', () => {
  it('the recorder writes the events row of a held alarm and the label points at it', async () => {
    const db = new VigilDb(`alarm-link-${Date.now()}`);
    const now = Date.UTC(2024, 4, 2, 8, 0, 20);
    const rec = new LiveRecorder({ db, now: () => now, setInterval: () => 0, clearInterval: () => {} });
    rec.setNode(node());
    const frames: FeatureFrame[] = Array.from({ length: 50 }, (_, i) => ({ windowIndex: 900 + i, tUs: 10e6 + i * 10_667, shaftHz: 29.95, rmsG: [0.2] }));
    rec.ingest({ path: PATH, frames });
    const session = rec.sessionOf(PATH)!;
    const alarm = alarmForRange(alarmEntries(node(), []), 9, 11, 10.5)!;
    const eventId = rec.alarmEventId(PATH, alarm);
    expect(eventId).toBe(alarmEventRowId(session.id, 4));
    expect(rec.alarmEventId(PATH, alarm)).toBe(eventId); // once
    await rec.flush();
    const row = await db.events.get(eventId!);
    expect(row).toMatchObject({ nodeId: UID, sessionId: session.id, kind: 'anomaly alarm' });
    expect(row!.startMs).toBeCloseTo(session.t0Ms + 10_000, 0);
    expect(await db.rawSnapshots.count()).toBe(0); // linking takes no snapshot

    const label = await createLabel(db, { nodeId: UID, sessionId: session.id, eventId, startMs: session.t0Ms + 9_000, endMs: session.t0Ms + 11_000, label: 'inner-race', notes: '', author: 'Ben Okafor' });
    expect((await db.labels.where('eventId').equals(eventId!).toArray()).map((l) => l.id)).toEqual([label.id]);

    const [e] = alarmEntries(node(), []);
    expect(labelsForAlarm([label], e, session.t0Ms, now).map((l) => l.id)).toEqual([label.id]);
    // Another alarm with the same number long before (the node restarted since): not this one's label.
    expect(labelsForAlarm([{ ...label, startMs: 0, endMs: 1 }], e, session.t0Ms, now)).toEqual([]);
    expect(labelsForAlarm([{ ...label, deletedMs: now }], e, session.t0Ms, now)).toEqual([]);

    const store = { get: () => ({ events: [], log: [], version: 0 }), subscribe: () => () => {} };
    const html = renderToStaticMarkup(createElement(AlarmList, { node: node(), store, labels: [label], t0Ms: session.t0Ms }));
    expect(html).toContain('data-labelled="true"');
    expect(html).toContain('labelled: Bearing inner race (by Ben Okafor)');
    const bare = renderToStaticMarkup(createElement(AlarmList, { node: node(), store, labels: [], t0Ms: session.t0Ms }));
    expect(bare).toContain('data-labelled="false"');
    db.close();
  });
});
