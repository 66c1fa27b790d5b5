// Per-recording evaluation (models/eval/perRecording.ts) on synthetic windows whose answer is known:
// a healthy recording at a trained speed is healthy, one outside the span an unseen condition, a
// fault a fault, with exact window, flag and alarm counts.
import { describe, expect, it } from 'vitest';
import { evaluatePerRecording, type PerRecordingInput } from '../../models/eval/perRecording';
import type { WindowSet } from '../../models/train/dataset';

const D = 4;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Healthy spectrum at a speed: band b rises with log rpm (speed moves the mean). */
const healthyMean = (rpm: number) => Array.from({ length: D }, (_, b) => (b + 1) * Math.log(rpm / 1000));

function rows(rpm: number, count: number, seed: number, fault = 0): Float32Array[] {
  const r = rng(seed);
  const m = healthyMean(rpm);
  return Array.from({ length: count }, () => Float32Array.from(m, (v, b) => v + 0.1 * (r() - 0.5) + (b === 2 ? fault : 0)));
}

function set(groups: [string, Float32Array[]][]): WindowSet {
  const all = groups.flatMap(([, g], s) => g.map((row) => ({ row, s })));
  return {
    rows: all.map((x) => x.row),
    rms: new Float64Array(all.length),
    start: Int32Array.from(all, (_, i) => i * 512),
    segment: new Int32Array(all.length),
    sourceIndex: Int32Array.from(all, (x) => x.s),
    sources: groups.map(([name]) => name),
  };
}

/** A node model that knows nothing of speed: distance of band 2 from 1000 rpm's healthy mean. */
const nodeScore = (rs: Float32Array[]) => rs.map((r) => Math.abs(r[2] - healthyMean(1000)[2]));

function input(over: Partial<PerRecordingInput> = {}): PerRecordingInput {
  return {
    train: set([['a_1000.csv', rows(1000, 300, 1)], ['b_1400.csv', rows(1400, 300, 2)], ['c_2000.csv', rows(2000, 300, 3)]]),
    val: set([['a_1000.csv', rows(1000, 100, 4)], ['b_1400.csv', rows(1400, 100, 5)], ['c_2000.csv', rows(2000, 100, 6)]]),
    testNormal: set([['a_1000.csv', rows(1000, 120, 7)], ['b_1400.csv', rows(1400, 120, 8)], ['c_2000.csv', rows(2000, 120, 9)]]),
    anomalies: new Map([['inner', set([['f_1200.csv', rows(1200, 50, 10, 5)], ['f_2000.csv', rows(2000, 50, 11, 5)]])]]),
    conditions: new Map([
      ['a_1000.csv', { rpm: 1000, load: 0 }],
      ['b_1400.csv', { rpm: 1400, load: 0 }],
      ['c_2000.csv', { rpm: 2000, load: 1 }],
      ['f_1200.csv', { rpm: 1200 }],
      ['f_2000.csv', { rpm: 2000, load: 1 }],
    ]),
    nodeScore,
    nodeThreshold: 0.5,
    targetRate: 0.001,
    debounceK: 3,
    debounceN: 5,
    fitSpeeds: [1000, 1400],
    ...over,
  };
}

