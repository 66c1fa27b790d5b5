// The learning period the technician sets (CONFIG key 10): time to windows at the node's rate and
// hop, the node's bounds refused before anything is sent, and the API validator's bounds.
import { describe, expect, it } from 'vitest';
import { validateArgs } from '../../../models/api/contract';
import { LEARN_WINDOWS_MAX, LEARN_WINDOWS_MIN } from '../../../models/protocol/bounds';
import { learnDurationMs, learnWindowsFor } from '../../../renderer/src/nodes/learnLogic';

describe('learning period', () => {
  it('turns a time into the windows the node counts (a window every hop samples)', () => {
    // 1 h at 26,667 Hz, hop 512: 3600 · 26667 / 512 = 187,502.3 windows.
    expect(learnWindowsFor('1', 'hours', 26667, 512)).toEqual({ windows: 187502 });
    expect(learnWindowsFor(2, 'minutes', 48000, 512)).toEqual({ windows: 11250 });
    expect(learnWindowsFor('1,5', 'days', 48000, 512)).toEqual({ windows: 12150000 });
    expect(learnDurationMs(11250, 48000, 512)).toBe(120_000);
  });

  it('refuses what the node would refuse, saying why', () => {
    expect(learnWindowsFor('', 'hours', 48000, 512)).toEqual({ problem: { key: 'learn.problem.number' } });
    expect(learnWindowsFor('-1', 'hours', 48000, 512)).toEqual({ problem: { key: 'learn.problem.number' } });
    expect(learnWindowsFor('abc', 'hours', 48000, 512)).toEqual({ problem: { key: 'learn.problem.number' } });
    // 0.01 min = 0.6 s = 56 windows < 64; 64 windows need 0.683 s, so 1 s is the stated minimum.
    expect(learnWindowsFor('0.01', 'minutes', 48000, 512)).toEqual({ problem: { key: 'learn.problem.short', values: { seconds: 1 } } });
    expect(learnWindowsFor('1', 'minutes', 48000, 512)).toEqual({ windows: 5625 });
    const long = learnWindowsFor('1000000', 'days', 48000, 512);
    expect('problem' in long && long.problem.key).toBe('learn.problem.long');
  });

  it('the API takes learnWindows only inside the node bounds', () => {
    const req = (learnWindows: unknown) => validateArgs('nodes.config.set', { path: '/dev/pts/3', changes: { learnWindows } });
    expect(req(LEARN_WINDOWS_MIN)).toEqual({ path: '/dev/pts/3', changes: { learnWindows: LEARN_WINDOWS_MIN } });
    expect(req(LEARN_WINDOWS_MAX)).toMatchObject({ changes: { learnWindows: LEARN_WINDOWS_MAX } });
    for (const bad of [LEARN_WINDOWS_MIN - 1, LEARN_WINDOWS_MAX + 1, 1.5, '100', null]) {
      expect(() => req(bad)).toThrow(/learnWindows/);
    }
  });
});
