// The snapshot view's settings: what the analyst typed becomes a speed, a bearing's factors and
// envelope options, or a plain-words problem (the view still draws what it can).
import { describe, expect, it } from 'vitest';
import { findBearing } from '../../../models/analysis/bearings';
import { defaultSettings, initialBearing, resolveSettings } from '../../../renderer/src/analysis/settings';

describe('snapshot view settings', () => {
  it('resolves the defaults of a 48 kHz CWRU snapshot at 1797 rpm', () => {
    const r = resolveSettings(defaultSettings(48000, 1797, 'skf-6205-2rs'), 48000);
    expect(r.problems).toEqual([]);
    expect(r.shaftHz).toBeCloseTo(29.95, 9);
    expect(r.factors).toEqual(findBearing('skf-6205-2rs')!.factors);
    expect(r.envelope).toEqual({ bandHz: [2000, 8000], lowPassHz: 500, method: 'hilbert' });
    expect(r.harmonics).toBe(10);
  });

  it('passes cepstrum pre-whitening to the envelope only when ticked (off by default)', () => {
    const s = defaultSettings(48000, 1797, 'skf-6205-2rs');
    expect(s.whiten).toBe(false);
    expect(resolveSettings(s, 48000).envelope.whiten).toBeUndefined();
    expect(resolveSettings({ ...s, whiten: true }, 48000).envelope).toEqual({ bandHz: [2000, 8000], lowPassHz: 500, method: 'hilbert', whiten: true });
  });

  it('keeps the band inside half the sample rate for a slow node', () => {
    const r = resolveSettings(defaultSettings(6400, null, 'none'), 6400);
    expect(r.envelope.bandHz[1]).toBeLessThanOrEqual(3200);
    expect(r.envelope.bandHz[0]).toBeLessThan(r.envelope.bandHz[1]);
    expect(r.factors).toBeNull();
    expect(r.problems).toEqual(['Enter the shaft speed (rpm) to place the shaft and bearing markers.']);
  });

  it('says in plain words what is wrong with typed values, and falls back', () => {
    const s = defaultSettings(48000, 1797, 'custom');
    const r = resolveSettings({ ...s, rpm: 'fast', bandAuto: false, bandLo: '9000', lowPass: '-1', harmonics: '0', geometry: { ...s.geometry, ballDiameter: '50' } }, 48000);
    expect(r.shaftHz).toBe(0);
    expect(r.factors).toBeNull();
    expect(r.envelope).toEqual({ bandHz: [2000, 8000], lowPassHz: 500, method: 'hilbert' });
    expect(r.problems.join('\n')).toMatch(/shaft speed must be a number of rpm/);
    expect(r.problems.join('\n')).toMatch(/Bearing geometry: the ball diameter \(50\) must be smaller than the pitch diameter/);
    expect(r.problems.join('\n')).toMatch(/band-pass must run from a lower to a higher frequency/);
    expect(r.problems.join('\n')).toMatch(/low-pass must be above 0/);
    expect(r.problems.join('\n')).toMatch(/Shaft harmonics/);
  });

  it('computes a custom bearing from its geometry (the 6205 in mm gives CWRU\'s BPFI)', () => {
    const r = resolveSettings(defaultSettings(48000, 1797, 'custom'), 48000);
    expect(r.factors!.bpfi).toBeCloseTo(5.4152, 3);
  });

  it('starts with the bearing chosen for the node before, else the CWRU bearing for a CWRU file', () => {
    expect(initialBearing('6204', true)).toBe('6204');
    expect(initialBearing('no-such-bearing', true)).toBe('skf-6205-2rs');
    expect(initialBearing(null, false)).toBe('none');
    expect(initialBearing('custom', false)).toBe('custom');
  });
});
