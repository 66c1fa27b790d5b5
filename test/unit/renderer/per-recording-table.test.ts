// The Training page's per-recording table (renderer/src/training/PerRecordingTable.tsx): every
// held-out recording with the node model beside the speed-aware detector, in English and Spanish.
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PerRecordingReport } from '../../../models/eval/perRecording';
import { setLanguage } from '../../../renderer/src/i18n';

// The root tsconfig compiles no JSX: the component is loaded at run time (vitest transforms it).
const COMPONENT = '../../../renderer/src/training/PerRecordingTable.tsx';
let PerRecordingTable: FunctionComponent<{ report: PerRecordingReport | undefined }>;
beforeAll(async () => {
  ({ PerRecordingTable } = (await import(/* @vite-ignore */ COMPONENT)) as { PerRecordingTable: typeof PerRecordingTable });
});

const on = (windows: number, flagged: number, alarms: number, state: 'fault' | 'unseen condition' | 'healthy') => ({ windows, flagged_windows: Math.round(flagged * windows), flagged, alarms, state });

const report: PerRecordingReport = {
  target_rate: 0.001,
  debounce: { k: 3, n: 5 },
  speed_aware_unavailable: null,
  speed_aware_threshold: 2.3,
  speed_aware_knots: [800, 1200],
  per_recording: [
    { recording: 'normal_800.csv', label: 'normal', role: 'held-out normal', rpm: 800, load: 1.5, node: on(203, 0.0049, 0, 'healthy'), speed_aware: on(195, 0, 0, 'healthy'), false_alarm_rate: 0.0049, speed_aware_false_alarm_rate: 0, target_rate: 0.001 },
    { recording: 'normal_1400.csv', label: 'normal', role: 'held-out normal', rpm: 1400, load: null, node: on(203, 0, 0, 'healthy'), speed_aware: on(195, 0, 0, 'unseen condition'), false_alarm_rate: 0, speed_aware_false_alarm_rate: null, target_rate: 0.001 },
    { recording: 'inner_1000.csv', label: 'inner_race', role: 'anomaly', rpm: 1000, load: null, node: on(511, 1, 1, 'fault'), speed_aware: null },
  ],
  per_condition: [],
};

const html = (r: PerRecordingReport | undefined) => renderToStaticMarkup(createElement(PerRecordingTable, { report: r }));
const row = (markup: string, name: string) => markup.split('<tr').find((x) => x.includes(`data-recording="${name}"`)) ?? '';

describe('PerRecordingTable', () => {
  afterEach(() => setLanguage('en'));

  it('shows each recording: windows, share over the threshold, alarms and the state of both detectors', () => {
    const h = html(report);
    expect(h).toContain('Per recording and operating condition');
    expect(h).toContain('3-of-5 rule');
    expect(h).toContain('the target is 0.10 % of windows');
    expect(h).toContain('fitted on the training windows at 800, 1,200 rpm');
    const healthy = row(h, 'normal_800.csv');
    expect(healthy).toMatch(/held-out normal<\/td><td>800<\/td><td>1.5<\/td><td>203<\/td><td>0.49 %<\/td><td>0<\/td><td[^>]*data-state="healthy">healthy<\/td><td>0.0 %/);
    expect(row(h, 'normal_1400.csv')).toMatch(/data-state="unseen condition">condition not seen in training</);
    expect(row(h, 'inner_1000.csv')).toMatch(/inner_race<\/td><td>1,000<\/td><td>—<\/td><td>511<\/td><td>100.0 %<\/td><td>1<\/td><td[^>]*data-state="fault">fault<\/td><td colSpan="3"/);
  });

  it('speaks Spanish, with Spanish numbers', () => {
    setLanguage('es');
    const h = html(report);
    expect(h).toContain('Por grabación y condición de operación');
    expect(row(h, 'normal_800.csv')).toMatch(/normal reservada<\/td><td>800<\/td><td>1,5<\/td><td>203<\/td><td>0,49 %/);
    expect(row(h, 'normal_1400.csv')).toContain('condición no vista en el entrenamiento');
    expect(row(h, 'inner_1000.csv')).toContain('>fallo<');
  });

  it('says why the speed-aware detector is missing, and shows nothing without a report', () => {
    expect(html({ ...report, speed_aware_unavailable: 'the normal recording x.csv has no rpm in the manifest', speed_aware_knots: [] })).toContain('Speed-aware detector not evaluated');
    expect(html(undefined)).toBe('');
  });
});