describe('evaluatePerRecording', () => {
  it('healthy at a trained speed, unseen condition outside the span, fault on a fault; exact counts', () => {
    const r = evaluatePerRecording(input());
    expect(r.speed_aware_unavailable).toBeNull();
    expect(r.speed_aware_knots).toEqual([1000, 1400]);
    const by = Object.fromEntries(r.per_recording.map((x) => [x.recording, x]));
    // Speed-aware: 120 held-out windows minus the 8 of the EMA warm-up.
    expect(by['a_1000.csv'].speed_aware).toEqual({ windows: 112, flagged_windows: 0, flagged: 0, alarms: 0, state: 'healthy' });
    expect(by['b_1400.csv'].speed_aware).toEqual({ windows: 112, flagged_windows: 0, flagged: 0, alarms: 0, state: 'healthy' });
    expect(by['c_2000.csv'].speed_aware).toMatchObject({ windows: 112, flagged_windows: 0, alarms: 0, state: 'unseen condition' });
    expect(by['f_1200.csv'].speed_aware).toEqual({ windows: 42, flagged_windows: 42, flagged: 1, alarms: 1, state: 'fault' });
    expect(by['f_2000.csv'].speed_aware?.state).toBe('unseen condition');
    // The node model, blind to speed: every window of 1400 and 2000 rpm is far from 1000 rpm's mean.
    expect(by['a_1000.csv'].node).toEqual({ windows: 120, flagged_windows: 0, flagged: 0, alarms: 0, state: 'healthy' });
    expect(by['b_1400.csv'].node).toEqual({ windows: 120, flagged_windows: 120, flagged: 1, alarms: 1, state: 'fault' });
    expect(by['f_1200.csv'].node).toEqual({ windows: 50, flagged_windows: 50, flagged: 1, alarms: 1, state: 'fault' });
    // Achieved false-alarm rates beside the target, healthy recordings only.
    expect(by['a_1000.csv']).toMatchObject({ role: 'held-out normal', rpm: 1000, load: 0, false_alarm_rate: 0, speed_aware_false_alarm_rate: 0, target_rate: 0.001 });
    expect(by['b_1400.csv'].false_alarm_rate).toBe(1);
    expect(by['c_2000.csv'].speed_aware_false_alarm_rate).toBeNull();
    expect(by['f_1200.csv']).toMatchObject({ role: 'anomaly', label: 'inner', rpm: 1200, load: null });
    expect(by['f_1200.csv']).not.toHaveProperty('false_alarm_rate');
  });

  it('groups per label and operating condition, normal first', () => {
    const r = evaluatePerRecording(input());
    expect(r.per_condition.map((c) => [c.label, c.rpm, c.load, c.recordings])).toEqual([
      ['normal', 1000, 0, 1],
      ['normal', 1400, 0, 1],
      ['normal', 2000, 1, 1],
      ['inner', 1200, null, 1],
      ['inner', 2000, 1, 1],
    ]);
    expect(r.per_condition[1].node).toEqual({ windows: 120, flagged: 1, alarms: 1, states: { fault: 1, 'unseen condition': 0, healthy: 0 } });
    expect(r.per_condition[2].speed_aware?.states).toEqual({ fault: 0, 'unseen condition': 1, healthy: 0 });
  });

  it('without fitSpeeds every normal recording trains the speed-aware detector; a missing rpm says why it was not evaluated', () => {
    const all = evaluatePerRecording(input({ fitSpeeds: undefined }));
    expect(all.speed_aware_knots).toEqual([1000, 1400, 2000]);
    expect(all.per_recording.find((x) => x.recording === 'c_2000.csv')?.speed_aware?.state).toBe('healthy');
    const conditions = input().conditions;
    conditions.set('b_1400.csv', {});
    const none = evaluatePerRecording(input({ fitSpeeds: undefined, conditions }));
    expect(none.speed_aware_unavailable).toBe('the normal recording b_1400.csv has no rpm in the manifest');
    expect(none.per_recording.every((x) => x.speed_aware === null)).toBe(true);
    expect(none.per_recording[0].node.windows).toBe(120);
  });

  it('a fault recording without rpm is an unseen condition for the speed-aware detector, a fault for the node', () => {
    const conditions = input().conditions;
    conditions.delete('f_1200.csv');
    const r = evaluatePerRecording(input({ conditions }));
    const f = r.per_recording.find((x) => x.recording === 'f_1200.csv')!;
    expect(f.speed_aware?.state).toBe('unseen condition');
    expect(f.node.state).toBe('fault');
    expect(f.rpm).toBeNull();
  });
});
