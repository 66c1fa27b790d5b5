import { describe, expect, it } from 'vitest';
import { SeriesRing } from '../../../renderer/src/live/ringBuffer';

function contents(r: SeriesRing) {
  const v = r.views();
  return { t: Array.from(v.t), y: v.y.map((c) => Array.from(c)) };
}

describe('SeriesRing', () => {
  it('starts empty with views of length zero', () => {
    const r = new SeriesRing(4, 2);
    expect(r.length).toBe(0);
    expect(contents(r)).toEqual({ t: [], y: [[], []] });
    expect(r.lastTime()).toBeNaN();
    expect(r.lastValue(0)).toBeNaN();
  });

  it('keeps samples oldest first before it is full', () => {
    const r = new SeriesRing(4, 2);
    r.push(1, [10, 100]);
    r.push(2, [20, 200]);
    r.push(3, [30, 300]);
    expect(r.length).toBe(3);
    expect(contents(r)).toEqual({ t: [1, 2, 3], y: [[10, 20, 30], [100, 200, 300]] });
    expect(r.lastTime()).toBe(3);
    expect(r.lastValue(1)).toBe(300);
  });

  it('drops the oldest sample once full and stays in time order across the wrap', () => {
    const r = new SeriesRing(4, 1);
    for (let i = 1; i <= 11; i++) r.push(i, [i * 10]);
    expect(r.length).toBe(4);
    expect(contents(r)).toEqual({ t: [8, 9, 10, 11], y: [[80, 90, 100, 110]] });
    expect(r.lastTime()).toBe(11);
    expect(r.lastValue(0)).toBe(110);
  });

  it('is in order at every head position, not only after whole turns', () => {
    const cap = 5;
    const r = new SeriesRing(cap, 1);
    for (let i = 0; i < 3 * cap; i++) {
      r.push(i, [-i]);
      const n = Math.min(i + 1, cap);
      const expected = Array.from({ length: n }, (_, k) => i - n + 1 + k);
      expect(Array.from(r.views().t)).toEqual(expected);
      expect(Array.from(r.views().y[0])).toEqual(expected.map((x) => -x));
    }
  });

  it('never holds more than its capacity', () => {
    const r = new SeriesRing(3, 1);
    for (let i = 0; i < 1000; i++) r.push(i, [i]);
    expect(r.length).toBe(3);
    expect(r.views().t.length).toBe(3);
  });

  it('hands out views of its own memory, not copies', () => {
    const r = new SeriesRing(4, 1);
    r.push(1, [5]);
    r.push(2, [6]);
    const a = r.views();
    const b = r.views();
    expect(a.t.buffer).toBe(b.t.buffer);
    expect(a.y[0].buffer).toBe(b.y[0].buffer);
    expect(a.t).toBeInstanceOf(Float64Array);
  });

  it('stores NaN for values missing from a sample and ignores extra ones', () => {
    const r = new SeriesRing(2, 3);
    r.push(1, [0.5, 0.25, 0.125, 99]);
    r.push(2, [0.5]);
    const v = contents(r);
    expect(v.y[0]).toEqual([0.5, 0.5]);
    expect(v.y[1][0]).toBe(0.25);
    expect(v.y[1][1]).toBeNaN();
    expect(v.y[2][1]).toBeNaN();
  });

  it('starts over after clear()', () => {
    const r = new SeriesRing(3, 1);
    for (let i = 0; i < 5; i++) r.push(i, [i]);
    r.clear();
    expect(r.length).toBe(0);
    r.push(42, [1]);
    expect(contents(r)).toEqual({ t: [42], y: [[1]] });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SeriesRing(0, 1)).toThrow(RangeError);
    expect(() => new SeriesRing(2.5, 1)).toThrow(RangeError);
  });
});
