// A node's health beside its link status (renderer/src/nodes/health.ts, NodeCard's HealthBadge, the
// Live card's axis table): issue 13, point 7 — "the ISO badge shows a green A beside a red anomaly
// alarm with no words to reconcile them; every node is a green Online whatever its health".
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureFrame, NodeAlarmState, NodeInfo } from '../../../models/api/contract';
import { setLanguage } from '../../../renderer/src/i18n';
import { nodeHealth, zoneAlarmWords } from '../../../renderer/src/nodes/health';

// The root tsconfig compiles no JSX: the components are loaded at run time (vitest transforms them).
const CARD = '../../../renderer/src/nodes/NodeCard.tsx';
const EXTRAS = '../../../renderer/src/live/LiveExtras.tsx';
type Props = { node: NodeInfo; latest?: FeatureFrame };
let HealthBadge: FunctionComponent<Props>;
let AxisTable: FunctionComponent<{ node: NodeInfo; store: unknown }>;
beforeAll(async () => {
  ({ HealthBadge } = (await import(/* @vite-ignore */ CARD)) as { HealthBadge: typeof HealthBadge });
  ({ AxisTable } = (await import(/* @vite-ignore */ EXTRAS)) as { AxisTable: typeof AxisTable });
});
afterEach(() => setLanguage('en'));

const alarm: NodeAlarmState = { eventId: 3, debounceK: 3, debounceN: 5, startWindow: 10, endWindow: 14, startTUs: 1e6, endTUs: 2e6, peakScore: 9, threshold: 2, modelVersion: 1, active: true, sinceMs: 1_700_000_000_000 };

function node(o: { alarm?: boolean; detector?: 'model' | 'learning' | 'none'; percent?: number; velocity?: number; status?: NodeInfo['status'] } = {}): NodeInfo {
  return {
    path: '/dev/pts/7',
    status: o.status ?? 'online',
    demo: false,
    link: 'serial',
    hello: { uid: '0123456789abcdef01234567', name: 'Pump 1', board: 'host', firmware: '1.3.0', protocolVersion: 1, axisCount: 1, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x'] },
    condition: {
      alarm: o.alarm ? alarm : null,
      detector: { kind: o.detector ?? 'model', learnPercent: o.percent ?? 0, modelVersion: 1 },
      lastSeenMs: 1_700_000_000_000,
      latest: { windowIndex: 100, tUs: 5e6, atMs: 1_700_000_000_000, shaftHz: 29.95, velocityMmS: [o.velocity ?? 0.5], anomalyScore: 1 },
    },
  } as unknown as NodeInfo;
}

const badge = (n: NodeInfo) => renderToStaticMarkup(createElement(HealthBadge, { node: n }));

describe('health beside the link status', () => {
  it('says "Online · alarm" in red for a node in alarm, not a green "Online"', () => {
    const html = badge(node({ alarm: true }));
    expect(html).toContain('Online · alarm');
    expect(html).toContain('tone-bad');
    expect(html).toContain('data-kind="alarm"');
    expect(html).not.toContain('status-online');
  });

  it('says learning with its progress, healthy, zone C, no model', () => {
    expect(badge(node({ detector: 'learning', percent: 40 }))).toContain('Online · learning 40 %');
    const ok = badge(node());
    expect(ok).toContain('Online · healthy');
    expect(ok).toContain('tone-ok');
    expect(badge(node({ velocity: 3.5 }))).toContain('Online · zone C: plan a repair');
    expect(badge(node({ detector: 'none' }))).toContain('Online · no model');
  });

  it('shows only the link word while the link is down', () => {
    const html = badge(node({ status: 'reconnecting', alarm: true }));
    expect(html).toContain('Reconnecting');
    expect(html).not.toContain('·');
  });

  it('speaks Spanish', () => {
    setLanguage('es');
    expect(badge(node({ alarm: true }))).toContain('En línea · alarma');
    expect(nodeHealth(node({ detector: 'learning', percent: 40 })).text).toBe('En línea · aprendiendo 40 %');
  });
});

describe('words that reconcile the ISO zone with the anomaly alarm', () => {
  const store = (velocity: number) => ({
    get: () => ({ latest: { windowIndex: 100, tUs: 5e6, shaftHz: 29.95, rmsG: [0.1], velocityMmS: [velocity], anomalyScore: 9 } as FeatureFrame, events: [], log: [], version: 0 }),
    subscribe: () => () => {},
  });

  it('under the Live card\'s axis table: a low level (zone A) with an alarm is explained', () => {
    const html = renderToStaticMarkup(createElement(AxisTable, { node: node({ alarm: true }), store: store(0.5) }));
    expect(html).toContain('data-testid="zone-words"');
    expect(html).toContain('Vibration level is low (zone A) but its pattern is unusual: the anomaly alarm looks at the pattern, not the level');
  });

  it('says nothing when level and pattern agree', () => {
    const html = renderToStaticMarkup(createElement(AxisTable, { node: node(), store: store(0.5) }));
    expect(html).not.toContain('zone-words');
  });

  it('every case, in both languages', () => {
    expect(zoneAlarmWords('B', true)).toMatch(/^Vibration level is acceptable \(zone B\) but its pattern is unusual/);
    expect(zoneAlarmWords('D', true)).toMatch(/^Vibration level is high \(zone D\) and its pattern is unusual: check the machine now/);
    expect(zoneAlarmWords('C', false)).toMatch(/^Vibration level is high \(zone C\) although its pattern looks as learned/);
    expect(zoneAlarmWords('A', false)).toBeNull();
    expect(zoneAlarmWords(null, true)).toBeNull();
    setLanguage('es');
    expect(zoneAlarmWords('A', true)).toMatch(/^El nivel de vibración es bajo \(zona A\) pero su patrón es inusual/);
  });
});
