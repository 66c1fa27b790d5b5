// Pure parts of the link UI: the raw waveform store (node.raw), the ISO 20816 zone of a velocity
// RMS, and the configuration form's checks (what is sent, what is explained before sending).
import { describe, expect, it } from 'vitest';
import type { NodeConfig, RawBlock } from '../../../models/api/contract';
import { isoZone } from '../../../renderer/src/live/iso';
import { LinkStore, RAW_CAPACITY } from '../../../renderer/src/live/linkStore';
import { configChanges, plainRefusal, rawBytesPerSecond } from '../../../renderer/src/nodes/controlLogic';

const block = (firstFrame: number, n: number, d = 2, extra: Partial<RawBlock> = {}): RawBlock => ({
  firstFrame,
  axisCount: 2,
  decimation: d,
  scaleG: 16 / 32768,
  frameCount: n,
  samples: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 1000 : -2000) * (16 / 32768)), // in g, as main sends them
  ...extra,
});

describe('LinkStore raw waveform', () => {
  it('appends contiguous blocks, starts over after a lost block, keeps the newest RAW_CAPACITY samples', () => {
    const frames: (() => void)[] = [];
    const store = new LinkStore((cb) => frames.push(cb));
    let drawn = 0;
    store.subscribe('p', () => drawn++);
    store.raw({ path: 'p', blocks: [block(0, 252), block(504, 252)] });
    let r = store.get('p').raw!;
    expect(r.length).toBe(504);
    expect(r.frame[252]).toBe(504);
    expect(r.g[0][0]).toBeCloseTo(1000 * (16 / 32768), 9);
    expect(r.g[1][0]).toBeCloseTo(-2000 * (16 / 32768), 9);
    frames.splice(0).forEach((f) => f());
    expect(drawn).toBe(1);
    store.raw({ path: 'p', blocks: [block(5000, 252, 2, { gapReason: 'link-lost' })] }); // 1008..4999 never came
    r = store.get('p').raw!;
    expect([r.length, r.frame[0], r.gaps]).toEqual([252, 5000, 1]);
    for (let k = 0; k < 40; k++) store.raw({ path: 'p', blocks: [block(5504 + k * 504, 252)] });
    r = store.get('p').raw!;
    expect(r.length).toBe(RAW_CAPACITY);
    expect(r.frame[RAW_CAPACITY - 1]).toBe(5504 + 39 * 504 + 251 * 2);
    expect(r.frame[1] - r.frame[0]).toBe(2);
  });
});

describe('Velocity RMS zones (ISO 20816-3, group 2, rigid)', () => {
  it('maps mm/s to A/B/C/D at 1.4, 2.8 and 4.5', () => {
    expect([0.3, 1.4, 1.41, 2.8, 4.5, 4.51, 12].map(isoZone)).toEqual(['A', 'A', 'B', 'B', 'C', 'D', 'D']);
    expect(isoZone(NaN)).toBeNull();
  });
});

describe('configuration form', () => {
  const cfg: NodeConfig = { name: 'pump', rangeG: 16, hop: 512, shaftHz: Math.fround(29.95), sendBands: true, axisCount: 2, windowLen: 1024, sampleRateHz: 48000 };
  const draft = { name: 'pump', rangeG: '16', hop: '512', shaftHz: '29.95', sendBands: true };
  it('sends only what changed (a float32 shaft speed shown rounded is not a change)', () => {
    expect(configChanges(cfg, draft)).toEqual({ changes: {} });
    expect(configChanges(cfg, { ...draft, rangeG: '8', sendBands: false, name: ' Pump 3 ' })).toEqual({ changes: { rangeG: 8, sendBands: false, name: 'Pump 3' } });
  });
  it('explains values out of range before anything is sent', () => {
    expect(configChanges(cfg, { ...draft, hop: '2000' })).toEqual({ problem: expect.stringContaining('1 to the window length, 1024') });
    expect(configChanges(cfg, { ...draft, shaftHz: '0.05' })).toEqual({ problem: expect.stringContaining('0 (unknown) or 0.1 to 1000 Hz') });
    expect(configChanges(cfg, { ...draft, shaftHz: '' })).toEqual({ problem: expect.stringContaining('Shaft speed') });
    expect(configChanges(cfg, { ...draft, name: 'x'.repeat(33) })).toEqual({ problem: expect.stringContaining('1 to 32 bytes') });
  });
  it('adds plain words to a NACK reason name, and estimates the raw stream', () => {
    expect(plainRefusal('NACK OUT_OF_RANGE (key 3)')).toBe('NACK OUT_OF_RANGE (key 3) (a value is outside its range)');
    expect(plainRefusal('The node is not online')).toBe('The node is not online');
    expect(rawBytesPerSecond(48000, 2, 8)).toBeCloseTo(24375.7, 0);
  });
});
