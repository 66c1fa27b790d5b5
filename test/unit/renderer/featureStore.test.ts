import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../models/api/contract';
import { FeatureStore, type NodeSeries } from '../../../renderer/src/live/featureStore';
import { breakGaps } from '../../../renderer/src/live/rmsChart';

function frame(windowIndex: number, rmsG: number[] = [0.07, 0.08]): FeatureFrame {
  // 94 windows/s: hop 256 at 24 kHz, as in docs/protocol.md's t_us formula.
  return { windowIndex, tUs: Math.floor(((windowIndex * 256 + 1024) * 1e6) / 24000), shaftHz: 0, rmsG };
}

function setup(capacity = 16) {
  const frames: (() => void)[] = [];
  const store = new FeatureStore({ capacity, scheduleFrame: (cb) => frames.push(cb) });
  const runFrame = () => frames.splice(0).forEach((cb) => cb());
  return { store, frames, runFrame };
}

describe('FeatureStore', () => {
  it('puts frames into the node ring with time in seconds', () => {
    const { store } = setup();
    store.ingest({ path: '/dev/ttyACM0', frames: [frame(0), frame(1, [0.09, 0.1])] });
    const s = store.get('/dev/ttyACM0')!;
    expect(s.ring.length).toBe(2);
    expect(s.ring.columns).toBe(2);
    expect(s.ring.lastTime()).toBeCloseTo(frame(1).tUs / 1e6, 9);
    expect(s.ring.lastValue(1)).toBeCloseTo(0.1, 12);
  });

  it('redraws once per animation frame however many batches arrived', () => {
    const { store, frames, runFrame } = setup();
    const calls: NodeSeries[] = [];
    store.subscribe('/dev/a', (s) => calls.push(s));
    for (let i = 0; i < 5; i++) store.ingest({ path: '/dev/a', frames: [frame(i)] });
    expect(frames.length).toBe(1);
    expect(calls.length).toBe(0);
    runFrame();
    expect(calls.length).toBe(1);
    expect(calls[0].ring.length).toBe(5);
    runFrame();
    expect(calls.length).toBe(1); // nothing new, nothing drawn
  });

  it('tells only the subscribers of the node that got data', () => {
    const { store, runFrame } = setup();
    let a = 0;
    let b = 0;
    store.subscribe('/dev/a', () => a++);
    const offB = store.subscribe('/dev/b', () => b++);
    store.ingest({ path: '/dev/a', frames: [frame(0)] });
    runFrame();
    expect([a, b]).toEqual([1, 0]);
    offB();
    store.ingest({ path: '/dev/b', frames: [frame(0)] });
    runFrame();
    expect(b).toBe(0);
  });

  it('keeps every window after a jump in window_index (the host counts the missed ones)', () => {
    const { store } = setup();
    store.ingest({ path: '/dev/a', frames: [frame(0), frame(1), frame(4)] });
    store.ingest({ path: '/dev/a', frames: [frame(5), frame(10)] });
    const s = store.get('/dev/a')!;
    expect(Array.from(s.ring.views().t)).toEqual([0, 1, 4, 5, 10].map((i) => frame(i).tUs / 1e6));
    expect(s.windows.expected).toBe(11);
  });

  it('breaks the line where windows are missing (a full buffer, a reconnect), not between neighbours', () => {
    const { store } = setup();
    store.ingest({ path: '/dev/a', frames: [frame(0), frame(1), frame(4)] });
    store.ingest({ path: '/dev/a', frames: [frame(5), frame(6), frame(40), frame(41)] });
    const s = store.get('/dev/a')!;
    const at = (w: number) => frame(w).tUs / 1e6;
    expect(s.breaks).toEqual([at(1), at(4), at(6), at(40)]);
    // What the chart leaves undrawn: from the point before each break to the point after, in pixels.
    const px = (t: number) => 1000 * t;
    expect(breakGaps(s.breaks, px)).toEqual([
      [px(at(1)), px(at(4))],
      [px(at(6)), px(at(40))],
    ]);
    // With gaps uPlot found itself (null values): kept, in order, overlaps merged.
    expect(breakGaps(s.breaks, px, [[px(at(0)), px(at(1)) + 1]])).toEqual([
      [px(at(0)), px(at(4))],
      [px(at(6)), px(at(40))],
    ]);
  });

  it('lets a break go once its points have left the ring, and forgets breaks when the node restarts', () => {
    const { store } = setup(4);
    store.ingest({ path: '/dev/a', frames: [frame(0), frame(3), frame(4), frame(5)] });
    expect(store.get('/dev/a')!.breaks.length).toBe(2);
    store.ingest({ path: '/dev/a', frames: [frame(6), frame(7), frame(8)] });
    expect(store.get('/dev/a')!.breaks).toEqual([]);
    store.ingest({ path: '/dev/a', frames: [frame(20)] });
    expect(store.get('/dev/a')!.breaks.length).toBe(2);
    store.ingest({ path: '/dev/a', frames: [frame(1)] });
    expect(store.get('/dev/a')!.breaks).toEqual([]);
  });

  it('starts the trend over when the node clock goes backwards', () => {
    const { store } = setup();
    store.ingest({ path: '/dev/a', frames: [frame(100), frame(101)] });
    store.ingest({ path: '/dev/a', frames: [frame(0), frame(1)] });
    const s = store.get('/dev/a')!;
    expect(s.restarts).toBe(1);
    expect(s.ring.length).toBe(2);
    expect(Array.from(s.ring.views().t)).toEqual([frame(0).tUs / 1e6, frame(1).tUs / 1e6]);
    expect(s.windows.expected).toBe(2);
  });

  it('skips a window it already has', () => {
    const { store } = setup();
    store.ingest({ path: '/dev/a', frames: [frame(3), frame(3)] });
    expect(store.get('/dev/a')!.ring.length).toBe(1);
  });

  it('makes a new ring when the number of axes changes', () => {
    const { store } = setup();
    store.ingest({ path: '/dev/a', frames: [frame(0, [0.1, 0.2])] });
    store.ingest({ path: '/dev/a', frames: [frame(1, [0.1, 0.2, 0.3])] });
    const s = store.get('/dev/a')!;
    expect(s.ring.columns).toBe(3);
    expect(s.ring.length).toBe(1);
  });

  it('forgets a removed node and ignores empty batches', () => {
    const { store, frames } = setup();
    store.ingest({ path: '/dev/a', frames: [] });
    expect(store.get('/dev/a')).toBeUndefined();
    expect(frames.length).toBe(0);
    store.ingest({ path: '/dev/a', frames: [frame(0)] });
    store.remove('/dev/a');
    expect(store.get('/dev/a')).toBeUndefined();
  });
});
